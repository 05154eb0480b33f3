"""The coordinate field: centred, aspect-correct, resolution independent."""
from __future__ import annotations

import math

import torch

from cppn_motion.nets.coords import coordinate_features, make_grid, time_features


def test_shorter_side_spans_minus_scale_to_scale_around_center():
    grid = make_grid(200, 100, scale=2.0, center=(1.0, -1.0))
    # Pixel centres sit half a pixel inside the edges.
    assert math.isclose(grid.y.min().item(), -1.0 - 2.0 + 2.0 / 100, abs_tol=1e-5)
    assert math.isclose(grid.y.max().item(), -1.0 + 2.0 - 2.0 / 100, abs_tol=1e-5)
    # Aspect correct: one pixel is the same distance in x and y.
    dx = (grid.x[0, 1] - grid.x[0, 0]).item()
    dy = (grid.y[1, 0] - grid.y[0, 0]).item()
    assert math.isclose(dx, dy, rel_tol=1e-5)
    assert math.isclose(grid.x.mean().item(), 1.0, abs_tol=1e-5)


def test_features_in_order_with_slope_taking_two_channels():
    grid = make_grid(8, 4)
    field = coordinate_features(grid, ["x", "r", "slope"])
    assert field.shape == (32, 4)
    torch.testing.assert_close(field[:, 1], torch.hypot(grid.x, grid.y).flatten())
    assert field[:, 2].min() > -0.5 and field[:, 2].max() < 0.5


def test_time_features_are_periodic():
    phase = torch.tensor([0.0, 0.25, 1.0], dtype=torch.float64)
    t = time_features(phase, 2.0)
    torch.testing.assert_close(t[0], t[2])
    torch.testing.assert_close(t[1], torch.tensor([2.0, 0.0]), atol=1e-6, rtol=0)
