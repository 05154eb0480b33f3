"""Colour conversions against published reference values, round trips, shapes and gradients."""
from __future__ import annotations

import pytest
import torch

from cppn_motion.colour.colourspaces import (
    hsv_to_rgb,
    lab_to_rgb,
    linear_to_srgb,
    oklab_to_rgb,
    oklch_to_rgb,
    rgb_to_lab,
    rgb_to_oklab,
    rgb_to_oklch,
    srgb_to_linear,
)

TO_RGB = [hsv_to_rgb, lab_to_rgb, oklab_to_rgb, oklch_to_rgb]
FROM_RGB = [rgb_to_lab, rgb_to_oklab, rgb_to_oklch]


def _t(*values: float, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)


def _random_rgb(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, 3, generator=generator, dtype=dtype)


# --------------------------------------------------------------------------- sRGB curve


def test_srgb_curve_reference_points() -> None:
    encoded = _t(0.0, 0.04045, 0.5, 1.0)
    # Linear values from the IEC 61966-2-1 formula evaluated by hand.
    expected = _t(0.0, 0.04045 / 12.92, 0.21404114048223255, 1.0)
    torch.testing.assert_close(srgb_to_linear(encoded), expected, atol=1e-12, rtol=0)
    assert linear_to_srgb(_t(0.18)).item() == pytest.approx(0.4613561295004, abs=1e-9)  # 18% grey


def test_srgb_curve_is_continuous_at_the_knee() -> None:
    # The standard's two branches meet at 0.04045 <-> 0.0031308 to about 1e-8.
    around = _t(0.04045 - 1e-9, 0.04045 + 1e-9)
    low, high = srgb_to_linear(around)
    assert abs(high - low).item() < 1e-8


def test_srgb_round_trip() -> None:
    values = torch.linspace(-0.1, 1.2, 1001, dtype=torch.float64)
    torch.testing.assert_close(linear_to_srgb(srgb_to_linear(values)), values, atol=1e-12, rtol=0)
    values32 = values.float()
    torch.testing.assert_close(srgb_to_linear(linear_to_srgb(values32)), values32, atol=1e-6, rtol=0)


# --------------------------------------------------------------------------- HSV


@pytest.mark.parametrize(
    ("hue", "rgb"),
    [
        (0.0, (1, 0, 0)),
        (1 / 6, (1, 1, 0)),
        (1 / 3, (0, 1, 0)),
        (1 / 2, (0, 1, 1)),
        (2 / 3, (0, 0, 1)),
        (5 / 6, (1, 0, 1)),
        (1.0, (1, 0, 0)),  # wraps
        (-1 / 3, (0, 0, 1)),  # negative hue wraps too
        (7 / 6, (1, 1, 0)),
    ],
)
def test_hsv_primaries_and_secondaries(hue: float, rgb: tuple[float, float, float]) -> None:
    torch.testing.assert_close(hsv_to_rgb(_t(hue, 1.0, 1.0)), _t(*rgb), atol=1e-12, rtol=0)


def test_hsv_saturation_and_value() -> None:
    torch.testing.assert_close(hsv_to_rgb(_t(0.3, 0.0, 0.4)), _t(0.4, 0.4, 0.4))
    torch.testing.assert_close(hsv_to_rgb(_t(0.0, 0.5, 0.8)), _t(0.8, 0.4, 0.4))
    torch.testing.assert_close(hsv_to_rgb(_t(0.25, 1.0, 0.0)), _t(0.0, 0.0, 0.0))
    torch.testing.assert_close(hsv_to_rgb(_t(0.0, 2.0, 1.5)), _t(1.0, 0.0, 0.0))  # clamped


# --------------------------------------------------------------------------- CIE Lab


def test_lab_white_and_black() -> None:
    torch.testing.assert_close(lab_to_rgb(_t(100.0, 0.0, 0.0)), _t(1.0, 1.0, 1.0), atol=1e-9, rtol=0)
    torch.testing.assert_close(lab_to_rgb(_t(0.0, 0.0, 0.0)), _t(0.0, 0.0, 0.0), atol=1e-9, rtol=0)


def test_lab_of_srgb_red_matches_reference() -> None:
    # Published value (Lindbloom's calculator, D65): sRGB red = Lab (53.24, 80.09, 67.20).
    reference = _t(53.24, 80.09, 67.20)
    torch.testing.assert_close(lab_to_rgb(reference, clip=False), _t(1.0, 0.0, 0.0), atol=1e-3, rtol=0)
    torch.testing.assert_close(rgb_to_lab(_t(1.0, 0.0, 0.0)), reference, atol=5e-3, rtol=0)


