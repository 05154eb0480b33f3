"""Quality levels, WebM, PNG sequences and the dull-output guard."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.main import main
from cppn_motion.errors import UserError
from cppn_motion.rendering.dull import DullnessCheck
from cppn_motion.rendering.output import encoder_options
from cppn_motion.study.contact_sheet import parse_seeds
from cppn_motion.study.reroll import pick_seed


@pytest.mark.parametrize("level, pix_fmt", [("draft", "yuv420p"), ("high", "yuv444p"),
                                            ("archival", "yuv444p10le")])
def test_quality_levels_set_crf_speed_and_pixel_format(level, pix_fmt) -> None:
    options = encoder_options(tiny_preset(output={"quality": level, "crf": 40}))
    assert options.pix_fmt == pix_fmt and options.crf != 40  # the level wins over the custom keys
    assert encoder_options(tiny_preset(output={"crf": 40})).crf == 40


def test_png_sequence_writes_every_frame_and_one_sidecar(tmp_path) -> None:
    path = cm.render(tiny_preset(), tmp_path / "frames" / "f_%04d.png", device="cpu")
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == ["f_%04d.png.yaml"] + [f"f_{i:04d}.png" for i in range(6)]
    clip = cm.render_array(tiny_preset(), device="cpu")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "frames" / "f_0003.png")), clip[3])  # lossless
    assert str(path).endswith("f_%04d.png")


def test_a_png_sequence_of_a_frames_range_is_numbered_by_frame_in_the_clip(tmp_path) -> None:
    folder = tmp_path / "frames"
    args = ["render", "default", "--size", "32x18", "--set", "timeline.frames=6", "--quiet", "-o", str(folder / "f_%04d.png")]
    assert main([*args, "--frames-range", "0:2"]) == 0
    assert main([*args, "--frames-range", "2:6"]) == 0  # the second half lands beside the first
    assert sorted(p.name for p in folder.glob("f_*.png")) == [f"f_{i:04d}.png" for i in range(6)]
    clip = cm.render_array(cm.load_preset("default", {"canvas.width": 32, "canvas.height": 18, "timeline.frames": 6}),
                           device="cpu")
    for i in range(6):
        assert np.array_equal(np.asarray(Image.open(folder / f"f_{i:04d}.png")), clip[i])


def test_the_guard_names_flat_and_saturated_frames_with_a_hint() -> None:
    check = DullnessCheck()
    check.observe(np.full((2, 20, 20, 3), 128, np.uint8))
    assert "flat colour" in check.warnings()[0]
    check = DullnessCheck()
    blocks = np.random.default_rng(0).integers(0, 2, (1, 40, 40, 1)) * 255  # pure black/white only
    check.observe(blocks.astype(np.uint8).repeat(3, -1))
    preset = tiny_preset(colour={"normalize": False})
    message = check.warnings(preset)[0]
    assert "saturated" in message and "--set colour.contrast=0.4 (now 1.6)" in message and "colour.normalize=true" in message
    lively = DullnessCheck()
    lively.observe(cm.render_array(tiny_preset(), device="cpu"))
    assert lively.warnings() == []


def test_a_blank_render_warns_once_through_the_cli(tmp_path, capsys) -> None:
    argv = ["render", "-o", str(tmp_path / "x.gif"), "--size", "32x18", "--set", "timeline.frames=2",
            "--set", "colour.normalize=false", "--set", "net.init.gain=0.001", "--set", "net.init.bias_std=0",
            "--set", "colour.contrast=0.01", "--quiet"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("note: the frames are nearly one flat colour") == 1


def test_reroll_keeps_the_most_varied_seed() -> None:
    result = pick_seed(tiny_preset(seed=3), 3, device="cpu")
    assert set(result.scores) == {3, 4, 5}
    assert result.scores[result.seed] == max(result.scores.values())
    assert f"chose seed {result.seed}" in result.summary()


def test_contact_sheet_of_seeds(tmp_path) -> None:
    out = tmp_path / "sheet.png"
    assert main(["still", "--seeds", "1-4", "--size", "20x12", "-o", str(out), "--quiet"]) == 0
    sheet = np.asarray(Image.open(out))
    assert sheet.shape[1] > 40 and sheet.shape[0] > 24  # a 2 x 2 grid with labels
    assert parse_seeds("1-3,7") == [1, 2, 3, 7]
    with pytest.raises(UserError, match=r"--seeds: expected seeds such as 1-16 .*got '3-1'"):
        parse_seeds("3-1")


def test_an_interrupted_png_sequence_leaves_no_frames(tmp_path) -> None:
    from cppn_motion.encoders import open_writer

    with pytest.raises(RuntimeError):
        with open_writer(tmp_path / "seq" / "f_%03d.png", fps=10, size=(32, 18)) as writer:
            writer.write(cm.render_array(tiny_preset(), device="cpu")[:3])
            raise RuntimeError("interrupted")
    assert not (tmp_path / "seq").exists()  # the folder it made for them goes too
