"""The network builder tab: block palette, network canvas, block inspector."""
