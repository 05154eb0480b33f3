"""The memory estimate covers every weight-motion mode, colour mode and architecture the schema allows
(a mode missing from its tables crashed every render with KeyError: 'noise')."""
from __future__ import annotations

from typing import get_args

import pytest
from tiny import tiny_preset

from cppn_motion.config.schema import Colour, WeightMotion
from cppn_motion.nets import ARCHITECTURES
from cppn_motion.rendering.budget import estimate

WEIGHT_MODES = get_args(WeightMotion.model_fields["mode"].annotation)
COLOUR_MODES = get_args(Colour.model_fields["mode"].annotation)


def test_the_tables_are_read_from_the_schema():
    assert "noise" in WEIGHT_MODES and "oklch" in COLOUR_MODES


@pytest.mark.parametrize("mode", WEIGHT_MODES)
def test_every_weight_mode_has_an_estimate(mode):
    needed = estimate(tiny_preset(timeline={"weights": {"mode": mode}})).total
    assert needed > 0


def test_noise_weights_cost_more_with_more_harmonics():
    few = estimate(tiny_preset(timeline={"weights": {"mode": "noise", "harmonics": 1}})).total
    many = estimate(tiny_preset(timeline={"weights": {"mode": "noise", "harmonics": 8}})).total
    assert many > few


@pytest.mark.parametrize("mode", COLOUR_MODES)
def test_every_colour_mode_has_an_estimate(mode):
    assert estimate(tiny_preset(colour={"mode": mode})).total > 0


@pytest.mark.parametrize("arch", ARCHITECTURES.names())
@pytest.mark.parametrize("kind", ["mp4", "gif", "png"])
def test_every_architecture_and_output_kind_has_an_estimate(arch, kind):
    assert estimate(tiny_preset(net={"arch": arch, "depth": 2, "width": 4}), kind=kind).total > 0
