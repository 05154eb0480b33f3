"""Camera: exponential zoom, pan and rotation about a centre; the centre stays put; loops close."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.errors import ConfigError
from cppn_motion.motion.camera import apply_camera, camera_path
from cppn_motion.nets.coords import make_grid
from cppn_motion.rendering.scene import build_scene

# On the 32x18 tiny canvas (scale 1) the pixel centre at row 4, column 20 shows field point (0.5, -0.5).
CENTER, ROW, COL = [0.5, -0.5], 4, 20
STILL = {"latent": {"dim": 0}, "inputs": {"time": False}, "net": {"depth": 3, "width": 8}}


def test_zoom_and_rotation_keep_the_centre_fixed():
    grid = make_grid(32, 18)
    assert (grid.x[ROW, COL].item(), grid.y[ROW, COL].item()) == pytest.approx(CENTER, abs=1e-6)
    amount = torch.linspace(0, 1, 5, dtype=torch.float64)
    moved = apply_camera(grid, camera_path(amount, zoom=50.0, pan=[0, 0], rotation=0.3, center=CENTER))
    assert moved.x.shape == (5, 18, 32)
    torch.testing.assert_close(moved.x[:, ROW, COL], torch.full((5,), 0.5), atol=1e-6, rtol=0)
    torch.testing.assert_close(moved.y[:, ROW, COL], torch.full((5,), -0.5), atol=1e-6, rtol=0)
    # Zoom 50 shrinks the view 50x: the frame's width in field units.
    width = moved.x[-1, ROW, -1] - moved.x[-1, ROW, 0]
    rotated_width = math.hypot(width, moved.y[-1, ROW, -1] - moved.y[-1, ROW, 0])
    assert rotated_width == pytest.approx((grid.x[0, -1] - grid.x[0, 0]).item() / 50, rel=1e-5)


def test_zoom_is_exponential_so_each_frame_zooms_by_the_same_factor():
    amount = torch.arange(9, dtype=torch.float64) / 8
    state = camera_path(amount, zoom=16.0, pan=[0, 0], rotation=0.0, center=[0, 0])
    ratios = torch.exp(state.log_zoom[1:] - state.log_zoom[:-1])
    torch.testing.assert_close(ratios, torch.full((8,), 16 ** (1 / 8), dtype=torch.float64))


def test_rendered_zoom_keeps_its_centre_pixel_while_the_rest_moves():
    preset = tiny_preset(**STILL, timeline={"frames": 6, "loop": False,
                                            "camera": {"path": "sweep", "zoom": 8.0, "rotation": 0.25,
                                                       "center": CENTER}})
    clip = cm.render_array(preset, device="cpu").astype(int)
    assert np.abs(clip[:, ROW, COL] - clip[0, ROW, COL]).max() <= 1
    assert np.abs(clip[-1] - clip[0]).mean() > 5


def test_pan_moves_the_view_in_field_units():
    grid = make_grid(32, 18)
    moved = apply_camera(grid, camera_path(torch.ones(1, dtype=torch.float64), 1.0, [0.25, -1.0], 0.0, [0, 0]))
    torch.testing.assert_close(moved.x[0], grid.x + 0.25)
    torch.testing.assert_close(moved.y[0], grid.y - 1.0)


def test_swinging_camera_loop_closes_and_still_camera_shares_coords():
    preset = tiny_preset(**STILL, timeline={"camera": {"zoom": 3.0, "pan": [0.2, 0.1], "rotation": 0.1}})
    scene = build_scene(preset, "cpu")
    ends = scene.render_phases(torch.tensor([0.0, 1.0], dtype=torch.float64))
    assert torch.equal(ends[0], ends[1])
    middle = scene.render_phases(torch.tensor([0.5], dtype=torch.float64))
    assert not torch.equal(middle[0], ends[0])
    assert scene.coords_at(torch.zeros(2, dtype=torch.float64), scene.coords, scene.grid).dim() == 3
    still = build_scene(tiny_preset(net=STILL["net"]), "cpu")
    assert still.coords_at(torch.zeros(2, dtype=torch.float64), still.coords, still.grid) is still.coords


def test_a_sweep_that_would_jump_at_the_seam_is_refused():
    with pytest.raises(ConfigError, match=r"timeline.camera: a 'sweep' in a loop would jump back at the seam"):
        tiny_preset(timeline={"camera": {"path": "sweep", "zoom": 2.0}})
    # Whole turns close, and ping-pong comes back by itself.
    tiny_preset(timeline={"camera": {"path": "sweep", "rotation": 1.0}})
    tiny_preset(timeline={"pingpong": True, "camera": {"path": "sweep", "zoom": 2.0}})


def test_the_camera_moves_the_slope_input_with_the_field():
    """A preset whose only per-pixel input is the seed's frame-relative slope still moves."""
    grid = make_grid(32, 18, scale=1.5, center=(0.2, -0.1))
    still = apply_camera(grid, camera_path(torch.zeros(1, dtype=torch.float64), 1.0, [0, 0], 0.0, [0, 0]))
    torch.testing.assert_close(still.u[0], grid.u, atol=1e-6, rtol=0)  # no move: the frame's own fractions
    zoomed = apply_camera(grid, camera_path(torch.ones(1, dtype=torch.float64), 2.0, [0, 0], 0.0, [0.2, -0.1]))
    # Zoom 2 about the frame's centre: the slope ramps span half the range they did.
    assert (zoomed.u[0].max() - zoomed.u[0].min()).item() == pytest.approx((grid.u.max() - grid.u.min()).item() / 2)
    preset = tiny_preset(inputs={"features": ["slope"], "time": False}, latent={"dim": 0},
                         net={"depth": 3, "width": 8}, timeline={"camera": {"zoom": 3.0}})
    clip = cm.render_array(preset, device="cpu")
    assert np.abs(clip[0].astype(int) - clip[3].astype(int)).mean() > 5


def test_a_camera_that_per_frame_normalization_would_cancel_is_refused(tmp_path, capsys):
    from cppn_motion.cli.main import main

    out = tmp_path / "x.mp4"
    args = ["render", "seed_10x10_relu", "--size", "48x32", "--set", "timeline.frames=2", "-o", str(out), "--quiet"]
    assert main([*args, "--set", "timeline.camera.zoom=2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "timeline.camera: zoom cannot show with net.norm.stats 'frame'" in err
    assert "use net.norm.stats: clip or fixed" in err and not out.exists()
    # Frozen statistics let zoom show; rotation shows either way.
    ok = {"net.norm.stats": "clip", "timeline.camera.zoom": 2.0, "canvas.width": 48, "canvas.height": 32}
    cm.load_preset("seed_10x10_relu", ok)
    cm.load_preset("seed_10x10_relu", {"timeline.camera.rotation": 0.2})


def test_a_residual_net_shows_zoom_under_per_frame_normalization():
    """A residual block's skip path is not normalised, so per-frame statistics do not cancel a
    zoom there: accepted, and the frames really move."""
    values = {"net.arch": "residual", "net.depth": 2, "net.width": 8, "net.norm.stats": "frame",
              "inputs.features": ["x", "y"], "timeline.camera.zoom": 2.0, "timeline.frames": 5,
              "canvas.width": 48, "canvas.height": 32, "latent.dim": 0, "inputs.time": False}
    clip = cm.render_array(cm.load_preset("seed_10x10_relu", values), device="cpu")
    assert np.abs(clip[0].astype(int) - clip[2].astype(int)).mean() > 1
