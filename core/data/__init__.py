"""Data sets: the bundled MNIST subset, IDX files, CIFAR-10 binary, image folders, generated
shapes, and drawings prepared like MNIST. `core.data.sources.load_dataset` is the entry point."""
