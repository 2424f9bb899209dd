"""The filters `bench_filtering.py` times: Playground (this checkout or another one, in a child
process), OpenCV's filter2D and scipy.ndimage.correlate, all asked for the same operation.

A case is a dict: size [h, w], channels (0 for grey), dtype, kernel ("random", "gaussian",
"sobel", "box"), k, padding, stride, strips (progress given, as the filter studio does). Every
engine builds the same image and kernel from the case (fixed seed) and returns float32.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi

try:  # OpenCV is optional (the `bench` extra): only compared when installed
    import cv2
except ImportError:
    cv2 = None

HERE = Path(__file__).resolve().parent

_SCIPY_MODES = {"zero": "constant", "reflect": "mirror", "edge": "nearest", "wrap": "wrap"}


def case(size, k, *, kernel="random", channels=3, dtype="float32", padding="zero", stride=1,
         strips=False) -> dict:
    """One case as plain data (it crosses to the child process as JSON)."""
    size = [size, size] if isinstance(size, int) else list(size)
    return {"size": size, "channels": channels, "dtype": dtype, "kernel": kernel, "k": k,
            "padding": padding, "stride": stride, "strips": strips}


def case_name(spec: dict) -> str:
    h, w = spec["size"]
    parts = [f"{h}x{w}", "grey" if spec["channels"] == 0 else "RGB", spec["dtype"],
             f"{spec['kernel']} {spec['k']}x{spec['k']}", spec["padding"]]
    if spec["stride"] != 1:
        parts.append(f"stride {spec['stride']}")
    if spec["strips"]:
        parts.append("strips")
    return " ".join(parts)


def make_data(spec: dict):
    """(image, kernel float32 (k, k)) of a case; the kernel from the presets of the running core."""
    from core.image.kernels import box, gaussian, sobel_x

    rng = np.random.default_rng(0)
    h, w = spec["size"]
    shape = (h, w) if spec["channels"] == 0 else (h, w, spec["channels"])
    image = rng.random(shape, dtype=np.float32)
    if spec["dtype"] == "uint8":
        image = (image * 255).astype(np.uint8)
    k = spec["k"]
    kernels = {"random": lambda: rng.normal(size=(k, k)), "gaussian": lambda: gaussian(k, k / 6),
               "sobel": lambda: sobel_x(), "box": lambda: box(k).effective()}
    kernel = kernels[spec["kernel"]]()
    kernel = getattr(kernel, "values", kernel)
    return image, np.ascontiguousarray(kernel, np.float32)


def playground(spec: dict, data):
    """A call of this process's `core` apply_kernel on the case."""
    from core.image.filtering import apply_kernel

    image, kernel = data
    progress = (lambda fraction: None) if spec["strips"] else None
    return lambda: apply_kernel(image, kernel, padding=spec["padding"], stride=spec["stride"],
                                progress=progress)


def _crop(full, spec, kernel):
    """The part of a same-size result that `padding="valid"` keeps, then the stride."""
    if spec["padding"] == "valid":
        kh, kw = kernel.shape
        h, w = full.shape[:2]
        full = full[(kh - 1) // 2 : h - kh // 2, (kw - 1) // 2 : w - kw // 2]
    s = spec["stride"]
    return full[::s, ::s]


def opencv(spec: dict, data):
    """cv2.filter2D with the same anchor and border (wrap: a wrapped border made first)."""
    if cv2 is None:
        return None
    image, kernel = data
    kh, kw = kernel.shape
    anchor = ((kw - 1) // 2, (kh - 1) // 2)
    borders = {"zero": cv2.BORDER_CONSTANT, "valid": cv2.BORDER_CONSTANT,
               "reflect": cv2.BORDER_REFLECT_101, "edge": cv2.BORDER_REPLICATE}

    def run():
        if spec["padding"] == "wrap":
            top, left = (kh - 1) // 2, (kw - 1) // 2
            padded = cv2.copyMakeBorder(image, top, kh // 2, left, kw // 2, cv2.BORDER_WRAP)
            full = cv2.filter2D(padded, cv2.CV_32F, kernel, anchor=anchor)
            full = full[top : top + image.shape[0], left : left + image.shape[1]]
        else:
            full = cv2.filter2D(image, cv2.CV_32F, kernel, anchor=anchor,
                                borderType=borders[spec["padding"]])
        return _crop(full, spec, kernel)

    return run


def scipy_ndimage(spec: dict, data):
    """scipy.ndimage.correlate in float32, each channel (odd kernels: same anchor)."""
    image, kernel = data
    image = image.astype(np.float32, copy=False)
    weights = kernel if image.ndim == 2 else kernel[:, :, None]
    mode = _SCIPY_MODES.get(spec["padding"], "constant")
    return lambda: _crop(ndi.correlate(image, weights, mode=mode), spec, kernel)


def time_call(function) -> float:
    t0 = time.perf_counter()
    function()
    return 1e3 * (time.perf_counter() - t0)


def measure(spec, names, rounds, before=None) -> dict:
    """{engine: [ms per round]} for the case, rounds interleaved; checks results agree."""
    data = make_data(spec)
    makers = {"ours": playground, "cv2": opencv, "scipy": scipy_ndimage}
    calls = {}
    for name in names:
        if name == "before":
            if before is not None:
                calls[name] = before(spec)
            continue
        call = makers[name](spec, data)
        if call is not None:
            calls[name] = call
    _check(spec, data, calls)
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            result = call() if name == "before" else time_call(call)
            times[name].append(result)
    return times


def _check(spec, data, calls) -> None:
    """Warm every engine up; our result must equal OpenCV's (or scipy's) to float32 rounding."""
    ours = calls["ours"]()
    for name in ("cv2", "scipy"):
        if name in calls:
            reference = calls[name]()
            scale = float(np.abs(data[0]).max()) * float(np.abs(data[1]).sum())
            error = float(np.abs(ours - reference).max()) / scale
            if ours.shape != reference.shape or error > 1e-5:
                raise SystemExit(f"{case_name(spec)}: differs from {name} ({error:.1e})")
    if "before" in calls:
        calls["before"]()


class Before:
    """Playground from another checkout (an earlier version), timed in a child process."""

    def __init__(self, root: str):
        self.root = str(Path(root).resolve())
        self.child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), self.root],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=self.root)

    def __call__(self, spec: dict, data=None):
        def run():
            self.child.stdin.write(json.dumps(spec) + "\n")
            self.child.stdin.flush()
            reply = self.child.stdout.readline()
            if not reply:
                raise SystemExit(f"the child process timing {self.root} ended")
            return json.loads(reply)["ms"]
        return run

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait(timeout=30)


def _child(root: str) -> None:
    """Time one call per request line of the checkout at `root` (its first call is a warm-up)."""
    sys.path.insert(0, root)
    last, function = None, None
    for line in sys.stdin:
        spec = json.loads(line)
        if spec != last:
            function = playground(spec, make_data(spec))
            function()
            last = spec
        print(json.dumps({"ms": time_call(function)}), flush=True)


if __name__ == "__main__":
    _child(sys.argv[1])
