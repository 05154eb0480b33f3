"""How a clip moves: per-frame change (mean absolute difference between neighbouring frames,
in 8-bit levels), the loop seam compared with an ordinary step, and warnings about jumps
and dead stretches. Pure computation on streamed uint8 batches; printing is the CLI's."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# A step this many times the median is a visible stutter in otherwise smooth motion
# (smooth paths change their speed gradually; constant-speed ones within a few %).
JUMP_RATIO = 3.0
# Steps below this fraction of the median, or below this many 8-bit levels outright,
# read as the picture standing still.
DEAD_RATIO = 0.1
DEAD_LEVELS = 0.05
# A still stretch is worth a warning once it lasts this many steps (or 5% of the clip).
DEAD_RUN = 3


@dataclass
class MotionReport:
    steps: np.ndarray                 # (N-1,) change from frame i to i+1, mean |difference| in 8-bit levels
    seam: float | None                # change from the last frame to the first (a loop), else None
    first_index: int = 0              # clip index of the first frame measured
    stride: int = 1                   # clip frames between measured frames (a preview measures every 4th)
    warnings: list[str] = field(default_factory=list)

    @property
    def minimum(self) -> float:
        return float(self.steps.min()) if self.steps.size else 0.0

    @property
    def median(self) -> float:
        return float(np.median(self.steps)) if self.steps.size else 0.0

    @property
    def maximum(self) -> float:
        return float(self.steps.max()) if self.steps.size else 0.0

    @property
    def seam_ratio(self) -> float | None:
        if self.seam is None or self.median == 0:
            return None
        return self.seam / self.median


class MotionMeter:
    """Feed uint8 batches (B, H, W, 3) in clip order; keeps only the first and the previous frame."""

    def __init__(self) -> None:
        self._first: np.ndarray | None = None
        self._previous: np.ndarray | None = None
        self._steps: list[float] = []

    def update(self, batch: np.ndarray) -> None:
        for frame in batch:
            current = frame.astype(np.int16)
            if self._previous is None:
                self._first = current
            else:
                self._steps.append(_change(self._previous, current))
            self._previous = current

    def report(self, loop: bool, first_index: int = 0, stride: int = 1) -> MotionReport:
        steps = np.asarray(self._steps, dtype=np.float64)
        seam = None
        if loop and self._first is not None and self._previous is not None and steps.size:
            seam = _change(self._previous, self._first)
        result = MotionReport(steps, seam, first_index, stride)
        result.warnings = _warnings(result)
        return result


def _change(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(b - a).mean())


def _frame(report: MotionReport, step: int) -> int:
    return report.first_index + step * report.stride


def _warnings(report: MotionReport) -> list[str]:
    steps, median = report.steps, report.median
    if steps.size == 0:
        return []
    out: list[str] = []
    if median <= DEAD_LEVELS:
        return [f"the picture barely moves: median change {median:.3f} levels per frame"]
    for step in np.flatnonzero(steps > JUMP_RATIO * median):
        out.append(f"jump at frame {_frame(report, int(step))} -> {_frame(report, int(step) + 1)}: "
                   f"{steps[step]:.2f} levels, {steps[step] / median:.1f}x the median")
    ratio = report.seam_ratio
    if ratio is not None and ratio > JUMP_RATIO:
        out.append(f"the loop seam (last frame -> first) jumps: {report.seam:.2f} levels, {ratio:.1f}x the median")
    dead = (steps < DEAD_RATIO * median) | (steps < DEAD_LEVELS)
    longest = max(DEAD_RUN, int(0.05 * steps.size))
    start = None
    for index, still in enumerate(np.append(dead, False)):
        if still and start is None:
            start = index
        elif not still and start is not None:
            if index - start >= longest:
                out.append(f"dead stretch: frames {_frame(report, start)}-{_frame(report, index)} barely change "
                           f"(< {DEAD_RATIO:g}x the median)")
            start = None
    return out
