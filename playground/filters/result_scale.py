"""The result's display scale follows the kernel where it matters: Sobel x / y results are as
often negative as positive, so while one of them is the kernel the result is shown as absolute
value (negative edges bright too); leaving it puts back the scale chosen before, unless the
person picked another one meanwhile. Titles say which scale is shown."""

from __future__ import annotations

from playground.filters.image_views import ImagePair

SIGNED_EDGE_PRESETS = ("Sobel x", "Sobel y")
SCALE_NOTES = {"normalize": "normalised min..max", "abs": "absolute value"}


def scale_note(view: str, scale: str) -> str:
    """", shown as absolute value" (or normalised) when a title should say so, else ""."""
    if view == "kernel" and scale in SCALE_NOTES or view == "magnitude" and scale == "normalize":
        return f", shown as {SCALE_NOTES[scale]}"
    return ""


class SignedScale:
    """Call `follow(source)` on each kernel change and `on_scale_changed()` on each change of
    the views' scale (to tell a person's choice from its own)."""

    def __init__(self, views: ImagePair, source: str) -> None:
        self.views = views
        self.source = source
        self.scale_before: str | None = None
        self._setting = False

    def follow(self, source: str) -> None:
        signed = source in SIGNED_EDGE_PRESETS
        was_signed = self.source in SIGNED_EDGE_PRESETS
        self.source = source
        if signed and not was_signed and self.views.scale != "abs":
            before = self.views.scale
            self._set("abs")
            self.scale_before = before
        elif not signed and was_signed and self.scale_before is not None:
            self._set(self.scale_before)
            self.scale_before = None

    def on_scale_changed(self) -> None:
        if not self._setting:
            self.scale_before = None  # the person's own choice stays

    def _set(self, scale: str) -> None:
        self._setting = True
        try:
            self.views.set_scale(scale)
        finally:
            self._setting = False
