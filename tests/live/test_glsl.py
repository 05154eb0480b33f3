"""The shader knows every name the CPU path has: a new activation, feature or colour mode fails here
until it has GLSL (and then the browser tests cover it)."""
from __future__ import annotations

import typing

import numpy as np

from cppn_motion.config.schema import Colour
from cppn_motion.live.glsl import ACTIVATIONS as GLSL_ACTIVATIONS
from cppn_motion.live.glsl import FEATURES as GLSL_FEATURES
from cppn_motion.live.glsl_colour import MODES
from cppn_motion.live.numbers import literal
from cppn_motion.nets.activations import ACTIVATIONS
from cppn_motion.nets.coords import FEATURES, feature_count


def test_every_activation_has_glsl():
    assert set(GLSL_ACTIVATIONS) == set(ACTIVATIONS.names())


def test_every_input_feature_has_glsl_for_each_channel():
    assert set(GLSL_FEATURES) == set(FEATURES.names())
    for name, expressions in GLSL_FEATURES.items():
        assert len(expressions) == feature_count([name])


def test_every_colour_mode_has_glsl():
    assert set(MODES) == set(typing.get_args(Colour.model_fields["mode"].annotation))


def test_literals_read_back_as_the_same_float32():
    for value in (1.0, -0.1, 1e-30, 3.4e38, 0.3333333333, 2.0 ** -20):
        text = literal(value)
        assert any(c in text for c in ".e")  # GLSL has no implicit int -> float in constructors
        assert np.float32(float(text)) == np.float32(value)
