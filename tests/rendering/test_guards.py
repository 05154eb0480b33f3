"""The output guards tell the truth: the static measure separates noise from pictures, and every
piece of advice a note gives moves its measure the right way when applied."""
from __future__ import annotations

import numpy as np
import pytest

import cppn_motion as cm
from cppn_motion.config.presets import bundled_names
from cppn_motion.rendering.dull import (
    CLIPPED_FRACTION,
    FLAT_STD,
    DullnessCheck,
    flat_advice,
    frame_stats,
    saturated_advice,
    variety,
)
from cppn_motion.rendering.static import STATIC_SHARE, high_frequency_share, static_advice
from tests.tiny import tiny_preset

SIZE = {"width": 128, "height": 72}


def _frames(preset, count: int = 2) -> np.ndarray:
    return cm.render_array(preset.with_overrides({"timeline.frames": count}), device="cpu")


def test_white_noise_is_static_and_a_gradient_is_not() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    ramp = np.linspace(0, 255, 128)[None, :, None].repeat(128, 0).repeat(3, 2).astype(np.uint8)
    assert high_frequency_share(noise) > 0.6
    assert high_frequency_share(ramp) < 0.05
    assert high_frequency_share(np.full((64, 64, 3), 90, np.uint8)) == 0.0


def _deep_sin():
    return tiny_preset(canvas=SIZE, net={"depth": 12, "activation": "sin"})


def test_the_guard_flags_deep_sin_static_and_not_the_deep_palette_silk() -> None:
    static = DullnessCheck()
    static.observe(_frames(_deep_sin()))
    notes = static.warnings(_deep_sin())
    assert len(notes) == 1 and "TV static" in notes[0] and "--set net.init.gain=1 (now 2)" in notes[0]
    silk = tiny_preset(canvas=SIZE, net={"depth": 12}, colour={"mode": "palette"})
    smooth = DullnessCheck()
    smooth.observe(_frames(silk))
    assert smooth.warnings(silk) == []


def test_following_the_static_advice_clears_the_static() -> None:
    preset = _deep_sin()
    before = high_frequency_share(_frames(preset, 1)[0])
    assert before > STATIC_SHARE
    advice = static_advice(preset)
    assert {item.key for item in advice} == {"net.init.gain", "net.depth"}
    for item in advice:
        after = high_frequency_share(_frames(preset.with_overrides({item.key: item.value}), 1)[0])
        assert after < min(STATIC_SHARE, before / 3), item


def _clipped(preset) -> float:
    return float(np.median([frame_stats(frame).clipped for frame in _frames(preset)]))


@pytest.mark.parametrize("sections", [
    {"colour": {"mode": "rgb", "contrast": 12.0}},
    {"colour": {"mode": "hsv", "contrast": 12.0}},
    {"colour": {"mode": "rgb", "normalize": False}, "net": {"init": {"gain": 8.0}}},
    {"colour": {"mode": "seed_lab"}},
    {"colour": {"mode": "seed_standard"}},
])
def test_following_the_saturation_advice_unclips_pixels(sections) -> None:
    preset = tiny_preset(canvas=SIZE, **sections)
    before = _clipped(preset)
    if preset.colour.mode not in ("seed_lab", "seed_standard"):
        assert before > CLIPPED_FRACTION  # the case really is saturated
    for item in saturated_advice(preset):
        after = _clipped(preset.with_overrides({item.key: item.value}))
        assert after < before - 0.1, (item, before, after)


def _spread(preset) -> float:
    return float(np.median([frame_stats(frame).luma_std for frame in _frames(preset)]))


@pytest.mark.parametrize("sections, keys", [
    ({"colour": {"contrast": 0.02}}, {"colour.contrast"}),
    ({"net": {"init": {"gain": 0.1}}}, {"net.init.gain"}),
    ({"colour": {"normalize": False}, "net": {"init": {"gain": 0.5}}}, {"colour.normalize", "net.init.gain"}),
    ({"canvas": {**SIZE, "scale": 0.0005}}, {"canvas.scale"}),
])
def test_following_the_flat_advice_spreads_the_values(sections, keys) -> None:
    preset = tiny_preset(**{"canvas": SIZE, **sections})
    before = _spread(preset)
    assert before < FLAT_STD  # the case really is flat
    advice = flat_advice(preset)
    assert {item.key for item in advice} == keys
    for item in advice:
        assert _spread(preset.with_overrides({item.key: item.value})) > max(FLAT_STD, 2 * before), item


def test_a_palette_whose_stops_are_pure_colours_is_not_called_saturated() -> None:
    preset = tiny_preset(canvas=SIZE, colour={"mode": "palette", "palette": "fire"})
    check = DullnessCheck()
    check.observe(_frames(preset))
    assert check.stats[0].clipped > CLIPPED_FRACTION  # fire's reds and black are at 0 or 255 by design
    assert check.warnings(preset) == []


def test_there_are_at_least_sixteen_bundled_looks() -> None:
    assert len(bundled_names()) >= 16


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_preset_passes_the_guards(name: str) -> None:
    """Small (96x54, 2 frames), so a little more aliased than the real size: a preset that passes
    here passes at its own size too."""
    preset = cm.load_preset(name, {"canvas.width": 96, "canvas.height": 54, "timeline.frames": 2})
    if preset.net.arch != "mlp":
        preset = preset.with_overrides({"net.design_size": 54})  # conv nets evaluate their design grid
    check = DullnessCheck()
    check.observe(cm.render_array(preset, device="cpu"))
    assert check.warnings(preset) == []


def test_reroll_scores_static_frames_as_nothing() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (2, 96, 96, 3), dtype=np.uint8)
    ramp = np.linspace(0, 255, 96)[None, None, :, None].repeat(96, 1).repeat(3, 3).repeat(2, 0).astype(np.uint8)
    assert variety(noise) == 0.0 < variety(ramp)
