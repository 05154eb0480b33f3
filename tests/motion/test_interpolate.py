"""Batched interpolation: exact endpoints, closed loops, C1 seams, constant speed and seeded paths."""
from __future__ import annotations

import math

import pytest
import torch

from cppn_motion.errors import ConfigError
from cppn_motion.motion.easing import ease
from cppn_motion.motion.interpolate import MODES, cycle_keyframes, keyframe_track, lerp, slerp
from cppn_motion.motion.paths import circle_path, ellipse_path, lissajous_path, noise_path
from cppn_motion.motion.timing import constant_speed, pingpong_order

DTYPES = (torch.float32, torch.float64)
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def gaussian(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=seeded(seed), dtype=dtype)


def flat_norms(batch: torch.Tensor) -> torch.Tensor:
    return torch.linalg.vector_norm(batch.reshape(batch.shape[0], -1), dim=1)


# --------------------------------------------------------------------------- lerp / slerp


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", [lerp, slerp])
def test_two_point_shape_dtype_device_and_exact_endpoints(fn, dtype, device):
    a = gaussian(3, 4, 5, seed=1, dtype=dtype).to(device)
    b = gaussian(3, 4, 5, seed=2, dtype=dtype).to(device)
    out = fn(a, b, torch.tensor([0.0, 0.3, 1.0, 0.5]))
    assert out.shape == (4, 3, 4, 5) and out.dtype == dtype and out.device.type == device
    assert torch.equal(out[0], a) and torch.equal(out[2], b)


def test_lerp_is_the_straight_line():
    a, b = gaussian(7, seed=1), gaussian(7, seed=2)
    alpha = torch.linspace(-0.5, 1.5, 9, dtype=torch.float64)
    torch.testing.assert_close(lerp(a, b, alpha), a + alpha[:, None] * (b - a))


def test_slerp_keeps_equal_norms_where_lerp_shrinks():
    a = gaussian(64, 48, seed=1)
    b = gaussian(64, 48, seed=2)
    b = b * (a.norm() / b.norm())
    alpha = torch.linspace(0, 1, 11, dtype=torch.float64)
    torch.testing.assert_close(flat_norms(slerp(a, b, alpha)), a.norm().expand(11))
    # Two random high-dimensional vectors are nearly orthogonal: lerp's midpoint shrinks ~1/sqrt(2).
    assert flat_norms(lerp(a, b, torch.tensor([0.5])))[0] / a.norm() == pytest.approx(2**-0.5, abs=0.05)


def test_slerp_moves_along_the_great_circle_at_constant_angular_speed():
    a, b = gaussian(16, seed=1), gaussian(16, seed=2)
    alpha = torch.linspace(0, 1, 9, dtype=torch.float64)
    out = slerp(a, b, alpha)
    total = torch.arccos(torch.dot(a, b) / (a.norm() * b.norm()))
    # The cosine of a with itself (alpha 0) can round to 1 + 1 ulp, whose arccos is nan: clamp it.
    angles = torch.arccos(((out @ a) / (out.norm(dim=1) * a.norm())).clamp(-1, 1))
    torch.testing.assert_close(angles, alpha * total, atol=1e-6, rtol=0)
    # The norm goes linearly from |a| to |b|.
    torch.testing.assert_close(out.norm(dim=1), (1 - alpha) * a.norm() + alpha * b.norm())


@pytest.mark.parametrize("scale", [2.0, -1.0, -3.0])
def test_slerp_falls_back_to_lerp_for_parallel_inputs(scale):
    a = gaussian(10, seed=3)
    alpha = torch.linspace(0, 1, 7, dtype=torch.float64)
    out = slerp(a, scale * a, alpha)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, lerp(a, scale * a, alpha))


def test_slerp_falls_back_to_lerp_for_a_zero_vector():
    a, b = torch.zeros(5, dtype=torch.float64), gaussian(5, seed=4)
    alpha = torch.linspace(0, 1, 5, dtype=torch.float64)
    torch.testing.assert_close(slerp(a, b, alpha), lerp(a, b, alpha))
    torch.testing.assert_close(slerp(a, a, alpha), torch.zeros(5, 5, dtype=torch.float64))


def test_two_point_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="must match in shape"):
        slerp(torch.zeros(3), torch.zeros(4), torch.tensor([0.5]))
    with pytest.raises(ValueError, match="alpha must be 1-D"):
        lerp(torch.zeros(3), torch.ones(3), torch.tensor(0.5))
    with pytest.raises(TypeError, match="floating-point"):
        lerp(torch.zeros(3, dtype=torch.long), torch.ones(3, dtype=torch.long), torch.tensor([0.5]))


