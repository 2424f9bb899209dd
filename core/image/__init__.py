"""Image filtering: kernels and presets, their facts, apply_kernel (direct / separable / FFT),
padding and stride, neighbourhood functions (median, min, max), Sobel angles as colours."""
