"""Training: the trainer (pause / resume / stop from another thread), its history and metrics."""
