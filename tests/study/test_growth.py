"""Depth and width growth: truncated nets, the first frame is the 1-layer net's still, the CLI writes labels."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.main import main
from cppn_motion.motion.timeline import Timeline
from cppn_motion.nets import build_net
from cppn_motion.rendering.scene import build_scene, measure_calibration, net_spec
from cppn_motion.study.growth import growth_stages, iter_growth

NET = {"depth": 4, "width": 8}


def test_mlp_depth_argument_equals_a_shallower_net_with_the_same_layers():
    preset = tiny_preset(net=NET)
    scene = build_scene(preset, "cpu")
    inputs = scene.timeline.inputs_at(torch.tensor([0.0, 0.3], dtype=torch.float64))
    weights = inputs.weights
    for depth in (1, 2, 4):
        shallow = build_net(net_spec(preset.with_overrides({"net.depth": depth})))
        expected = shallow(scene.coords, inputs.frame_features, weights[:2 * depth] + weights[-2:], (18, 32))
        got = scene.net(scene.coords, inputs.frame_features, weights, (18, 32), depth=depth)
        torch.testing.assert_close(got, expected)
    with pytest.raises(ValueError, match="depth must be 1..4; got 5"):
        scene.net(scene.coords, inputs.frame_features, weights, (18, 32), depth=5)


def test_first_growth_frame_is_the_one_layer_nets_still():
    preset = tiny_preset(net=NET)
    scene = build_scene(preset, "cpu")
    first, label = next(iter_growth(scene, "depth", hold=1, method="independent"))
    assert label == "depth 1/4"
    # A genuine 1-layer scene whose layer and head are the full net's first layer and head,
    # rendered and colour-calibrated the ordinary way.
    shallow_preset = preset.with_overrides({"net.depth": 1})
    shallow = build_scene(shallow_preset, "cpu")
    full = scene.net.base_weights
    shallow.net.base_weights = full[:2] + full[-2:]
    shallow.timeline = Timeline(shallow_preset, shallow.net, "cpu")
    shallow.calibration = measure_calibration(shallow)
    expected = shallow.render_phases(torch.zeros(1, dtype=torch.float64))[0].numpy()
    assert np.abs(first.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.parametrize("mode", ["depth", "width"])
def test_independent_growth_ends_on_the_full_nets_still_and_blends_between(mode):
    preset = tiny_preset(net={"depth": 3, "width": 4})
    scene = build_scene(preset, "cpu")
    frames = list(iter_growth(scene, mode, hold=2, blend=3, method="independent"))
    stages = len(growth_stages(scene, mode))
    assert len(frames) == stages * 2 + (stages - 1) * 3
    np.testing.assert_array_equal(frames[-1][0], cm.render_still(preset, device="cpu"))
    assert np.abs(frames[0][0].astype(int) - frames[-1][0].astype(int)).mean() > 3
    assert frames[-1][1] == ("depth 3/3" if mode == "depth" else "width 4/4")


def test_grow_command_writes_labelled_stages(tmp_path):
    out = tmp_path / "grow.gif"
    args = ["grow", "default", "--size", "48x32", "--set", "net.depth=3", "--hold", "1", "--blend", "1", "--quiet"]
    assert main([*args, "-o", str(out)]) == 0
    assert main([*args, "--no-label", "-o", str(tmp_path / "plain.gif")]) == 0
    with Image.open(out) as labelled, Image.open(tmp_path / "plain.gif") as plain:
        assert labelled.n_frames == 5
        assert np.asarray(labelled.convert("RGB"))[:10, :24].tolist() != np.asarray(plain.convert("RGB"))[:10, :24].tolist()


def test_grow_rejects_a_bad_flag_in_one_line(tmp_path, capsys):
    assert main(["grow", "--hold", "0", "-o", str(tmp_path / "g.gif")]) == 2
    assert "--hold: expected a whole number >= 1; got '0'" in capsys.readouterr().err
    assert not (tmp_path / "g.gif").exists()


def test_grow_records_its_preset_and_flags_like_render_and_its_sidecar_makes_it_again(tmp_path, capsys):
    from cppn_motion.encoders.provenance import read_recorded

    out = tmp_path / "grow.gif"
    args = ["--size", "48x32", "--set", "net.depth=2", "--hold", "1", "--blend", "1", "--quiet"]
    assert main(["grow", "default", *args, "-o", str(out)]) == 0
    recorded = read_recorded(out)  # embedded in the GIF, as render's outputs are
    assert recorded.command == "grow --mode depth --method readout --hold 1 --blend 1 --time 0.0 --calibration stage"
    sidecar = tmp_path / "grow.gif.yaml"
    assert "# made with: cppn-motion grow <this file> --mode depth" in sidecar.read_text()
    assert main(["grow", str(sidecar), "--hold", "1", "--blend", "1", "--quiet", "-o", str(tmp_path / "again.gif")]) == 0
    assert (tmp_path / "again.gif").read_bytes() == out.read_bytes()
    # render --from would make a plain clip, not the growth: one line saying what to run instead.
    assert main(["render", "--from", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"make it again with: cppn-motion grow {sidecar} --mode depth" in err
