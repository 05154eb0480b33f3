"""The plain-script baseline and the whole-process comparison (never timed here: timings belong in
the benchmark)."""
from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest

import cppn_motion as cm
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study import bench_process
from cppn_motion.study.bench_process import PEER_SCRIPT, Case, compare, format_process_table
from cppn_motion.study.complexity import mean_gradient


def _load_plain():
    spec = importlib.util.spec_from_file_location("peer_plain", PEER_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _plain(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PEER_SCRIPT), *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def test_plain_script_renders_the_same_picture_family_as_the_default_preset(tmp_path):
    # Same workload: the default preset's layers are the plain script's (x, y, r + 8 latent ->
    # 8 x 32 tanh -> 3) plus the loop's time input (sin, cos), which per frame is only a bias ...
    scene = build_scene(cm.load_preset("default", {"canvas.width": 160, "canvas.height": 90}), "cpu")
    spec = scene.net.spec
    assert (spec.coord_features, spec.frame_features, spec.depth, spec.width, spec.activation) == \
        (3, 8 + 2, 8, 32, "tanh")
    assert spec.out_channels in (1, 3)  # rgb, or one output through a palette: the head is a sliver
    plain = _load_plain().CPPN()
    assert [tuple(layer.weight.shape[::-1]) for layer in plain.net if hasattr(layer, "weight")] == \
        [(11, 32)] + [(32, 32)] * 7 + [(32, 3)]
    # ... and a picture of the same kind (busy but smooth), so x264 gets comparable work.
    gradients = []
    for seed in (1, 2, 3):
        done = _plain(tmp_path, "-o", f"plain{seed}.png", "--size", "160x90", "--seed", str(seed))
        assert done.returncode == 0, done.stderr
        frame = imageio.imread(tmp_path / f"plain{seed}.png")
        assert frame.shape == (90, 160, 3) and frame.dtype == np.uint8
        assert frame.std() > 10, "a flat plain frame would flatter the baseline's encoder"
        gradients.append(mean_gradient(frame))
    ours = mean_gradient(cm.render_still(cm.load_preset("default", {"canvas.width": 160, "canvas.height": 90}),
                                         device="cpu"))
    assert 0.4 < np.mean(gradients) / ours < 2.5, (gradients, ours)


def test_plain_script_writes_every_frame_of_a_looping_clip(tmp_path):
    done = _plain(tmp_path, "-o", "plain.mp4", "--size", "64x48", "--frames", "6", "--fps", "12")
    assert done.returncode == 0, done.stderr
    frames = [frame for frame in imageio.get_reader(tmp_path / "plain.mp4")]
    assert len(frames) == 6
    assert frames[0].shape == (48, 64, 3)
    steps = [np.abs(frames[i + 1].astype(int) - frames[i].astype(int)).mean() for i in range(5)]
    assert min(steps) > 0.1, "the latent walk should move the picture every frame"


def test_compare_times_both_commands_in_turns_and_takes_the_median_pair():
    calls = []
    seconds = {"ours": iter([2.0, 9.0, 3.0]), "plain": iter([8.0, 7.0, 30.0])}

    def fake_run(command):
        who = "plain" if str(PEER_SCRIPT) in command else "ours"
        calls.append(who)
        return next(seconds[who])

    row = compare(Case("mp4-6", 64, 36, 6), repeats=3, precision="fast", run=fake_run)
    assert calls == ["ours", "plain"] * 3
    assert (row.ours_s, row.plain_s) == (3.0, 8.0)
    # The ratio is the median of the pairs (4, 0.78, 10), not 8 / 3: a slow run of either
    # command moves its own pair only.
    assert row.pair_ratios == pytest.approx([4.0, 7 / 9, 10.0])
    assert row.ratio == pytest.approx(4.0)
    table = format_process_table([row])
    assert "| mp4-6 | 64x36 | 6 | 3.00 | 2.00 | 8.00 | 0.75 | **4.00x** | 0.78-10.00x of 3 |" in table


def test_commands_are_what_a_user_types(tmp_path):
    clip, still = bench_process.CASES["mp4-150"], bench_process.CASES["still-1080p"]
    ours = bench_process.ours_command(clip, tmp_path, "fast")
    assert ours[1:5] == ["-m", "cppn_motion", "render", "default"]
    assert ours[ours.index("--frames") + 1] == "150" and ours[-2:] == ["--set", "net.precision=fast"]
    assert bench_process.ours_command(still, tmp_path)[3:4] == ["still"]
    plain = bench_process.plain_command(still, tmp_path)
    assert plain[1] == str(PEER_SCRIPT) and "--frames" not in plain and plain[-1].endswith(".png")


def test_a_failing_command_says_what_failed():
    with pytest.raises(RuntimeError, match="exit 3"):
        bench_process.run_once([sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"])


def test_plain_script_imports_nothing_from_cppn_motion():
    tree = ast.parse(PEER_SCRIPT.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"argparse", "math", "imageio", "numpy", "torch"}
