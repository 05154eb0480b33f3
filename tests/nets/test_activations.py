"""Every registered activation and init works in a net (parametrised over the registries)."""
from __future__ import annotations

import pytest
import torch
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.errors import ConfigError
from cppn_motion.nets.activations import ACTIVATIONS, Mixed
from cppn_motion.nets.inits import INITS
from cppn_motion.registry import Registry


@pytest.mark.parametrize("name", ACTIVATIONS.names() + ["mixed"])
def test_each_activation_renders_finite_varied_frames(name):
    frames = cm.render_array(tiny_preset(net={"activation": name, "depth": 3}), device="cpu")
    assert frames.shape == (6, 18, 32, 3)
    assert frames.std() > 1, f"{name} rendered flat"


@pytest.mark.parametrize("name", INITS.names())
def test_each_init_scheme_has_the_documented_scale(name):
    gen = torch.Generator().manual_seed(0)
    w = INITS.get(name)((400, 300), 400, 300, 1.0, 0.7, gen)
    expected = {"he_normal": (2 / 400) ** 0.5, "he_uniform": (2 / 400) ** 0.5, "xavier_normal": (2 / 700) ** 0.5,
                "xavier_uniform": (2 / 700) ** 0.5, "lecun_normal": (1 / 400) ** 0.5, "normal": 0.7,
                "uniform": 0.7}[name]
    assert abs(w.std().item() / expected - 1) < 0.03


def test_mixed_uses_several_functions_per_layer():
    gen = torch.Generator().manual_seed(1)
    layer = Mixed(["tanh", "sin", "abs"], 30, gen)
    assert len(layer.slices) == 3 and sum(b - a for _, a, b in layer.slices) == 30
    x = torch.linspace(-2, 2, 30).expand(4, 30)
    y = layer(x)
    for name, a, b in layer.slices:
        torch.testing.assert_close(y[:, a:b], ACTIVATIONS.get(name)(x[:, a:b]))


def test_registry_errors_suggest_and_list():
    reg: Registry[int] = Registry("colour")
    reg.register("red")(1)
    reg.register("green")(2)
    with pytest.raises(ConfigError, match=r"unknown colour 'gren' \(did you mean 'green'\?\); known: red, green"):
        reg.get("gren")
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("red")(3)
