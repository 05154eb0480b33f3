"""From raw network outputs to RGB: frozen per-clip normalisation, colour modes, and
quantisation to uint8. Pure torch; runs on the render device."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from cppn_motion.colour.colourspaces import (
    hsv_to_rgb,
    lab_to_rgb,
    oklab_to_rgb,
    oklch_to_rgb_in_gamut,
)
from cppn_motion.colour.dither import dither_quantize
from cppn_motion.colour.harmony import harmony_lch
from cppn_motion.colour.palettes import resolve
from cppn_motion.config.schema import Colour

# Rec. 709 luma weights: saturation changes keep this brightness.
_LUMA = (0.2126, 0.7152, 0.0722)

# In hsv mode one standard deviation of the hue output turns the hue by this many
# turns: about two thirds of the wheel within +-1 sd, so a picture shows a few hue
# families rather than a rainbow of everything.
_HUE_SPREAD = 0.35
_HSV_FLOOR = 0.3


def output_channels(colour: Colour) -> int:
    """Outputs the net makes for this colour mode: one for a palette, else three."""
    return 1 if colour.mode == "palette" else 3


@dataclass(frozen=True)
class Calibration:
    """Per-channel mean and std of the raw outputs, measured once for a clip."""

    mean: Tensor  # (C,)
    std: Tensor   # (C,)
    # Per-channel minimum and maximum (the seed's min-max mapping); None: mean -+ 2 std.
    low: Tensor | None = None
    high: Tensor | None = None

    @staticmethod
    def identity(channels: int, device: torch.device | str = "cpu") -> "Calibration":
        return Calibration(torch.zeros(channels, device=device), torch.ones(channels, device=device))

    def bounds(self) -> tuple[Tensor, Tensor]:
        if self.low is None or self.high is None:
            return self.mean - 2 * self.std, self.mean + 2 * self.std
        return self.low, self.high

    @staticmethod
    def measure(raw: Tensor) -> "Calibration":
        """From raw outputs (..., C) of a proxy render."""
        flat = raw.reshape(-1, raw.shape[-1]).to(torch.float64)
        mean = flat.mean(dim=0)
        # The floor keeps a flat channel flat instead of blowing noise up to full range.
        std = flat.std(dim=0).clamp_min(1e-4)
        # Min-max as the seed, but of the 0.2-99.8 percentiles: a handful of outlier pixels in
        # one proxy frame would otherwise wash out the colours of the whole clip.
        sample = flat[:: max(1, flat.shape[0] // 1_000_000)]
        bounds = torch.quantile(sample, torch.tensor([0.002, 0.998], dtype=sample.dtype), dim=0)
        low, high = bounds[0], bounds[1]
        high = torch.maximum(high, low + 1e-4)  # a flat channel maps to one colour, not NaN
        return Calibration(mean.to(torch.float32), std.to(torch.float32), low.to(torch.float32),
                           high.to(torch.float32))

    def to(self, device: torch.device | str) -> "Calibration":
        def move(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(device)

        return Calibration(self.mean.to(device), self.std.to(device), move(self.low), move(self.high))


def _hex_to_rgb(colour: str) -> tuple[float, float, float]:
    text = colour.lstrip("#")
    return tuple(int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


@functools.lru_cache(maxsize=64)
def _stops_tensor(stops: tuple[str, ...], device: torch.device, dtype: torch.dtype) -> Tensor:
    """A palette's stops as an (S, 3) tensor, built once (the renderer asks for it every chunk)."""
    return torch.tensor([_hex_to_rgb(c) for c in stops], device=device, dtype=dtype)


def _palette_lookup(position: Tensor, stops: Tensor) -> Tensor:
    """position (...) in [0, 1] -> colours (..., 3) linearly between evenly spaced stops (S, 3):
    lo * (1 - frac) + hi * frac. The renderer runs this on every chunk, so it is written for speed
    (same values): embedding gathers rows at ~40% of advanced indexing's cost, and frac is made
    3 wide once instead of broadcast twice (together 220 -> 122 us an 8192-pixel chunk)."""
    segments = stops.shape[0] - 1
    scaled = position.clamp(0, 1).mul_(segments)
    lower = scaled.floor().clamp_(max=segments - 1)
    index = lower.long()
    frac = scaled.sub_(lower).unsqueeze(-1).expand(*position.shape, stops.shape[1]).contiguous()
    low, high = F.embedding(index, stops), F.embedding(index + 1, stops)
    return low.mul_(1 - frac).add_(high.mul_(frac))