# --------------------------------------------------------------------------- cycle_keyframes


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cycle_passes_through_every_key_and_closes(mode, dtype):
    keys = gaussian(5, 3, 4, seed=5, dtype=dtype)
    at_keys = cycle_keyframes(keys, torch.arange(5, dtype=dtype) / 5, mode=mode)
    assert at_keys.dtype == dtype and at_keys.shape == (5, 3, 4)
    torch.testing.assert_close(at_keys, keys)
    ends = cycle_keyframes(keys, torch.tensor([0.0, 1.0], dtype=dtype), mode=mode)
    assert torch.equal(ends[0], ends[1])
    assert torch.equal(ends[0], keys[0])


@pytest.mark.parametrize("mode", MODES)
def test_cycle_phase_wraps_modulo_one(mode):
    keys = gaussian(4, 6, seed=6)
    phase = torch.tensor([0.1, 0.35, 0.8], dtype=torch.float64)
    inside = cycle_keyframes(keys, phase, mode=mode)
    torch.testing.assert_close(cycle_keyframes(keys, phase + 3, mode=mode), inside)
    torch.testing.assert_close(cycle_keyframes(keys, phase - 2, mode=mode), inside)
    # A phase just below 0 wraps to just below 1, not past the last segment.
    near_end = cycle_keyframes(keys, torch.tensor([-1e-20, 1 - 1e-12], dtype=torch.float64), mode=mode)
    assert torch.isfinite(near_end).all()


def test_cycle_linear_applies_the_easing_within_each_segment():
    keys = gaussian(4, 3, seed=7)
    phase = torch.tensor([0.25 * 2 + 0.25 * 0.3], dtype=torch.float64)  # 30% into segment 2 -> 3
    out = cycle_keyframes(keys, phase, mode="linear", easing="smoothstep")
    torch.testing.assert_close(out[0], lerp(keys[2], keys[3], torch.tensor([ease("smoothstep", 0.3)]))[0])
    phase = torch.tensor([0.75 + 0.25 * 0.6], dtype=torch.float64)
    closing = cycle_keyframes(keys, phase, mode="slerp", easing="cubic_in")
    torch.testing.assert_close(closing[0], slerp(keys[3], keys[0], torch.tensor([0.6**3]))[0])


def test_cycle_batch_equals_single_calls():
    keys = gaussian(3, 2, 5, seed=8)
    phase = torch.tensor([0.05, 0.4, 0.66, 0.93], dtype=torch.float64)
    for mode in MODES:
        batch = cycle_keyframes(keys, phase, mode=mode, easing="sine_in_out")
        singles = torch.cat([cycle_keyframes(keys, p[None], mode=mode, easing="sine_in_out") for p in phase])
        torch.testing.assert_close(batch, singles)


def velocity_jump(track, at: float, step: float = 1e-5) -> tuple[float, float]:
    """(|v_after - v_before|, |v_before|) from one-sided finite differences at `at`."""
    t = torch.tensor([at - 2 * step, at - step, at + step, at + 2 * step], dtype=torch.float64)
    p = track(t)
    before, after = (p[1] - p[0]) / step, (p[3] - p[2]) / step
    return (after - before).norm().item(), before.norm().item()


def test_spline_is_c1_across_the_wrap_and_at_every_key():
    keys = gaussian(5, 8, seed=9)
    for at in (0.0, 0.2, 0.4, 0.6, 0.8):
        jump, speed = velocity_jump(lambda t: cycle_keyframes(keys, t, mode="spline"), at)
        assert speed > 1
        assert jump < 1e-2 * speed, at
    # The same probe does see the corner of a linear loop, so the check above can fail.
    jump, speed = velocity_jump(lambda t: cycle_keyframes(keys, t, mode="linear"), 0.0)
    assert jump > 0.1 * speed


def test_cycle_with_one_key_is_constant():
    key = gaussian(1, 3, seed=10)
    for mode in MODES:
        out = cycle_keyframes(key, torch.linspace(0, 1, 5, dtype=torch.float64), mode=mode)
        torch.testing.assert_close(out, key.expand(5, 3))


def test_unknown_mode_names_the_close_match():
    with pytest.raises(ConfigError, match=r"unknown interpolation mode 'slerpp' \(did you mean 'slerp'\?\)"):
        cycle_keyframes(gaussian(3, 2), torch.tensor([0.5]), mode="slerpp")


