"""Hue harmonies for the three-output mode 'harmony': colour composed in OKLCh instead of three
unrelated channels. One output drives lightness, one chroma, one picks among the harmony's hue
families; pure torch on (..., 3) tensors of squashed outputs in (0, 1)."""
from __future__ import annotations

import torch
from torch import Tensor

# Hue families of each harmony, in turns from the base hue (colour wheel conventions).
FAMILIES: dict[str, tuple[float, ...]] = {
    "monochrome": (0.0,),
    "analogous": (-1 / 12, 0.0, 1 / 12),
    "complementary": (0.0, 0.5),
    "split_complementary": (0.0, 5 / 12, 7 / 12),
    "triadic": (0.0, 1 / 3, 2 / 3),
    "tetradic": (0.0, 1 / 6, 1 / 2, 2 / 3),
}

# Lightness from the first output: off pure black and white, so every pixel can carry colour.
_LIGHTNESS = (0.18, 0.78)
# Chroma from the second output (before the gamut takes its share): from muted to vivid.
_CHROMA = (0.03, 0.20)
# Within a family the hue drifts this far (turns) with the third output, so a family is a range of
# close hues rather than one flat one.
_FAMILY_SPREAD = 0.035
# Width (in family units) of the neutral seam between two unrelated families: a harmony's hues meet
# through grey instead of sweeping through the hues between them (which would be a rainbow again).
_SEAM = 0.15


def harmony_lch(squashed: Tensor, harmony: str, base_hue: float, saturation: float = 1.0) -> Tensor:
    """Squashed outputs (..., 3) in (0, 1) -> OKLCh (..., 3): L in 0-1, chroma (may leave the
    gamut: the caller lowers it to fit), hue in turns."""
    offsets = FAMILIES[harmony]
    count = len(offsets)
    lightness = _LIGHTNESS[0] + (_LIGHTNESS[1] - _LIGHTNESS[0]) * squashed[..., 0]
    chroma = (_CHROMA[0] + (_CHROMA[1] - _CHROMA[0]) * squashed[..., 1]) * saturation
    position = squashed[..., 2] * count
    if harmony == "analogous":  # neighbours on the wheel: one continuous sweep, no seams needed
        hue = base_hue + (offsets[0] + (offsets[-1] - offsets[0]) * squashed[..., 2]) * 1.5
        return torch.stack([lightness, chroma, torch.remainder(hue, 1.0)], dim=-1)
    index = position.floor().clamp(0, count - 1)
    within = position - index  # 0-1 inside the family
    table = torch.tensor(offsets, dtype=squashed.dtype, device=squashed.device)
    hue = base_hue + table[index.long()] + _FAMILY_SPREAD * (2 * within - 1)
    # Distance to the nearest inner seam (family boundary); the outer ends are not seams.
    seams = torch.arange(1, count, dtype=squashed.dtype, device=squashed.device)
    if count > 1:
        distance = (position.unsqueeze(-1) - seams).abs().amin(dim=-1)
        fade = (distance / _SEAM).clamp(0, 1)
        chroma = chroma * fade * fade * (3 - 2 * fade)  # smoothstep: grey exactly at the seam
    return torch.stack([lightness, chroma, torch.remainder(hue, 1.0)], dim=-1)