def _adjust_saturation(rgb: Tensor, saturation: float) -> Tensor:
    if saturation == 1.0:
        return rgb
    luma = torch.tensor(_LUMA, device=rgb.device, dtype=rgb.dtype)
    grey = (rgb * luma).sum(dim=-1, keepdim=True)
    return grey + saturation * (rgb - grey)


def _rotate_hue(rgb: Tensor, turns: float) -> Tensor:
    """Rotate hue about the grey axis (Rodrigues rotation), keeping grey values grey."""
    if turns % 1.0 == 0.0:
        return rgb
    angle = torch.tensor(turns * 2 * torch.pi, dtype=torch.float64)
    cos, sin = torch.cos(angle), torch.sin(angle)
    k = 1.0 / 3.0
    s = torch.sqrt(torch.tensor(k, dtype=torch.float64)) * sin
    a = cos + (1 - cos) * k
    b = (1 - cos) * k - s
    c = (1 - cos) * k + s
    matrix = torch.tensor([[a, b, c], [c, a, b], [b, c, a]], dtype=rgb.dtype, device=rgb.device)
    return rgb @ matrix.T


def _seed_lab(raw: Tensor, standard: Tensor, squashed: Tensor, colour: Colour, calibration: Calibration) -> Tensor:
    """The seed's mapping: per-channel min-max (frozen for the clip) read as CIE Lab, L 0-100, a/b -128..127."""
    low, high = calibration.bounds()
    unit = ((raw - low) / (high - low)).clamp(0, 1)
    lab = torch.stack([100.0 * unit[..., 0], 255.0 * unit[..., 1] - 128.0, 255.0 * unit[..., 2] - 128.0], dim=-1)
    return lab_to_rgb(_rotate_ab(lab, colour.hue_shift))


def _seed_standard(raw: Tensor, standard: Tensor, squashed: Tensor, colour: Colour,
                   calibration: Calibration) -> Tensor:
    """The seed's other mapping: standardised value * 100 + 128 as 8-bit codes (clipped)."""
    return _rotate_hue(((standard * 100.0 + 128.0) / 255.0).clamp(0, 1), colour.hue_shift)


def _rotate_ab(lab: Tensor, turns: float) -> Tensor:
    if turns % 1.0 == 0.0:
        return lab
    angle = torch.tensor(turns * 2 * torch.pi)
    cos, sin = torch.cos(angle).item(), torch.sin(angle).item()
    a, b = lab[..., 1], lab[..., 2]
    return torch.stack([lab[..., 0], cos * a - sin * b, sin * a + cos * b], dim=-1)


# OKLab: lightness kept off pure black/white, and a/b within +-0.25, near the sRGB gamut's edge
# for mid lightness, so most colours survive without clipping.
_OK_L = (0.25, 0.7)
_OK_AB = 0.25


def _oklab(raw: Tensor, standard: Tensor, squashed: Tensor, colour: Colour, calibration: Calibration) -> Tensor:
    lab = torch.stack([_OK_L[0] + _OK_L[1] * squashed[..., 0],
                       _OK_AB * (2 * squashed[..., 1] - 1), _OK_AB * (2 * squashed[..., 2] - 1)], dim=-1)
    return oklab_to_rgb(_rotate_ab(lab, colour.hue_shift))


# OKLCh: chroma 0.04-0.22 keeps every pixel visibly coloured but mostly inside sRGB.
_OK_CHROMA = (0.04, 0.18)


def _oklch(raw: Tensor, standard: Tensor, squashed: Tensor, colour: Colour, calibration: Calibration) -> Tensor:
    hue = torch.remainder(colour.hue_shift + _HUE_SPREAD * standard[..., 2], 1.0)
    lch = torch.stack([_OK_L[0] + _OK_L[1] * squashed[..., 0],
                       _OK_CHROMA[0] + _OK_CHROMA[1] * squashed[..., 1], hue], dim=-1)
    return oklch_to_rgb_in_gamut(lch)


def _harmony(raw: Tensor, standard: Tensor, squashed: Tensor, colour: Colour, calibration: Calibration) -> Tensor:
    return oklch_to_rgb_in_gamut(harmony_lch(squashed, colour.harmony, colour.hue_shift, colour.saturation))


