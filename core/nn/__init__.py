"""The network engine: the layer contract and the blocks, stateless functional kernels, losses,
optimisers, initialisers, the model built from a spec, numerical gradient checks.

Importing any module of this package registers every block in `core.nn.layer.LAYERS`, the
blocks with weights first and the activations after them (the palette's order).
"""

# isort: off
from core.nn import layers  # noqa: F401
from core.nn import activations  # noqa: F401
from core.nn import recurrent  # noqa: F401
# isort: on
