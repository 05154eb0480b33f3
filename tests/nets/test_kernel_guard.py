"""The fused kernel's safety net, on a CPU: each failure a user's GPU could produce (a compile
error, a launch error, wrong numbers) is simulated by a stand-in for the kernel; the render must
continue on the torch path with exactly one warning. Plus the pinned precision defaults."""
from __future__ import annotations

import warnings

import pytest
import torch
from tiny import tiny_preset

from cppn_motion.colour.mapping import linear_colour_map
from cppn_motion.nets import kernel_guard, mlp
from cppn_motion.nets.kernel_guard import CHECK_PIXELS, GUARD, KernelFallbackWarning, folded_colour
from cppn_motion.nets.kernels import triton_mlp
from cppn_motion.nets.mlp import hidden_dtype, kernel_wanted
from cppn_motion.rendering.scene import build_scene

WIDTH, HEIGHT = 40, 20  # 800 pixels: more than the check's tile, so the full call is a separate launch


@pytest.fixture(autouse=True)
def fresh_guard():
    GUARD.reset()
    yield
    GUARD.reset()


@pytest.fixture
def scene():
    built = build_scene(tiny_preset(canvas={"width": WIDTH, "height": HEIGHT}), "cpu")
    built.net.use_kernel = True
    return built


class StandIn:
    """Plays the Triton kernel: right answers from the torch path, or one chosen failure."""

    def __init__(self, net, failure: str | None = None) -> None:
        self.net, self.failure, self.calls = net, failure, 0

    def __call__(self, coords, frame_bias, weights, depth, activation, colour=None):
        self.calls += 1
        if self.failure == "compile":
            raise RuntimeError("CompilationError: at 12:4: unsupported layout\nmore detail")
        if self.failure == "launch" and coords.shape[0] > CHECK_PIXELS:
            raise RuntimeError("CUDA error: too many resources requested for launch")
        raw = self.net._torch_forward(coords, frame_bias, weights, depth)
        if self.failure == "mismatch":
            raw = raw + raw.std() * 0.5
        return raw if colour is None else folded_colour(raw, colour)


def _pretend_kernel(monkeypatch, net, failure=None) -> StandIn:
    stand_in = StandIn(net, failure)
    monkeypatch.setattr(mlp, "on_kernel_device", lambda tensor: True)  # a CPU plays the GPU
    monkeypatch.setattr(triton_mlp, "covers", lambda names, shared, coords: True)
    monkeypatch.setattr(triton_mlp, "fused_mlp", stand_in)
    return stand_in


def _forward(scene):
    inputs = scene.timeline.inputs_at(scene.timeline.phases([0, 2]))
    return scene.net(scene.coords, inputs.frame_features, inputs.weights, (HEIGHT, WIDTH))


def _fused(scene):
    inputs = scene.timeline.inputs_at(scene.timeline.phases([0, 2]))
    return scene.net.fused_uint8(scene.coords, inputs.frame_features, inputs.weights,
                                 linear_colour_map(scene.preset.colour, scene.calibration))


def _reference(scene):
    scene.net.use_kernel = False
    try:
        return _forward(scene)
    finally:
        scene.net.use_kernel = True


def test_a_kernel_that_checks_out_is_used_without_a_word(monkeypatch, scene):
    stand_in = _pretend_kernel(monkeypatch, scene.net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.allclose(_forward(scene), _reference(scene))
        assert _fused(scene) is not None
    # raw: the check + the call; uint8: its own variant's check + the call
    assert stand_in.calls == 4 and GUARD.off_because is None


@pytest.mark.parametrize("failure, reason", [
    ("compile", "self-check failed (RuntimeError: CompilationError: at 12:4: unsupported layout)"),
    ("mismatch", "self-check failed (outputs differ from the float32 path by 0.50 standard deviations"),
    ("launch", "a launch failed (RuntimeError: CUDA error: too many resources requested for launch)"),
])
def test_each_failure_falls_back_to_the_torch_path_with_one_warning(monkeypatch, scene, failure, reason):
    _pretend_kernel(monkeypatch, scene.net, failure)
    expected = _reference(scene)
    with pytest.warns(KernelFallbackWarning) as caught:
        first = _forward(scene)
        second = _forward(scene)  # the kernel stays off: no second warning, no second try
    assert torch.equal(first, expected) and torch.equal(second, expected)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert reason in message and "\n" not in message
    assert message.endswith("rendering continues on the float32 torch path")


def test_uint8_failures_hand_back_to_the_scene(monkeypatch, scene):
    stand_in = _pretend_kernel(monkeypatch, scene.net, "mismatch")
    with pytest.warns(KernelFallbackWarning):
        assert _fused(scene) is None  # the scene then renders through forward + to_rgb
    calls = stand_in.calls
    assert _fused(scene) is None and stand_in.calls == calls


def test_uint8_mismatch_is_measured_in_codes():
    reference = torch.full((1, 50, 3), 100, dtype=torch.uint8)
    assert kernel_guard.uint8_mismatch(reference.clone(), reference) is None
    off = reference.clone()
    off[0, 0, 0] = 120
    assert "up to 20 codes" in kernel_guard.uint8_mismatch(off, reference)


def test_non_finite_kernel_output_is_a_mismatch():
    reference = torch.randn(1, 50, 3)
    broken = reference.clone()
    broken[0, 3, 1] = float("nan")
    assert kernel_guard.raw_mismatch(broken, reference) == "non-finite outputs"


@pytest.mark.parametrize("precision, files, memory", [
    ("auto", False, True), ("fp32", False, False), ("bf16", True, True), ("fast", True, True)])
def test_precision_defaults_per_purpose(precision, files, memory):
    # Files: float32 unless asked (encoder-bound on a GPU); in-memory: the kernel's speed for auto.
    assert kernel_wanted(precision, in_memory=False) is files
    assert kernel_wanted(precision, in_memory=True) is memory


@pytest.mark.parametrize("precision, dtype", [
    ("auto", torch.float32), ("fp32", torch.float32), ("bf16", torch.bfloat16), ("fast", torch.bfloat16)])
def test_cpu_hidden_dtypes(precision, dtype):
    assert hidden_dtype(precision, torch.device("cpu")) is dtype


def test_scenes_for_files_keep_the_kernel_off_unless_asked():
    assert build_scene(tiny_preset(), "cpu").net.use_kernel is False
    assert build_scene(tiny_preset(), "cpu", in_memory=True).net.use_kernel is True
    assert build_scene(tiny_preset(net={"precision": "fast"}), "cpu").net.use_kernel is True
    assert build_scene(tiny_preset(net={"precision": "fp32"}), "cpu", in_memory=True).net.use_kernel is False
