"""The training tab: worker, dashboard, plots, filter and feature-map views, predictions."""

from playground.training.refcount_guard import guard_singletons

guard_singletons()
