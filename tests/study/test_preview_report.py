"""--frames-range equals the slice of the full render, --preview keeps the timing, --report measures motion."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.clip import parse_frames_range, preview_size
from cppn_motion.cli.main import main
from cppn_motion.errors import UserError
from cppn_motion.study.motion_report import MotionMeter

SMALL = ["--size", "32x18", "--set", "net.depth=3", "--set", "net.width=8", "--quiet"]


def gif_frames(path) -> list[np.ndarray]:
    frames = []
    with Image.open(path) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
    return frames


def gif_duration_ms(path) -> int:
    total = 0
    with Image.open(path) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            total += gif.info["duration"]
    return total


def test_frames_range_equals_the_slice_of_the_full_render(tmp_path):
    preset = tiny_preset(net={"depth": 3, "width": 8}, timeline={"frames": 8, "weights": {"mode": "perturb"}})
    full = cm.render_array(preset, device="cpu")
    np.testing.assert_array_equal(cm.render_array(preset, device="cpu", indices=range(3, 7)), full[3:7])
    # At 12 fps (under output.gif_max_fps) a GIF holds every frame; tests/rendering/test_gif_frames.py
    # has the parts of a thinned one.
    args = ["render", "default", *SMALL, "--frames", "8", "--fps", "12"]
    assert main([*args, "-o", str(tmp_path / "full.gif")]) == 0
    assert main([*args, "--frames-range", "3:7", "-o", str(tmp_path / "part.gif")]) == 0
    whole, part = gif_frames(tmp_path / "full.gif"), gif_frames(tmp_path / "part.gif")
    assert len(part) == 4
    for got, expected in zip(part, whole[3:7]):
        np.testing.assert_array_equal(got, expected)


def test_frames_range_parsing():
    assert parse_frames_range("30:60", 120) == range(30, 60)
    assert parse_frames_range(":10", 120) == range(0, 10)
    assert parse_frames_range("100:", 120) == range(100, 120)
    with pytest.raises(UserError, match=r"--frames-range: need 0 <= A < B <= 120 \(the clip's frames\); got '50:200'"):
        parse_frames_range("50:200", 120)
    with pytest.raises(UserError, match=r"--frames-range: expected A:B"):
        parse_frames_range("50", 120)


def test_preview_is_quarter_size_every_fourth_frame_same_duration(tmp_path):
    args = ["render", "default", "--size", "64x36", "--set", "net.depth=3", "--frames", "16", "--fps", "8", "--quiet"]
    assert main([*args, "--preview", "-o", str(tmp_path / "p.gif")]) == 0
    assert main([*args, "-o", str(tmp_path / "f.gif")]) == 0
    preview = gif_frames(tmp_path / "p.gif")
    assert len(preview) == 4 and preview[0].shape == (8, 16, 3)  # 36/4 = 9, kept even
    assert gif_duration_ms(tmp_path / "p.gif") == gif_duration_ms(tmp_path / "f.gif") == 2000
    assert preview_size(1920, 1080) == (480, 270) and preview_size(6, 6) == (2, 2)


def test_motion_meter_steps_seam_and_warnings():
    still = np.zeros((4, 4, 3), np.uint8)
    frames = [still + level for level in (0, 10, 20, 30, 40, 50, 60, 60, 60, 60, 60, 60, 160)]
    meter = MotionMeter()
    meter.update(np.stack(frames[:5]))
    meter.update(np.stack(frames[5:]))
    report = meter.report(loop=True)
    np.testing.assert_allclose(report.steps, [10] * 6 + [0] * 5 + [100])
    assert report.seam == 160 and report.median == 10
    text = "\n".join(report.warnings)
    assert "jump at frame 11 -> 12: 100.00 levels, 10.0x the median" in text
    assert "the loop seam (last frame -> first) jumps: 160.00 levels, 16.0x the median" in text
    assert "dead stretch: frames 6-11" in text


def test_render_report_prints_the_summary(tmp_path, capsys):
    assert main(["render", "default", *SMALL, "--frames", "12", "--report", "-o", str(tmp_path / "r.gif")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("motion: change per frame in 8-bit levels: min ")
    assert "x median)" in out and "no jumps or dead stretches" in out


def test_clip_only_flags_refuse_a_png(tmp_path, capsys):
    assert main(["render", "default", *SMALL, "--preview", "-o", str(tmp_path / "a.png")]) == 2
    assert "--preview, --frames-range and --report are for clips (.mp4, .gif); got a .png output" in capsys.readouterr().err
