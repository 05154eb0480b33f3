"""The dull-output guard: spot blank, near-constant, saturated or static frames (the most common
CPPN disappointments) and say what to change; and a variety score to rank seeds. Pure numpy."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from cppn_motion.config.schema import Canvas, Colour, Init, Preset
from cppn_motion.rendering.advice import Advice, joined, scaled
from cppn_motion.rendering.static import (
    STATIC_FRAMES,
    STATIC_GENERIC,
    STATIC_SHARE,
    high_frequency_share,
    static_advice,
)

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
    """How much a clip has to look at: colour spread, discounted by clipping, plus detail; a frame
    the static guard would flag scores nothing. Used by --reroll to pick the best of several seeds
    from a small proxy render (where detail is finer than at full size: stricter, never laxer)."""
    scores = []
    for frame in frames:
        top = 65535.0 if frame.dtype == np.uint16 else 255.0
        pixels = frame.astype(np.float64) / top
        stats = frame_stats(frame)
        if high_frequency_share(frame) > STATIC_SHARE:
            scores.append(0.0)
            continue
        spread = float(pixels.reshape(-1, 3).std(axis=0).mean())
        # Detail counts less than spread: white noise has the most "detail" of all.
        scores.append(spread * (1.0 - stats.clipped) + 0.25 * min(stats.gradient, 0.1))
    return float(np.mean(scores))


# The seed's own figures (shared/seed) are 51-83% clipped: its mappings read outputs as Lab or
# as codes past the gamut by design, so in those modes only clipping beyond that is a fault.
SEED_MODES = ("seed_lab", "seed_standard")
SEED_CLIPPED_FRACTION = 0.9
# Modes where a channel at 0 or 255 is not clipping: a palette's own stops may sit there (fire,
# op_art), and oklch / harmony put their most vivid colours on the gamut's faces, lowering chroma
# rather than clipping (tests/colour/test_harmony.py).
UNCLIPPED_MODES = ("palette", "oklch", "harmony")


def _default(section: type, name: str) -> float:
    return section.model_fields[name].default


def flat_advice(preset: Preset) -> list[Advice]:
    """Changes that spread a flat picture's values, each where it is the cause: normalisation when
    off, contrast or gain below the library's defaults (a net with small weights fades to a constant
    layer by layer, which no colour setting can undo), else more of the pattern (canvas.scale)."""
    colour, init = preset.colour, preset.net.init
    advice = [] if colour.normalize else [Advice("colour.normalize", True, False)]
    contrast, gain = _default(Colour, "contrast"), _default(Init, "gain")
    if colour.contrast < contrast:
        advice.append(Advice("colour.contrast", max(scaled(colour.contrast, 3), contrast), colour.contrast))
    if init.gain < gain:
        advice.append(Advice("net.init.gain", gain, init.gain))
    if not advice:
        scale = max(scaled(preset.canvas.scale, 4), _default(Canvas, "scale"))
        advice.append(Advice("canvas.scale", scale, preset.canvas.scale))
    return advice


def saturated_advice(preset: Preset) -> list[Advice]:
    """Changes that bring clipped pixels back inside: in the seed's mappings (min-max or codes read
    past the gamut) a lower saturation; else normalisation and a gentler contrast (without
    normalisation the raw outputs can be far out, so a quarter of it)."""
    colour = preset.colour
    if colour.mode in SEED_MODES:
        return [Advice("colour.saturation", scaled(colour.saturation, 0.5), colour.saturation)]
    if colour.normalize:
        return [Advice("colour.contrast", scaled(colour.contrast, 0.5), colour.contrast)]
    return [Advice("colour.normalize", True, False), Advice("colour.contrast", scaled(colour.contrast, 0.25),
                                                             colour.contrast)]


def _advise(advice: Callable[[Preset], list[Advice]], preset: Preset | None, generic: str) -> str:
    """The preset's own changes, or the generic words when no preset is known (a segment join)."""
    return generic if preset is None else joined(advice(preset))


@dataclass
class DullnessCheck:
    """Feed it frames as they are rendered; `warnings()` then gives the notes (flat or saturated,
    and static), each with changes that move its measure."""

    stats: list[FrameStats] = field(default_factory=list)
    static: list[float] = field(default_factory=list)

    def observe(self, frames: np.ndarray) -> None:
        batch = frames[None] if frames.ndim == 3 else frames
        for frame in batch[: max(0, FRAMES_CHECKED - len(self.stats))]:
            self.stats.append(frame_stats(frame))
        for frame in batch[: max(0, STATIC_FRAMES - len(self.static))]:
            self.static.append(high_frequency_share(frame))

    def warnings(self, preset: Preset | None = None) -> list[str]:
        notes = []
        if self.stats:
            notes += self._dull_notes(preset)
        if self.static and (share := float(np.median(self.static))) > STATIC_SHARE:
            notes.append(f"the frames look like TV static ({share * 100:.0f}% of the detail is finer than 4 pixels): "
                         f"try {_advise(static_advice, preset, STATIC_GENERIC)}")
        return notes

    def _dull_notes(self, preset: Preset | None) -> list[str]:
        spread = float(np.median([s.luma_std for s in self.stats]))
        clipped = float(np.median([s.clipped for s in self.stats]))
        reroll = ", or --reroll 8 to try other seeds"
        if spread < FLAT_STD:
            advice = _advise(flat_advice, preset,
                                  "colour.normalize: true or a higher colour.contrast")
            return [f"the frames are nearly one flat colour (luma spread {spread * 100:.1f}%): try {advice}"
                    f"{reroll}"]
        mode = preset.colour.mode if preset is not None else None
        if mode in UNCLIPPED_MODES:
            return []
        if clipped > (SEED_CLIPPED_FRACTION if mode in SEED_MODES else CLIPPED_FRACTION):
            advice = _advise(saturated_advice, preset,
                                  "colour.normalize: true or a lower colour.contrast")
            return [f"{clipped * 100:.0f}% of pixels are saturated (a channel at 0 or 255): try {advice}"
                    f"{reroll}"]
        return []
