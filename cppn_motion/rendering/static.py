"""The static guard: a frame whose detail sits near the pixel grid's limit (Nyquist) reads as TV
static, not a picture. Its measure is the share of the grey frame's spectral energy above a quarter
of the sampling rate; pure numpy."""
from __future__ import annotations

import numpy as np

from cppn_motion.config.schema import Preset
from cppn_motion.rendering.advice import Advice, scaled

# Frequencies above this many cycles per pixel (0.5 is Nyquist) count as "near the grid's limit",
# along either axis (the Chebyshev radius, so the corners of the spectrum count too).
HIGH_FREQUENCY = 0.25
# Shares measured on 480x270 stills: white noise ~0.75, deep sin (12 layers) 0.75, the default
# preset 0.002-0.01, a 12-layer palette silk 0.002. Static is far above this, pictures far below.
STATIC_SHARE = 0.3
# The measure looks at a centred crop of at most this many pixels a side, at full resolution
# (subsampling would fold the very frequencies it looks for into lower ones).
CROP = 256
# Only the first frames are measured: static is a property of the net, not of one moment.
STATIC_FRAMES = 2
STATIC_GENERIC = "a smaller net.init.gain or fewer layers (net.depth)"

_LUMA = np.array([0.2126, 0.7152, 0.0722])


def high_frequency_share(frame: np.ndarray) -> float:
    """Share (0-1) of a (H, W, 3) or (H, W) frame's luma variance at frequencies above
    HIGH_FREQUENCY cycles per pixel; 0 for a flat frame."""
    grey = frame.astype(np.float64)
    if grey.ndim == 3:
        grey = grey @ _LUMA[: grey.shape[-1]] if grey.shape[-1] == 3 else grey.mean(axis=-1)
    height, width = grey.shape
    top, left = max(0, (height - CROP) // 2), max(0, (width - CROP) // 2)
    grey = grey[top:top + CROP, left:left + CROP]
    if min(grey.shape) < 8:
        return 0.0
    power = np.abs(np.fft.fft2(grey - grey.mean())) ** 2
    fy = np.abs(np.fft.fftfreq(grey.shape[0]))[:, None]
    fx = np.abs(np.fft.fftfreq(grey.shape[1]))[None, :]
    total = power.sum()
    if total <= 1e-12 * grey.size:
        return 0.0
    return float(power[np.maximum(fx, fy) > HIGH_FREQUENCY].sum() / total)


def static_advice(preset: Preset) -> list[Advice]:
    """Changes that bring the detail back above the pixel grid. Each layer multiplies the
    frequencies its input holds by about its weights' size, so static comes from gain and depth
    together (12 sin layers at gain 2: share 0.74; at gain 1: 0.004; 6 layers at gain 2: 0.003).
    Not offered, because measured not to help: supersampling (0.72: it averages static into
    static) and inputs.feature_scale 0.3 (0.65)."""
    advice = [Advice("net.init.gain", scaled(preset.net.init.gain, 0.5), preset.net.init.gain)]
    if preset.net.depth > 1 and not preset.net.layers:
        advice.append(Advice("net.depth", max(1, preset.net.depth // 2), preset.net.depth))
    return advice