# --------------------------------------------------------------------------- keyframe_track


def test_track_open_hits_keys_and_holds_the_ends():
    times = torch.tensor([0.1, 0.3, 0.9], dtype=torch.float64)
    values = gaussian(3, 4, seed=11)
    for mode in MODES:
        out = keyframe_track(times, values, torch.tensor([0.1, 0.3, 0.9, 0.0, 1.0], dtype=torch.float64), mode)
        torch.testing.assert_close(out[:3], values)
        torch.testing.assert_close(out[3], values[0])
        torch.testing.assert_close(out[4], values[2])


def test_track_per_segment_easings_at_non_uniform_times():
    times = [0.0, 0.2, 1.0]
    values = gaussian(3, 2, seed=12)
    out = keyframe_track(times, values, torch.tensor([0.05, 0.6]), "linear", ["cubic_in", "smoothstep"])
    torch.testing.assert_close(out[0], lerp(values[0], values[1], torch.tensor([0.25**3]))[0])
    torch.testing.assert_close(out[1], lerp(values[1], values[2], torch.tensor([0.5]))[0])


def test_track_loop_closes_from_last_key_back_to_first():
    times = torch.tensor([0.2, 0.5, 0.6], dtype=torch.float64)
    values = gaussian(3, 3, seed=13)
    # The closing segment runs 0.6 -> 1.2; t = 0.9 (and 0.9 - 1) is its midpoint.
    t = torch.tensor([0.9, -0.1, 1.2, 0.2], dtype=torch.float64)
    out = keyframe_track(times, values, t, "linear", loop=True)
    midpoint = (values[2] + values[0]) / 2
    torch.testing.assert_close(out[0], midpoint)
    torch.testing.assert_close(out[1], midpoint)
    torch.testing.assert_close(out[2], values[0])
    torch.testing.assert_close(out[3], values[0])


def test_track_spline_is_c1_at_non_uniform_keys_including_the_loop_seam():
    times = torch.tensor([0.0, 0.15, 0.5, 0.6], dtype=torch.float64)
    values = gaussian(4, 6, seed=14)
    for at in (0.15, 0.5, 0.6, 1.0):
        jump, speed = velocity_jump(lambda t: keyframe_track(times, values, t, "spline", loop=True), at)
        assert jump < 1e-2 * speed, at


