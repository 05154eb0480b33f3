"""Every fast path equals the reference path within a stated tolerance (never timed)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion.cli.main import main
from cppn_motion.nets import conv_cpu, cpu_layers
from cppn_motion.nets import mlp as mlp_module
from cppn_motion.nets.spatial_norm import fold_into_conv
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study import bench, bench_baseline

# fp32 fast path vs the whole-frame nn.Linear reference: only summation order differs, but deep
# sin/leaky nets amplify 1-ulp differences ~100x; raw outputs have std ~1, so 2e-3 is << 1 uint8 code.
FP32_ATOL = 2e-3
ACTIVATIONS = ["tanh", "sin", "relu", "sigmoid", "gaussian", "leaky_relu", "softsign", "mixed"]


def _scene(width: int = 48, height: int = 30, **net):
    preset = tiny_preset(canvas={"width": width, "height": height}, net=net)
    return build_scene(preset, "cpu")


@pytest.mark.parametrize("onednn", [True, False], ids=["onednn-fused", "torch-ops"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_chunked_fp32_equals_whole_frame_reference(activation, onednn, monkeypatch):
    # Small chunks and a low worker threshold force many chunks across the worker pool.
    monkeypatch.setattr(mlp_module, "ROWS_PER_CHUNK", 512)
    monkeypatch.setattr(mlp_module, "MIN_ROWS_FOR_WORKERS", 1)
    if not onednn:  # tanh then runs as folded sigmoids, the rest as matmul + activation
        monkeypatch.setattr(cpu_layers, "onednn_linear_available", lambda: False)
    scene = _scene(activation=activation)
    reference = bench_baseline.BaselineMLP(scene)
    phases = scene.timeline.phases([0, 2, 4])
    fast = scene.raw_at(phases)
    for row, index in enumerate([0, 2, 4]):
        torch.testing.assert_close(fast[row], reference.raw_frame(index), atol=FP32_ATOL, rtol=1e-3)


def test_worker_pool_equals_single_thread_with_per_frame_weights(monkeypatch):
    preset = tiny_preset(canvas={"width": 40, "height": 24},
                         timeline={"frames": 6, "fps": 12, "weights": {"mode": "perturb", "amplitude": 0.3}})
    scene = build_scene(preset, "cpu")
    phases = scene.timeline.phases([0, 1, 3])
    monkeypatch.setattr(mlp_module, "MIN_ROWS_FOR_WORKERS", 10**12)
    single = scene.raw_at(phases)
    monkeypatch.setattr(mlp_module, "ROWS_PER_CHUNK", 256)
    monkeypatch.setattr(mlp_module, "MIN_ROWS_FOR_WORKERS", 1)
    torch.testing.assert_close(scene.raw_at(phases), single, atol=FP32_ATOL, rtol=1e-3)


def _reference_raw(scene, index: int, weights) -> torch.Tensor:
    """Plain per-frame layers: concatenated inputs, matmul, bias, the activation module."""
    inputs = scene.timeline.inputs_at(scene.timeline.phases([index]))
    h = torch.cat([scene.coords, inputs.frame_features[0].expand(scene.coords.shape[0], -1)], dim=1)
    for layer in range(len(weights) // 2):
        h = h @ weights[2 * layer][0] + weights[2 * layer + 1][0]
        if layer < scene.net.spec.depth:
            h = scene.net.activations[layer](h)
    return h


@pytest.mark.parametrize("depth", [1, 2, 6])
@pytest.mark.parametrize("onednn", [True, False], ids=["onednn-fused", "torch-ops"])
def test_tanh_rewrites_equal_plain_tanh_layers(depth, onednn, monkeypatch):
    """tanh runs as sigmoid with the affine folded into the next layer (and, with oneDNN, fused
    into the matmul): the function must stay the plain tanh net's, for every depth."""
    if not onednn:
        monkeypatch.setattr(cpu_layers, "onednn_linear_available", lambda: False)
    scene = _scene(activation="tanh", depth=depth)
    weights = [w.unsqueeze(0) for w in scene.net.base_weights]
    fast = scene.raw_at(scene.timeline.phases([3]))[0]
    torch.testing.assert_close(fast, _reference_raw(scene, 3, weights), atol=FP32_ATOL, rtol=1e-3)


