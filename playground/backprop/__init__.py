"""The Backprop tab: one forward and backward pass of the builder's network, module by module,
with the numbers of `core.nn.backprop_lab`."""
