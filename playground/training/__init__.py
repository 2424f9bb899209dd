"""The training tab: worker, dashboard, plots, filter and feature-map views, predictions."""