def test_tanh_rewrite_with_per_frame_weights_equals_plain_layers():
    """Weight morphs hand every frame its own weights: no oneDNN linear, the sigmoid fold per frame."""
    preset = tiny_preset(canvas={"width": 40, "height": 24}, net={"activation": "tanh"},
                         timeline={"frames": 6, "fps": 12, "weights": {"mode": "perturb", "amplitude": 0.3}})
    scene = build_scene(preset, "cpu")
    indices = [0, 2, 5]
    phases = scene.timeline.phases(indices)
    frame_weights = scene.timeline.weights(phases)
    fast = scene.raw_at(phases)
    for row, index in enumerate(indices):
        own = [w[row:row + 1] if w.shape[0] > 1 else w for w in frame_weights]
        torch.testing.assert_close(fast[row], _reference_raw(scene, index, own), atol=FP32_ATOL, rtol=1e-3)


def test_onednn_probe_finds_the_fused_linear_on_this_torch():
    """CI's torch has oneDNN: if the private op moved, say so here rather than silently slowing down."""
    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    assert cpu_layers.onednn_linear_available()


def test_depth_truncation_keeps_the_head():
    scene = _scene(depth=4)
    net, weights = scene.net, scene.timeline.weights(torch.zeros(1))
    inputs = scene.timeline.inputs_at(scene.timeline.phases([1]))
    shallow = net(scene.coords, inputs.frame_features, weights, (30, 48), depth=2)
    features = torch.cat([scene.coords, inputs.frame_features[0].expand(scene.coords.shape[0], -1)], dim=1)
    h = features
    for layer in range(2):
        h = net.activations[layer](h @ weights[2 * layer][0] + weights[2 * layer + 1][0])
    expected = h @ weights[-2][0] + weights[-1][0]
    torch.testing.assert_close(shallow[0], expected, atol=FP32_ATOL, rtol=1e-3)
    assert not torch.allclose(shallow, net(scene.coords, inputs.frame_features, weights, (30, 48)))


def test_bf16_is_opt_in_and_close_for_tanh():
    """bf16 hidden layers drift through 8 chaotic layers (bench/RESULTS.md): the default stays fp32,
    and bf16's stated preview tolerance for tanh is a mean error under 3 codes."""
    scene = _scene(width=64, height=36)
    phases = scene.timeline.phases([0, 3])
    assert scene.net.precision == "auto"
    reference = scene.render_phases(phases).numpy().astype(int)
    scene.net.precision = "bf16"
    rough = scene.render_phases(phases).numpy().astype(int)
    assert np.abs(rough - reference).mean() < 3.0


def test_preset_precision_reaches_the_net():
    assert _scene().net.precision == "auto"
    assert _scene(precision="bf16").net.precision == "bf16"
    assert build_scene(tiny_preset(net={"precision": "fp32"}), "cpu").net.precision == "fp32"


def test_unknown_precision_is_one_line_error():
    scene = _scene()
    scene.net.precision = "fp8"
    with pytest.raises(Exception, match="precision must be one of auto, fp32, bf16, fast; got 'fp8'"):
        scene.render_phases(scene.timeline.phases([0]))


def test_bench_runs_a_tiny_workload_and_skips_unknown_architectures():
    settings = bench.Settings(frames=2, baseline_frames=1, repeats=1, x264_preset="ultrafast")
    rows = bench.run_workload(bench.Workload("tiny", 32, 18), settings)
    assert [row.stage for row in rows] == ["net", "render uint8", "mp4 file", "gif file"]
    assert all(row.ours_fps > 0 and row.baseline_fps > 0 for row in rows)
    skipped = bench.run_workload(bench.Workload("other", 32, 18, arch="no_such_arch"), settings)
    assert "not registered" in skipped[0].note
    assert "| tiny | net |" in bench.format_table(rows)


def test_baseline_frame_equals_our_render():
    scene = _scene()
    ours = scene.render_phases(scene.timeline.phases([2]))[0].numpy().astype(int)
    theirs = bench_baseline.BaselineMLP(scene).frame(2).astype(int)
    assert np.abs(ours - theirs).max() <= 1


