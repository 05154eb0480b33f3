"""The dull-output guard: spot blank, near-constant or saturated frames (the most common
CPPN disappointment) and say what to change; and a variety score to rank seeds. Pure numpy."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# A frame whose luma spread (std, 0-1 scale) is below this reads as one flat colour:
# 0.02 is ~5 codes, less than a typical viewer notices across a whole frame.
FLAT_STD = 0.02
# Pixels with a channel within 1 code of 0 or 255 are clipped; when more than this fraction
# are, the picture is posterised blocks of pure colour instead of gradients.
CLIPPED_FRACTION = 0.5
# Only the first frames are checked, and every STRIDE-th pixel: a cheap, early verdict.
FRAMES_CHECKED = 8
STRIDE = 4

_LUMA = np.array([0.2126, 0.7152, 0.0722])


@dataclass(frozen=True)
class FrameStats:
    luma_std: float
    clipped: float  # fraction of pixels with a clipped channel
    gradient: float  # mean absolute neighbour difference, 0-1 scale


def frame_stats(frame: np.ndarray) -> FrameStats:
    """Statistics of one (H, W, 3) uint8 or uint16 frame, subsampled."""
    top = 65535.0 if frame.dtype == np.uint16 else 255.0
    pixels = frame[::STRIDE, ::STRIDE].astype(np.float64) / top
    luma = pixels @ _LUMA
    edge = 1.5 / 255.0
    clipped = ((pixels <= edge) | (pixels >= 1 - edge)).any(axis=-1).mean()
    gradient = 0.0
    if luma.shape[0] > 1 and luma.shape[1] > 1:
        gradient = float((np.abs(np.diff(luma, axis=0)).mean() + np.abs(np.diff(luma, axis=1)).mean()) / 2)
    return FrameStats(float(luma.std()), float(clipped), gradient)


def variety(frames: np.ndarray) -> float:
    """How much a clip has to look at: colour spread, discounted by clipping, plus detail.
    Used by --reroll to pick the best of several seeds from a small proxy render."""
    scores = []
    for frame in frames:
        top = 65535.0 if frame.dtype == np.uint16 else 255.0
        pixels = frame.astype(np.float64) / top
        stats = frame_stats(frame)
        spread = float(pixels.reshape(-1, 3).std(axis=0).mean())
        # Detail counts less than spread: white noise has the most "detail" of all.
        scores.append(spread * (1.0 - stats.clipped) + 0.25 * min(stats.gradient, 0.1))
    return float(np.mean(scores))


@dataclass
class DullnessCheck:
    """Feed it frames as they are rendered; `warnings()` then gives at most one message."""

    stats: list[FrameStats] = field(default_factory=list)

    def observe(self, frames: np.ndarray) -> None:
        batch = frames[None] if frames.ndim == 3 else frames
        for frame in batch[: max(0, FRAMES_CHECKED - len(self.stats))]:
            self.stats.append(frame_stats(frame))

    def warnings(self, preset=None) -> list[str]:
        if not self.stats:
            return []
        spread = float(np.median([s.luma_std for s in self.stats]))
        clipped = float(np.median([s.clipped for s in self.stats]))
        gain = f" (now {preset.net.init.gain:g})" if preset is not None else ""
        contrast = f" (now {preset.colour.contrast:g})" if preset is not None else ""
        normalize = preset is None or not preset.colour.normalize
        if spread < FLAT_STD:
            hint = "colour.normalize: true, " if normalize else ""
            return [f"the frames are nearly one flat colour (luma spread {spread * 100:.1f}%): try "
                    f"{hint}a higher colour.contrast{contrast} or net.init.gain{gain}, a larger canvas.scale, "
                    "or --reroll 8 to try other seeds"]
        if clipped > CLIPPED_FRACTION:
            hint = "colour.normalize: true, " if normalize else ""
            return [f"{clipped * 100:.0f}% of pixels are saturated (a channel at 0 or 255): try {hint}a lower "
                    f"net.init.gain{gain} or colour.contrast{contrast}, or --reroll 8 to try other seeds"]
        return []
