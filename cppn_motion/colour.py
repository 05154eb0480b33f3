"""From raw network outputs to RGB: frozen per-clip normalisation, colour modes, and
quantisation to uint8. Pure torch; runs on the render device."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .colourspaces import hsv_to_rgb
from .config import Colour

# Rec. 709 luma weights: saturation changes keep this brightness.
_LUMA = (0.2126, 0.7152, 0.0722)

# In hsv mode one standard deviation of the hue output turns the hue by this many
# turns: about two thirds of the wheel within +-1 sd, so a picture shows a few hue
# families rather than a rainbow of everything.
_HUE_SPREAD = 0.35
_HSV_FLOOR = 0.3


def output_channels(colour: Colour) -> int:
    return 1 if colour.mode == "palette" else 3


@dataclass(frozen=True)
class Calibration:
    """Per-channel mean and std of the raw outputs, measured once for a clip."""

    mean: Tensor  # (C,)
    std: Tensor   # (C,)

    @staticmethod
    def identity(channels: int, device: torch.device | str = "cpu") -> "Calibration":
        return Calibration(torch.zeros(channels, device=device), torch.ones(channels, device=device))

    @staticmethod
    def measure(raw: Tensor) -> "Calibration":
        """From raw outputs (..., C) of a proxy render."""
        flat = raw.reshape(-1, raw.shape[-1]).to(torch.float64)
        mean = flat.mean(dim=0)
        # The floor keeps a flat channel flat instead of blowing noise up to full range.
        std = flat.std(dim=0).clamp_min(1e-4)
        return Calibration(mean.to(torch.float32), std.to(torch.float32))

    def to(self, device: torch.device | str) -> "Calibration":
        return Calibration(self.mean.to(device), self.std.to(device))


def _hex_to_rgb(colour: str) -> tuple[float, float, float]:
    text = colour.lstrip("#")
    return tuple(int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]


def _palette_lookup(position: Tensor, stops: Tensor) -> Tensor:
    """position (...) in [0, 1] -> colours (..., 3) linearly between evenly spaced stops (S, 3)."""
    segments = stops.shape[0] - 1
    scaled = position.clamp(0, 1) * segments
    index = scaled.floor().clamp(max=segments - 1).long()
    frac = (scaled - index).unsqueeze(-1)
    return stops[index] * (1 - frac) + stops[index + 1] * frac


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
    else:  # palette
        stops = torch.tensor([_hex_to_rgb(c) for c in colour.palette], device=raw.device, dtype=raw.dtype)
        rgb = _palette_lookup(squashed[..., 0], stops)
        rgb = _adjust_saturation(rgb, colour.saturation)
    return rgb.clamp(0, 1)


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