# Small conv nets at 32x18: design_size 18 evaluates at density 1, 9 at density 2 (dilated
# kernels), 12 on a resampled grid with the output resized to the frame.
CONV_CASES = {
    "clip-density1": {"design_size": 18},
    "clip-density2": {"design_size": 9},
    "clip-resampled": {"design_size": 12},
    "frame-stats": {"design_size": 18, "norm": {"stats": "frame"}},
    "mixed": {"design_size": 18, "activation": "mixed"},
    "maxout-sin": {"design_size": 18, "maxout": True, "activation": "sin"},
    "deep-tanh": {"design_size": 18, "depth": 10, "width": 16},
}


def _conv_scene(timeline: dict | None = None, **net):
    preset = tiny_preset(net={"arch": "conv", "depth": 3, "width": 8, **net}, latent={"dim": 2},
                         **({"timeline": timeline} if timeline else {}))
    return build_scene(preset, "cpu")


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_baseline_equals_our_render(case):
    """The plain one-frame conv baseline is the same network as ours: raw outputs (std ~2-3)
    within fp32 summation-order noise (FP32_ATOL), uint8 frames within 1 code."""
    scene = _conv_scene(**CONV_CASES[case])
    baseline = bench_baseline.BaselineConv(scene)
    ours_raw = scene.raw_at(scene.timeline.phases([2]))[0]
    torch.testing.assert_close(baseline.raw_frame(2), ours_raw, atol=FP32_ATOL, rtol=1e-3)
    ours = scene.render_phases(scene.timeline.phases([2]))[0].numpy().astype(int)
    assert np.abs(ours - baseline.frame(2).astype(int)).max() <= 1


def test_conv_workloads_get_a_baseline_only_for_plain_conv_layouts():
    settings = bench.Settings(frames=2, baseline_frames=1, repeats=1, stages=("net", "render"))
    small = {"net.depth": 2, "net.width": 8, "net.design_size": 18}
    rows = bench.run_workload(bench.Workload("tiny-conv", 32, 18, small, arch="conv"), settings)
    assert [row.stage for row in rows] == ["net", "render uint8"]
    assert all(row.ours_fps > 0 and row.baseline_fps > 0 and row.ratio > 0 for row in rows)
    vgg = bench.run_workload(bench.Workload("tiny-vgg", 32, 18, small, arch="vgg"), settings)
    assert all(row.ours_fps > 0 and row.baseline_fps is None for row in vgg)
    assert "| tiny-vgg | net |" in bench.format_table(vgg) and "| - | - |" in bench.format_table(vgg)


CONV_ACTIVATIONS = ["tanh", "sigmoid", "relu", "gelu", "leaky_relu", "sin", "gaussian", "mixed"]


@pytest.mark.parametrize("onednn", [True, False], ids=["onednn-fused", "torch-ops"])
@pytest.mark.parametrize("activation", CONV_ACTIVATIONS)
def test_conv_fast_path_equals_plain_layers_per_activation(activation, onednn, monkeypatch):
    """Frozen statistics folded into the weights, channels-last, the activation fused by oneDNN
    (or in place): the plain baseline's function within FP32_ATOL, at density 1 and 2."""
    if not onednn:
        monkeypatch.setattr(conv_cpu, "onednn_conv_available", lambda: False)
    for design_size in (18, 9):
        scene = _conv_scene(activation=activation, design_size=design_size, depth=4)
        fast = scene.raw_at(scene.timeline.phases([1, 4]))
        baseline = bench_baseline.BaselineConv(scene)
        for row, index in enumerate([1, 4]):
            torch.testing.assert_close(fast[row], baseline.raw_frame(index), atol=FP32_ATOL, rtol=1e-3)


@pytest.mark.parametrize("stats", ["clip", "frame"])
def test_conv_per_frame_weights_fold_per_frame(stats):
    """Weight morphs give every frame its own weights and shifts: grouped convs with the frozen
    statistics folded into each frame's set (or per-frame statistics), equal to plain layers."""
    scene = _conv_scene(design_size=18, norm={"stats": stats},
                        timeline={"frames": 6, "fps": 12, "weights": {"mode": "perturb", "amplitude": 0.3}})
    indices = [0, 2, 5]
    assert scene.timeline.weights(scene.timeline.phases(indices))[0].shape[0] == 3
    fast = scene.raw_at(scene.timeline.phases(indices))
    baseline = bench_baseline.BaselineConv(scene)
    for row, index in enumerate(indices):
        torch.testing.assert_close(fast[row], baseline.raw_frame(index), atol=FP32_ATOL, rtol=1e-3)


