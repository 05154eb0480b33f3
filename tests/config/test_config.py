"""Preset validation: every bad value is one clear line naming the key, the rule and the value."""
from __future__ import annotations

import pytest

from cppn_motion.config.schema import Preset, set_dotted, validate_preset
from cppn_motion.errors import ConfigError


def test_defaults_validate_and_name_the_required_keys():
    preset = validate_preset({})
    assert isinstance(preset, Preset)
    for key in ("seed", "canvas.width", "canvas.height", "net.arch", "net.depth", "net.width",
                "net.activation", "timeline.frames", "timeline.fps"):
        node = preset
        for part in key.split("."):
            node = getattr(node, part)
        assert node is not None


@pytest.mark.parametrize("data, message", [
    ({"net": {"depht": 4}}, r"unknown key 'net.depht' \(did you mean 'depth'\?\); allowed keys in 'net': arch, depth"),
    ({"canvs": {}}, r"unknown key 'canvs' \(did you mean 'canvas'\?\)"),
    ({"net": {"depth": 0}}, r"net.depth: input should be greater than or equal to 1; got 0"),
    ({"net": {"depth": "eight"}}, r"net.depth: input should be a valid integer; got 'eight'"),
    ({"net": {"depth": 2.5}}, r"net.depth: input should be a valid integer"),
    ({"canvas": {"width": 1}}, r"canvas.width: input should be greater than or equal to 2; got 1"),
    ({"net": {"activation": "tahn"}}, r"net.activation: unknown activation 'tahn' \(did you mean 'tanh'\?\); known: tanh"),
    ({"net": {"arch": "mpl"}}, r"net.arch: unknown architecture 'mpl' \(did you mean 'mlp'\?\)"),
    ({"net": {"init": {"scheme": "kaiming"}}}, r"net.init.scheme: unknown init scheme 'kaiming'"),
    ({"inputs": {"features": ["x", "z"]}}, r"inputs.features: unknown input feature 'z'"),
    ({"timeline": {"fps": 0}}, r"timeline.fps: input should be greater than or equal to 0.01; got 0"),
    ({"timeline": {"latent": {"path": "spiral"}}}, r"timeline.latent.path: input should be 'static', 'circle', 'ellipse', 'lissajous', 'noise' or 'keyframes'; got 'spiral'"),
    ({"timeline": {"latent": {"easing": "smooth"}}}, r"unknown easing 'smooth' \(did you mean"),
    ({"colour": {"palette": ["#fff", "#000000"]}}, r"colour.palette: palette colours are '#rrggbb' strings; got '#fff'"),
    ({"seed": -1}, r"seed: input should be greater than or equal to 0; got -1"),
])
def test_bad_values_give_one_clear_line(data, message):
    with pytest.raises(ConfigError, match=message) as info:
        validate_preset(data, "preset 'x'")
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("preset 'x': ")


def test_several_problems_are_all_listed_on_one_line():
    with pytest.raises(ConfigError) as info:
        validate_preset({"net": {"depth": 0, "width": 0}})
    text = str(info.value)
    assert "2 problems: (1) net.depth: " in text and " (2) net.width: " in text and "\n" not in text


def test_many_problems_are_listed_then_counted():
    with pytest.raises(ConfigError) as info:
        validate_preset({"net": {"depth": 0, "width": 0, "kernel": 2}, "seed": -1, "canvas": {"width": 1, "height": 1},
                         "timeline": {"fps": 0}})
    assert "7 problems: (1)" in str(info.value) and "(5) " in str(info.value)
    assert str(info.value).endswith("(and 2 more problems)")


def test_a_vanishing_frame_rate_is_refused():
    # timeline.fps 1e-300 reached ffmpeg (6 lines about a framerate of 0) or OverflowError for GIFs.
    with pytest.raises(ConfigError, match=r"timeline.fps: input should be greater than or equal to 0.01; got 1e-300"):
        validate_preset({"timeline": {"fps": 1e-300}})


def test_a_preset_must_be_a_mapping():
    with pytest.raises(ConfigError, match="a preset is a mapping"):
        validate_preset([1, 2])


def test_with_overrides_revalidates():
    preset = validate_preset({})
    deeper = preset.with_overrides({"net.depth": 12, "net.activation": "sin"})
    assert (deeper.net.depth, deeper.net.activation) == (12, "sin")
    assert preset.net.depth == 8  # the original is untouched
    with pytest.raises(ConfigError, match="net.width"):
        preset.with_overrides({"net.width": -3})


def test_set_dotted_refuses_to_descend_into_a_value():
    data = {"net": {"depth": 3}}
    with pytest.raises(ConfigError, match="'net.depth' is a value, not a section"):
        set_dotted(data, "net.depth.x", 1)
    with pytest.raises(ConfigError, match="expected a dotted key path"):
        set_dotted(data, "net..depth", 1)
