"""The Playground engine: image filtering and a small convolutional-network library in NumPy.

Nothing here imports Qt; the app, the command line, the tests and the benchmarks all use it alike.
"""

__version__ = "0.1.0"
