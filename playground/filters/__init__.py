"""The filter studio tab: image views, kernel grid editor, presets, Sobel views, explain mode."""