def test_lab_round_trip() -> None:
    rgb = _random_rgb(64)
    torch.testing.assert_close(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-9, rtol=0)


def test_lab_out_of_gamut_is_clipped_unless_asked() -> None:
    vivid = _t(50.0, 120.0, -120.0)
    clipped = lab_to_rgb(vivid)
    assert clipped.min() >= 0.0 and clipped.max() <= 1.0
    raw = lab_to_rgb(vivid, clip=False)
    assert raw.min() < 0.0 or raw.max() > 1.0


# --------------------------------------------------------------------------- OKLab / OKLCh


def test_oklab_white_black_and_red() -> None:
    torch.testing.assert_close(rgb_to_oklab(_t(1.0, 1.0, 1.0)), _t(1.0, 0.0, 0.0), atol=1e-6, rtol=0)
    torch.testing.assert_close(rgb_to_oklab(_t(0.0, 0.0, 0.0)), _t(0.0, 0.0, 0.0), atol=1e-9, rtol=0)
    torch.testing.assert_close(oklab_to_rgb(_t(1.0, 0.0, 0.0)), _t(1.0, 1.0, 1.0), atol=1e-6, rtol=0)
    # CSS Color 4 gives sRGB red as oklch(62.8% 0.2577 29.23deg).
    lightness, chroma, hue = rgb_to_oklch(_t(1.0, 0.0, 0.0))
    assert lightness.item() == pytest.approx(0.628, abs=1e-3)
    assert chroma.item() == pytest.approx(0.2577, abs=1e-4)
    assert hue.item() * 360 == pytest.approx(29.23, abs=0.01)


def test_oklab_round_trips_keep_shape_and_values() -> None:
    rgb = _random_rgb(2, 5, 7, dtype=torch.float32)
    torch.testing.assert_close(oklab_to_rgb(rgb_to_oklab(rgb)), rgb, atol=2e-5, rtol=0)
    torch.testing.assert_close(oklch_to_rgb(rgb_to_oklch(rgb)), rgb, atol=2e-5, rtol=0)


def test_oklch_hue_wraps_in_turns() -> None:
    lch = _t(0.7, 0.1, 0.2)
    wrapped = _t(0.7, 0.1, 1.2)
    torch.testing.assert_close(oklch_to_rgb(lch), oklch_to_rgb(wrapped), atol=1e-9, rtol=0)


def test_oklab_lightness_is_monotone_along_greys() -> None:
    greys = torch.linspace(0, 1, 50, dtype=torch.float64)[:, None].expand(50, 3)
    lab = rgb_to_oklab(greys)
    assert torch.all(lab[1:, 0] > lab[:-1, 0])
    assert lab[:, 1:].abs().max() < 1e-6


# --------------------------------------------------------------------------- shapes, dtypes, gradients


@pytest.mark.parametrize("convert", TO_RGB + FROM_RGB, ids=lambda f: f.__name__)
def test_shape_and_float32_preserved(convert) -> None:
    colours = _random_rgb(2, 4, 6, dtype=torch.float32)
    out = convert(colours)
    assert out.shape == (2, 4, 6, 3)
    assert out.dtype == torch.float32


@pytest.mark.parametrize("convert", TO_RGB, ids=lambda f: f.__name__)
def test_outputs_are_clipped_to_unit_range(convert) -> None:
    wild = (torch.rand(1000, 3, generator=torch.Generator().manual_seed(5)) - 0.5) * 400
    out = convert(wild)
    assert torch.isfinite(out).all()
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_half_precision_input_is_computed_in_float32() -> None:
    rgb = _random_rgb(8, dtype=torch.float32)
    out = rgb_to_oklab(rgb.to(torch.bfloat16))
    assert out.dtype == torch.float32


ALL_CONVERSIONS = TO_RGB + FROM_RGB + [srgb_to_linear, linear_to_srgb]


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_gradients_are_finite_including_black_and_negatives(convert) -> None:
    colours = torch.cat([torch.zeros(1, 3), -0.01 * torch.ones(1, 3), _random_rgb(30, dtype=torch.float32)])
    if convert is rgb_to_oklch:
        colours = colours[2:]  # greys have no hue, so no hue gradient (documented)
    colours.requires_grad_(True)
    convert(colours).sum().backward()
    assert torch.isfinite(colours.grad).all()


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"last dimension, got shape \(4, 2\)"):
        oklab_to_rgb(torch.zeros(4, 2))
    with pytest.raises(TypeError, match="floating-point"):
        hsv_to_rgb(torch.zeros(4, 3, dtype=torch.uint8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        lab_to_rgb([100.0, 0.0, 0.0])  # type: ignore[arg-type]
