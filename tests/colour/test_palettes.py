"""Named palettes: ours and colorcet's resolve, an unknown name gets one line with a suggestion,
lists of stops still work, and cyclic palettes wrap when shifted."""
from __future__ import annotations

import pytest
import torch

from cppn_motion.colour import palettes
from cppn_motion.colour.mapping import Calibration, to_rgb
from cppn_motion.config.schema import validate_preset
from cppn_motion.errors import ConfigError


@pytest.mark.parametrize("name", [*palettes.CURATED, "fire", "CET_L3", "cyclic_mrybm_35_75_c68"])
def test_palette_names_resolve_to_hex_stops(name: str) -> None:
    palette = palettes.get(name)
    assert len(palette.stops) >= 2
    assert all(len(stop) == 7 and stop.startswith("#") for stop in palette.stops)
    assert validate_preset({"colour": {"mode": "palette", "palette": name}}).colour.palette == name


def test_colorcet_cyclic_maps_are_cyclic_and_linear_ones_not() -> None:
    assert palettes.get("cyclic_mrybm_35_75_c68").cyclic and palettes.get("colorwheel").cyclic
    assert not palettes.get("fire").cyclic


def test_unknown_palette_is_one_line_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_preset({"colour": {"palette": "marbel"}})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("preset: colour.palette: unknown palette 'marbel' (did you mean 'marble'?)")
    assert "cppn-motion palettes" in message


def test_categorical_glasbey_maps_are_not_palettes() -> None:
    with pytest.raises(ConfigError, match="unknown palette 'glasbey'"):
        palettes.get("glasbey")


@pytest.mark.parametrize("bad, expected", [
    (["#000000"], "two or more"), (3, "a palette name or a list"), (["#000000", "#fff"], "'#fff'"),
    (["#000000", 5], "got 5"),
])
def test_bad_palette_lists_name_the_problem(bad, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        validate_preset({"colour": {"palette": bad}})


def _palette_colour(palette, shift: float = 0.0):
    return validate_preset({"colour": {"mode": "palette", "palette": palette, "palette_shift": shift}}).colour


def test_stop_lists_map_low_to_high_and_names_match_their_stops() -> None:
    raw = torch.tensor([[-50.0], [50.0]])
    calibration = Calibration.identity(1)
    rgb = to_rgb(raw, _palette_colour(["#000000", "#ffffff"]), calibration)
    torch.testing.assert_close(rgb, torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
    named = to_rgb(raw, _palette_colour("ink"), calibration)
    listed = to_rgb(raw, _palette_colour(list(palettes.CURATED["ink"].stops)), calibration)
    torch.testing.assert_close(named, listed)


def test_a_cyclic_palette_wraps_and_a_linear_one_reflects() -> None:
    raw = torch.linspace(-3, 3, 64)[:, None]
    calibration = Calibration.identity(1)
    ring = ["#ff0000", "#00ff00", "#0000ff", "#ff0000"]
    assert palettes.resolve(ring).cyclic
    # A cyclic palette shifted by 2 is back where it started, and by 1 it is half way round.
    torch.testing.assert_close(to_rgb(raw, _palette_colour(ring, 2.0), calibration),
                               to_rgb(raw, _palette_colour(ring, 0.0), calibration), atol=1e-5, rtol=0)
    # A linear palette shifted by 1 turns dark into light.
    dark_light = to_rgb(raw, _palette_colour(["#000000", "#ffffff"], 1.0), calibration)
    assert dark_light[0].mean() > 0.9 and dark_light[-1].mean() < 0.1
