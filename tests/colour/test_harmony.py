"""Harmony mode and the gamut: colours stay inside sRGB by losing chroma (not by clipping to
primaries), and each harmony's hues sit where its name says."""
from __future__ import annotations

import pytest
import torch

from cppn_motion.colour.colourspaces import max_chroma, oklch_to_rgb, oklch_to_rgb_in_gamut, rgb_to_oklch
from cppn_motion.colour.harmony import FAMILIES, harmony_lch
from cppn_motion.colour.mapping import Calibration, to_rgb
from cppn_motion.config.schema import HARMONIES, validate_preset


def test_every_schema_harmony_has_families() -> None:
    assert set(HARMONIES) == set(FAMILIES)


def test_max_chroma_matches_the_srgb_primaries() -> None:
    red, blue = rgb_to_oklch(torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    found = max_chroma(torch.stack([red[0], blue[0]]), torch.stack([red[2], blue[2]]))
    torch.testing.assert_close(found, torch.stack([red[1], blue[1]]), atol=2e-3, rtol=0)


def test_out_of_gamut_colours_keep_lightness_and_hue() -> None:
    generator = torch.Generator().manual_seed(0)
    lch = torch.stack([torch.rand(2000, generator=generator) * 0.8 + 0.1, torch.full((2000,), 0.35),
                       torch.rand(2000, generator=generator)], dim=-1)
    fitted = oklch_to_rgb_in_gamut(lch)
    assert fitted.min() >= 0 and fitted.max() <= 1
    back = rgb_to_oklch(fitted)
    torch.testing.assert_close(back[:, 0], lch[:, 0], atol=6e-3, rtol=0)  # lightness kept
    hue_error = torch.remainder(back[:, 2] - lch[:, 2] + 0.5, 1.0) - 0.5
    assert hue_error.abs().max() < 0.01  # hue kept (clipping per channel moves it by up to ~0.1 turn)
    clipped_hue = torch.remainder(rgb_to_oklch(oklch_to_rgb(lch))[:, 2] - lch[:, 2] + 0.5, 1.0) - 0.5
    assert clipped_hue.abs().max() > 0.03  # the check above can fail: plain clipping does move hues


@pytest.mark.parametrize("harmony", HARMONIES)
def test_harmony_mode_is_in_gamut_and_finite(harmony: str) -> None:
    colour = validate_preset({"colour": {"mode": "harmony", "harmony": harmony, "hue_shift": 0.3}}).colour
    raw = torch.randn(4096, 3, generator=torch.Generator().manual_seed(1)) * 3
    rgb = to_rgb(raw, colour, Calibration.identity(3))
    assert torch.isfinite(rgb).all() and rgb.min() >= 0 and rgb.max() <= 1


@pytest.mark.parametrize("harmony", ["complementary", "triadic", "tetradic", "split_complementary"])
def test_coloured_pixels_sit_on_the_harmony_hues(harmony: str) -> None:
    squashed = torch.rand(20000, 3, generator=torch.Generator().manual_seed(2))
    lch = harmony_lch(squashed, harmony, base_hue=0.1)
    vivid = lch[lch[:, 1] > 0.05]
    centres = torch.tensor(FAMILIES[harmony]) + 0.1
    distance = (torch.remainder(vivid[:, 2:3] - centres + 0.5, 1.0) - 0.5).abs().amin(dim=-1)
    assert distance.max() < 0.05  # no rainbow between the families: they meet through grey
    nearest = (torch.remainder(vivid[:, 2:3] - centres + 0.5, 1.0) - 0.5).abs().argmin(dim=-1)
    assert set(nearest.tolist()) == set(range(len(centres)))  # and every family shows up