def test_frozen_normalisation_folds_into_the_conv():
    """(conv(h, W) + b - mean) * scale / std + shift == conv(h, W'), b') for shared and per-frame sets."""
    generator = torch.Generator().manual_seed(0)
    h = torch.randn(3, 4, 9, 9, generator=generator)
    weight, bias = torch.randn(1, 5, 4, 3, 3, generator=generator), torch.randn(1, 5, generator=generator)
    mean, std = torch.randn(1, 5, 1, 1, generator=generator), torch.rand(1, 5, 1, 1, generator=generator) + 0.1
    shift = torch.randn(3, 5, generator=generator)  # per frame: the folded weights follow it
    plain = ((torch.nn.functional.conv2d(h, weight[0], bias[0]) - mean) * (3.0 / std) + shift[:, :, None, None])
    folded_weight, folded_bias = fold_into_conv(weight, bias, mean, std, 3.0, shift)
    assert folded_weight.shape[0] == folded_bias.shape[0] == 3
    for frame in range(3):
        got = torch.nn.functional.conv2d(h[frame:frame + 1], folded_weight[frame], folded_bias[frame])
        torch.testing.assert_close(got[0], plain[frame], atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("activation", sorted(conv_cpu.ONEDNN_CONV_POST_OPS))
def test_fused_conv_equals_conv_then_activation(activation):
    """oneDNN's conv + post-op against F.conv2d + the registry's activation, dilated, channels-last."""
    if not conv_cpu.onednn_conv_available():
        pytest.skip("this torch build has no oneDNN fused convolution")
    from cppn_motion.nets.activations import ACTIVATIONS

    generator = torch.Generator().manual_seed(1)
    h = conv_cpu.channels_last_on_cpu(torch.randn(2, 6, 12, 14, generator=generator))
    weight, bias = torch.randn(1, 7, 6, 3, 3, generator=generator), torch.randn(1, 7, generator=generator)
    fused = conv_cpu.fused_conv(h, weight, bias, 2, activation)
    plain = ACTIVATIONS.get(activation)(torch.nn.functional.conv2d(h, weight[0], bias[0], dilation=2))
    torch.testing.assert_close(fused, plain, atol=1e-5, rtol=1e-5)
    assert conv_cpu.fused_conv(h, weight.expand(2, -1, -1, -1, -1), bias.expand(2, -1), 2, activation) is None
    assert conv_cpu.fused_conv(h, weight, bias, 2, "sin") is None


def test_onednn_probe_finds_the_fused_conv_on_this_torch():
    """CI's torch has oneDNN: if the private conv op moved, say so here rather than silently slowing down."""
    if not torch.backends.mkldnn.is_available():
        pytest.skip("this torch build has no oneDNN")
    assert conv_cpu.onednn_conv_available()


def test_bench_times_ours_and_the_baseline_in_turns():
    calls: list[str] = []
    medians = bench.alternating_medians([lambda: calls.append("ours"), lambda: calls.append("base")], 3)
    assert calls == ["ours", "base"] * 3 and len(medians) == 2


def test_bench_flag_errors_exit_2(capsys):
    assert main(["bench", "--workloads", "mlp8x32-360", "--quick"]) == 2
    assert "--workloads: unknown name 'mlp8x32-360'" in capsys.readouterr().err
    assert main(["bench", "--frames", "0"]) == 2
    assert "--frames: expected an integer >= 1; got 0" in capsys.readouterr().err


def test_tiled_render_equals_untiled(monkeypatch):
    import importlib

    render_module = importlib.import_module("cppn_motion.rendering.scene")  # the package's `render` is the API function

    scene = _scene(width=40, height=26)
    phases = scene.timeline.phases([0, 1, 5])
    whole = scene.render_phases(phases)
    monkeypatch.setattr(render_module, "TILE_PIXELS", 700)  # odd tile: the last tile is partial
    assert torch.equal(scene.render_phases(phases), whole)


def test_memory_entry_measures_a_child_process(capsys):
    assert bench.still_peak_rss(32, 18) > 10 * 2**20  # at least torch's own footprint
    assert main(["bench", "--memory", "8kx4k"]) == 2
    assert "--memory: expected WIDTHxHEIGHT" in capsys.readouterr().err