_SEED_AND_PERCEPTUAL = {"seed_lab": _seed_lab, "seed_standard": _seed_standard, "oklab": _oklab, "oklch": _oklch,
                        "harmony": _harmony}


def to_rgb(raw: Tensor, colour: Colour, calibration: Calibration) -> Tensor:
    """Raw outputs (..., C) -> RGB (..., 3) in [0, 1]."""
    standard = (raw - calibration.mean) / calibration.std
    squashed = torch.sigmoid(colour.contrast * standard)
    if colour.mode == "rgb":
        rgb = _rotate_hue(squashed, colour.hue_shift)
        rgb = _adjust_saturation(rgb, colour.saturation)
    elif colour.mode == "hsv":
        hue = torch.remainder(colour.hue_shift + _HUE_SPREAD * standard[..., 0], 1.0)
        # Saturation and value keep a floor: the full 0-1 range turns a third of the
        # picture grey or black, which reads as dirt rather than colour.
        sat = ((_HSV_FLOOR + (1 - _HSV_FLOOR) * squashed[..., 1]) * colour.saturation).clamp(0, 1)
        value = _HSV_FLOOR + (1 - _HSV_FLOOR) * squashed[..., 2]
        rgb = hsv_to_rgb(torch.stack([hue, sat, value], dim=-1))
    elif colour.mode in _SEED_AND_PERCEPTUAL:
        rgb = _SEED_AND_PERCEPTUAL[colour.mode](raw, standard, squashed, colour, calibration).to(raw.dtype)
        if colour.mode != "harmony":  # harmony spends saturation on chroma, inside the gamut
            rgb = _adjust_saturation(rgb, colour.saturation)
    else:  # palette
        rgb = _adjust_saturation(_palette_rgb(squashed[..., 0], colour), colour.saturation)
    return rgb.clamp(0, 1)


def _palette_rgb(position: Tensor, colour: Colour) -> Tensor:
    palette = resolve(colour.palette)
    stops = _stops_tensor(tuple(palette.stops), position.device, position.dtype)
    if colour.palette_shift:
        if palette.cyclic:  # round the ring: the last stop meets the first
            position = torch.remainder(position + colour.palette_shift / 2, 1.0)
        else:  # reflect at the ends (a triangle wave of period 2), so shifting is continuous and loops
            position = 1 - (1 - torch.remainder(position + colour.palette_shift, 2.0)).abs()
    return _palette_lookup(position, stops)


def linear_colour_map(colour: Colour, calibration: Calibration) -> tuple[Tensor, Tensor, Tensor] | None:
    """For rgb mode, to_rgb as (scale, shift, mix): rgb = clamp(sigmoid(raw * scale + shift) @ mix, 0, 1),
    so a fused kernel can fold it into the net's head. None for modes that are not linear after the sigmoid."""
    if colour.mode != "rgb" or calibration.mean.shape[0] != 3:
        return None
    scale = colour.contrast / calibration.std
    shift = -calibration.mean * scale
    eye = torch.eye(3, dtype=torch.float32, device=scale.device)
    # Hue rotation and saturation are both linear maps of row vectors: compose them.
    mix = _adjust_saturation(_rotate_hue(eye, colour.hue_shift), colour.saturation)
    return scale, shift, mix


def quantize(rgb: Tensor) -> Tensor:
    """[0, 1] floats -> uint8, rounding to the nearest code."""
    return (rgb * 255.0 + 0.5).clamp(0, 255).to(torch.uint8)


def quantize16(rgb: Tensor) -> Tensor:
    """[0, 1] floats -> 16-bit codes 0-65535 as int32 (torch's uint16 supports few ops;
    the host side narrows it). Rounded: a 16-bit step is far below visibility, so no dither."""
    return (rgb.to(torch.float32) * 65535.0 + 0.5).clamp(0, 65535).to(torch.int32)


def encode(rgb: Tensor, phase: Tensor, seed: int, bit_depth: int = 8, dither: bool = False,
           pixel_offset: int = 0) -> Tensor:
    """[0, 1] floats (B, H, W, 3) -> output codes: uint8 (dithered or rounded) or 16-bit.
    `pixel_offset` places a band of rows inside its frame, so a band's dither is the frame's."""
    if bit_depth == 16:
        return quantize16(rgb)
    if dither:
        return dither_quantize(rgb, phase, seed, pixel_offset=pixel_offset)
    return quantize(rgb)
