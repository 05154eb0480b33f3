"""A GIF renders only the frames it keeps (output.gif_max_fps): the file is byte-identical to
thinning every rendered frame in the writer, a --frames-range part keeps the whole GIF's frames
with the whole's delays, and other formats still render every frame."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.main import main
from cppn_motion.encoders import EncoderOptions, GifTiming, open_writer
from cppn_motion.encoders.gif import timed_delays_cs
from cppn_motion.encoders.provenance import sidecar_path
from cppn_motion.errors import UserError
from cppn_motion.rendering.hooks import Hooks
from cppn_motion.rendering.output import encoder_options, resolve_output

SMALL = ["--size", "32x18", "--set", "net.depth=3", "--set", "net.width=8", "--quiet"]


def clip_preset(frames: int = 8):
    # 30 fps: the default output.gif_max_fps 15 keeps one frame in every 2.
    return tiny_preset(net={"depth": 3, "width": 8}, timeline={"frames": frames, "fps": 30})


def decoded(path) -> tuple[list[np.ndarray], list[int]]:
    frames, delays = [], []
    with Image.open(path) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
            delays.append(gif.info["duration"])
    return frames, delays


def rendered_count(preset, path, **kwargs) -> int:
    counts: list[int] = []
    cm.render(preset, path, device="cpu", hooks=Hooks(progress=counts.append), **kwargs)
    return sum(counts)


def test_a_gif_renders_half_the_frames_and_is_byte_identical_to_thinning_in_the_writer(tmp_path):
    preset = clip_preset(7)
    path = tmp_path / "new.gif"
    assert rendered_count(preset, path) == 4  # frames 0, 2, 4, 6 of 7
    # Today's way: every frame rendered, the writer keeps every other one.
    old = tmp_path / "old.gif"
    with open_writer(old, fps=30, size=(32, 18), options=encoder_options(preset),
                     metadata=resolve_output(preset, path).metadata) as writer:
        writer.write(cm.render_array(preset, device="cpu"))
    assert path.read_bytes() == old.read_bytes()
    frames, delays = decoded(path)
    assert len(frames) == 4 and sum(delays) == 230  # the loop still lasts 7 frames at 30 fps
    assert "# the gif holds: 4 frames at 15 fps: one in every 2 frames of the 30 fps clip" in \
        sidecar_path(path).read_text()


@pytest.mark.parametrize("cut", [3, 4])
def test_frames_range_parts_put_together_are_the_whole_gif(tmp_path, cut):
    args = ["render", "default", *SMALL, "--frames", "7", "--fps", "30"]
    assert main([*args, "-o", str(tmp_path / "whole.gif")]) == 0
    assert main([*args, "--frames-range", f"0:{cut}", "-o", str(tmp_path / "a.gif")]) == 0
    assert main([*args, "--frames-range", f"{cut}:7", "-o", str(tmp_path / "b.gif")]) == 0
    whole, whole_delays = decoded(tmp_path / "whole.gif")
    (a, a_delays), (b, b_delays) = decoded(tmp_path / "a.gif"), decoded(tmp_path / "b.gif")
    assert len(whole) == 4 and len(a) + len(b) == 4  # clip frames 0, 2 | 4, 6 (the global cadence)
    for got, expected in zip(a + b, whole):
        np.testing.assert_array_equal(got, expected)
    assert a_delays + b_delays == whole_delays


def test_a_part_holding_no_kept_frame_is_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "none.gif"
    assert main(["render", "default", *SMALL, "--frames", "8", "--fps", "30", "--frames-range", "3:4",
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "frames 3:4: a GIF keeps one frame in every 2 of the 30 fps clip" in err
    assert "--set output.gif_max_fps=null" in err and not out.exists()


def test_other_formats_and_an_uncapped_gif_render_every_frame(tmp_path):
    preset = clip_preset(6)
    assert rendered_count(preset, tmp_path / "frames" / "f_%02d.png") == 6
    assert rendered_count(preset.with_overrides({"output.gif_max_fps": None}), tmp_path / "all.gif") == 6
    assert rendered_count(preset, tmp_path / "part.gif", indices=range(1, 6)) == 2  # frames 2, 4
    assert "the gif holds" not in sidecar_path(tmp_path / "all.gif").read_text()


def test_timing_places_runs_on_the_clip_grid_and_times_each_frame_as_in_the_whole():
    assert GifTiming.of(range(3, 7), 8) == GifTiming((3, 4, 5, 6), 8)
    assert GifTiming.of(range(0, 16, 4), 18) == GifTiming((0, 1, 2, 3), 5)  # a preview: every 4th
    assert GifTiming.of([1, 5, 9], 12) == GifTiming((0, 1, 2), 3)  # every 4th from 1
    assert GifTiming.of([0, 1, 5], 8) == GifTiming((0, 1, 2), 3)  # irregular: its own loop
    assert GifTiming.of(range(3, 7), 8).kept(2) == [1, 3]  # frames 4 and 6
    # Frame 6 of a 7-frame clip lasts to the loop's end, in the whole and in a part alike.
    assert timed_delays_cs([0, 2, 4, 6], 7, 30, 2) == [7, 6, 7, 3]
    assert timed_delays_cs([4, 6], 7, 30, 2) == [7, 3]


def test_a_writer_given_a_timing_refuses_extra_frames(tmp_path):
    options = EncoderOptions(gif_max_fps=15)
    writer = open_writer(tmp_path / "x.gif", fps=30, size=(4, 2), options=options,
                         gif_timing=GifTiming((0, 2), 4))
    with pytest.raises(ValueError, match="its timing places 2 frames; got more"):
        with writer:
            writer.write(np.zeros((3, 2, 4, 3), np.uint8))
    assert not (tmp_path / "x.gif").exists()
    with pytest.raises(UserError, match="hold none of them"):
        resolve_output(clip_preset(), tmp_path / "y.gif").frames_held([1])
