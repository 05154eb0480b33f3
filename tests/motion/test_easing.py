"""Easing curves: exact endpoints, shape, and one behaviour on floats, numpy and torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from cppn_motion.errors import ConfigError
from cppn_motion.motion.easing import EASINGS, ease, resolve_easing

ALL = EASINGS.names()
MONOTONIC = [name for name in ALL if not name.startswith("back")]
IN_OUT_PAIRS = [(f"{family}_in", f"{family}_out") for family in ("sine", "cubic", "expo", "back")]
SYMMETRIC = ["linear", "smoothstep", "smootherstep"] + [name for name in ALL if name.endswith("_in_out")]
GRID = np.linspace(0.0, 1.0, 2001)


def test_required_easings_are_registered():
    required = {
        "linear", "smoothstep", "smootherstep", "sine_in", "sine_out", "sine_in_out", "cubic_in",
        "cubic_out", "cubic_in_out", "expo_in", "expo_out", "expo_in_out", "back_in", "back_out",
        "back_in_out",
    }
    assert required <= set(ALL)


@pytest.mark.parametrize("name", ALL)
def test_endpoints_are_exact_in_every_type(name):
    f = EASINGS.get(name)
    assert f(0.0) == 0.0 and f(1.0) == 1.0
    assert f(0) == 0.0 and f(1) == 1.0  # ints are eased as floats
    for dtype in (np.float32, np.float64):
        out = f(np.array([0.0, 1.0], dtype=dtype))
        assert out.dtype == dtype
        assert out.tolist() == [0.0, 1.0]
    for dtype in (torch.float32, torch.float64):
        out = f(torch.tensor([0.0, 1.0], dtype=dtype))
        assert out.dtype == dtype
        assert out.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name", ALL)
def test_formula_is_continuous_into_the_pinned_endpoints(name):
    # The endpoints are pinned; this catches a formula that only reaches them by the pin.
    f = EASINGS.get(name)
    assert abs(f(1e-6)) < 1e-3
    assert abs(f(1 - 1e-6) - 1) < 1e-3


@pytest.mark.parametrize("name", MONOTONIC)
def test_non_back_easings_are_monotonic_and_stay_in_range(name):
    values = EASINGS.get(name)(GRID)
    assert np.all(np.diff(values) >= 0)
    assert values.min() >= 0 and values.max() <= 1


def test_back_easings_overshoot():
    assert ease("back_in", GRID).min() < -0.05
    assert ease("back_out", GRID).max() > 1.05
    back_in_out = ease("back_in_out", GRID)
    assert back_in_out.min() < -0.05 and back_in_out.max() > 1.05


@pytest.mark.parametrize("in_name, out_name", IN_OUT_PAIRS)
def test_out_is_the_mirror_of_in(in_name, out_name):
    np.testing.assert_allclose(ease(out_name, GRID), 1 - ease(in_name, 1 - GRID), atol=1e-12)


@pytest.mark.parametrize("name", SYMMETRIC)
def test_in_out_easings_are_point_symmetric(name):
    np.testing.assert_allclose(ease(name, GRID) + ease(name, 1 - GRID), 1.0, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_float_numpy_and_torch_agree(name):
    f = EASINGS.get(name)
    t = np.linspace(0, 1, 37)
    from_numpy = f(t)
    from_torch = f(torch.from_numpy(t))
    from_floats = np.array([f(float(x)) for x in t])
    assert isinstance(from_numpy, np.ndarray) and isinstance(from_torch, torch.Tensor)
    assert isinstance(f(0.3), float)
    np.testing.assert_allclose(from_torch.numpy(), from_numpy, atol=1e-12)
    np.testing.assert_allclose(from_floats, from_numpy, atol=1e-12)
    np.testing.assert_allclose(f(t.astype(np.float32)), from_numpy, atol=1e-5)


@pytest.mark.parametrize("name", ALL)
def test_each_easing_has_a_one_line_description(name):
    doc = EASINGS.describe(name)
    assert doc and "\n" not in EASINGS.get(name).__doc__.strip()
    assert "f(0)=0" in doc and "f(1)=1" in doc


def test_unknown_easing_names_the_close_match():
    with pytest.raises(ConfigError, match=r"unknown easing 'smothstep' \(did you mean 'smoothstep'\?\); known: linear"):
        ease("smothstep", 0.5)


def test_ease_accepts_callables_and_none():
    assert ease(None, 0.25) == 0.25
    assert ease(lambda t: t * t, 0.5) == 0.25
    assert resolve_easing("smoothstep") is EASINGS.get("smoothstep")
    assert ease("smoothstep", 0.5) == 0.5
