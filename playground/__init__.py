"""The Playground desktop app (PySide6) and its command line."""

APP_NAME = "Playground"
WINDOW_TITLE = "Playground — image convolution and CNNs"