def test_track_rejects_bad_keyframes():
    values = gaussian(3, 2)
    t = torch.tensor([0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        keyframe_track([0.0, 0.5, 0.5], values, t)
    with pytest.raises(ValueError, match="span less than 1"):
        keyframe_track([0.0, 0.5, 1.0], values, t, loop=True)
    with pytest.raises(ValueError, match=r"one easing per segment \(3\), got 2"):
        keyframe_track([0.0, 0.5, 0.7], values, t, easings=["linear", "linear"], loop=True)
    with pytest.raises(ValueError, match="got 2 times for 3"):
        keyframe_track([0.0, 0.5], values, t)
    with pytest.raises(ConfigError, match="unknown easing 'bounce'"):
        keyframe_track([0.0, 0.5, 0.7], values, t, easings="bounce")


# --------------------------------------------------------------------------- constant_speed


def steps_around(points: torch.Tensor) -> torch.Tensor:
    """Distances between consecutive points, including the last back to the first."""
    return torch.linalg.vector_norm(torch.roll(points, -1, dims=0) - points, dim=1)


@pytest.mark.parametrize("shape", ["warped_circle", "ellipse", "lissajous"])
def test_constant_speed_gives_equal_steps_including_the_seam(shape):
    def warped_circle(phase):  # speed varies by a factor ~30 around the loop
        return circle_path(phase + 0.15 * torch.sin(2 * math.pi * phase), seeded(1), 3)

    # Equal arcs give equal chords only up to O((curvature * step)^2), so the curved test
    # paths get enough frames to keep that well under the 2% asked of the arc-length inversion.
    paths = {
        "warped_circle": (warped_circle, 60),
        "ellipse": (lambda phase: ellipse_path(phase, seeded(2), 4, radii=(2.0, 1.0)), 100),
        "lissajous": (lambda phase: lissajous_path(phase, seeded(3), 4, freqs=(1, 2)), 200),
    }
    path, frames = paths[shape]
    uniform_steps = steps_around(path(torch.arange(frames, dtype=torch.float64) / frames))
    assert uniform_steps.max() / uniform_steps.min() > 1.5  # the test path really is uneven

    phases = constant_speed(path, frames)
    assert phases.shape == (frames,) and phases.dtype == torch.float64
    assert phases[0] == 0 and (phases.diff() > 0).all() and phases[-1] < 1
    steps = steps_around(path(phases))
    assert (steps.max() - steps.min()) / steps.mean() < 0.02


def test_constant_speed_of_a_still_path_is_uniform():
    phases = constant_speed(lambda phase: torch.ones(phase.shape[0], 3), 8)
    torch.testing.assert_close(phases, torch.arange(8, dtype=torch.float64) / 8)


# --------------------------------------------------------------------------- periodic paths


PATHS = {
    "circle": lambda phase, gen: circle_path(phase, gen, 6, radius=2.0),
    "ellipse": lambda phase, gen: ellipse_path(phase, gen, 6, radii=(2.0, 0.5)),
    "lissajous": lambda phase, gen: lissajous_path(phase, gen, 6, freqs=(1, 2, 3)),
    "noise": lambda phase, gen: noise_path(phase, gen, 6, harmonics=4, falloff=1.0),
}


@pytest.mark.parametrize("name", PATHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_paths_close_exactly_and_the_seam_step_is_typical(name, dtype):
    count = 400
    points = PATHS[name](torch.arange(count + 1, dtype=dtype) / count, seeded(0))
    assert points.shape == (count + 1, 6) and points.dtype == dtype
    assert torch.equal(points[0], points[-1])
    steps = torch.linalg.vector_norm(points.diff(dim=0), dim=1)
    # Neighbouring steps of a smooth path differ by O(1/count); a kink or gap at the seam would not.
    seam, before, after = steps[-1], steps[-2], steps[0]
    assert abs(seam - before) < 0.05 * seam and abs(seam - after) < 0.05 * seam


@pytest.mark.parametrize("name", PATHS)
def test_paths_are_seeded_and_device_independent(name):
    phase = torch.linspace(0, 1, 17, dtype=torch.float64)
    first = PATHS[name](phase, seeded(5))
    assert torch.equal(first, PATHS[name](phase, seeded(5)))
    assert not torch.allclose(first, PATHS[name](phase, seeded(6)))
    # Directions are drawn in float64 on the CPU whatever the phase dtype/device asks for.
    torch.testing.assert_close(PATHS[name](phase.float(), seeded(5)), first.float(), atol=1e-5, rtol=0)
    for device in DEVICES[1:]:
        on_device = PATHS[name](phase.to(device), seeded(5))
        assert on_device.device.type == device
        torch.testing.assert_close(on_device.cpu(), first)


def test_circle_is_round_centred_and_planar():
    center = torch.arange(5, dtype=torch.float64)
    phase = torch.rand(50, generator=seeded(1), dtype=torch.float64)
    points = circle_path(phase, seeded(2), 5, radius=1.5, center=center)
    torch.testing.assert_close((points - center).norm(dim=1), torch.full((50,), 1.5, dtype=torch.float64))
    assert torch.linalg.matrix_rank(points - center).item() == 2
    # Quarter turns are orthogonal: the two directions really are orthonormal.
    quarter = circle_path(torch.tensor([0.0, 0.25], dtype=torch.float64), seeded(2), 5)
    assert torch.dot(quarter[0], quarter[1]).abs() < 1e-12


def test_noise_has_zero_mean_and_unit_rms_per_dimension():
    points = noise_path(torch.arange(256, dtype=torch.float64) / 256, seeded(3), 7, harmonics=5, falloff=1.5)
    torch.testing.assert_close(points.mean(dim=0), torch.zeros(7, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(points.pow(2).mean(dim=0).sqrt(), torch.ones(7, dtype=torch.float64))


def test_paths_reject_bad_arguments():
    with pytest.raises(ValueError, match="positive integers"):
        lissajous_path(torch.tensor([0.0]), seeded(), 3, freqs=(1, 1.5))
    with pytest.raises(ValueError, match="needs dim >= 3"):
        lissajous_path(torch.tensor([0.0]), seeded(), 2, freqs=(1, 2, 3))


# --------------------------------------------------------------------------- pingpong


@pytest.mark.parametrize(
    "n_frames, order",
    [(0, []), (1, [0]), (2, [0, 1]), (3, [0, 1, 2, 1]), (4, [0, 1, 2, 3, 2, 1])],
)
def test_pingpong_order(n_frames, order):
    assert pingpong_order(n_frames) == order
