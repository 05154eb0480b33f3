"""Presets found by name or path, --set overrides, and the resolved YAML round trip."""
from __future__ import annotations

import numpy as np
import pytest

import cppn_motion as cm
from cppn_motion.config.presets import bundled_names, parse_set, preset_to_yaml
from cppn_motion.errors import ConfigError, UserError

SHRINK = {"canvas.width": 24, "canvas.height": 14, "timeline.frames": 3}


def test_at_least_six_bundled_presets_with_descriptions():
    rows = cm.list_presets()
    assert len(rows) >= 6
    assert "default" in dict(rows)
    assert all(description for _, description in rows)


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_preset_renders_tiny(name):
    preset = cm.load_preset(name, SHRINK)
    if preset.net.arch != "mlp":
        # Conv nets always evaluate their whole design grid (resolution independence); shrink
        # it with the canvas so the smoke test stays tiny.
        preset = preset.with_overrides({"net.design_size": 14})
    assert preset.name == name
    frames = cm.render_array(preset, device="cpu")
    assert frames.shape == (3, 14, 24, 3) and frames.dtype == np.uint8
    assert frames.std() > 5, "a bundled preset should never render flat"


def test_unknown_preset_name_suggests_and_lists():
    with pytest.raises(UserError, match=r"unknown preset 'defualt' \(did you mean 'default'\?\); bundled: .*default"):
        cm.load_preset("defualt")


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="preset file '.*nope.yaml' does not exist"):
        cm.load_preset(str(tmp_path / "nope.yaml"))


def test_invalid_yaml_reports_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("net:\n  depth: 3\n   width: 4\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: invalid YAML at line 3, column \d+"):
        cm.load_preset(str(path))


def test_parse_set_reads_yaml_values():
    assert parse_set("net.depth=12") == ("net.depth", 12)
    assert parse_set("inputs.features=[x, y]") == ("inputs.features", ["x", "y"])
    assert parse_set("inputs.time=false") == ("inputs.time", False)
    assert parse_set("net.activation=sin") == ("net.activation", "sin")
    with pytest.raises(ConfigError, match=r"--set 'net.depth': expected KEY=VALUE"):
        parse_set("net.depth")


def test_overrides_as_set_strings_and_as_dict_agree():
    a = cm.load_preset("default", ["net.depth=3", "seed=9"])
    b = cm.load_preset("default", {"net.depth": 3, "seed": 9})
    assert a == b and a.net.depth == 3


def test_resolved_yaml_renders_identically(tmp_path):
    preset = cm.load_preset("mixed_garden", SHRINK)
    path = tmp_path / "resolved.yaml"
    path.write_text(preset_to_yaml(preset))
    again = cm.load_preset(str(path))
    assert again == preset
    np.testing.assert_array_equal(cm.render_array(again, device="cpu"), cm.render_array(preset, device="cpu"))
