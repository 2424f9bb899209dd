"""Ways out of Playground: a network written for other tools (an ONNX file, a PyTorch folder)."""
