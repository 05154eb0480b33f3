"""Rendering in segments: planning frame ranges, --shard + join, and --resume after an interruption."""
from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.main import main
from cppn_motion.errors import UserError
from cppn_motion.rendering.scene import Scene
from cppn_motion.scale.plan import (
    assign_contiguous,
    checkpoint_path,
    parse_shard,
    shard_path,
    split_frames,
    work_folder,
)
from cppn_motion.scale.resumable import render_resumable, render_shard
from cppn_motion.scale.segment_files import (
    SEGMENT_TAG,
    count_frames,
    join_segments,
    read_metadata,
)

# Big enough for H.264 to be judged fairly, small enough to encode in milliseconds.
# crf 10 and yuv444p (no chroma subsampling, which alone costs ~10 dB on busy 64x36 frames) keep the codec error well below the frame-to-frame change, so a frame out of
# place (a seam dropping or repeating one) cannot hide inside the tolerance.
# A shallow, narrow net: the colour calibration alone costs seconds with the default net on
# a busy 2-core machine, and these tests are about frames and files, not about the net.
NET = {"depth": 2, "width": 8}
SMALL = {"net": NET, "canvas": {"width": 64, "height": 36}, "timeline": {"frames": 10, "fps": 12}, "output": {"crf": 10, "pix_fmt": "yuv444p"}}
MIN_PSNR = 36.0


def tiny(**sections):
    return tiny_preset(net=NET, **sections)


def small_preset(**sections):
    merged = {key: dict(value) for key, value in SMALL.items()}
    for key, value in sections.items():
        merged.setdefault(key, {}).update(value)
    return tiny_preset(**merged)


def decode(path: Path) -> np.ndarray:
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    return np.stack([np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader])


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255**2 / max(mse, 1e-12)))


def assert_same_clip(decoded: np.ndarray, source: np.ndarray) -> None:
    """Same frame count, and each decoded frame is its own source frame within codec tolerance
    and closer to it than to any other frame (no frame dropped, repeated or swapped at a seam)."""
    assert decoded.shape == source.shape
    for index, frame in enumerate(decoded):
        scores = [psnr(frame, other) for other in source]
        assert scores[index] > MIN_PSNR, f"frame {index}: {scores[index]:.1f} dB"
        assert int(np.argmax(scores)) == index


# ---------------------------------------------------------------------------
# Planning


def test_split_frames_is_contiguous_balanced_and_never_empty():
    parts = split_frames(10, 4)
    assert [(p.start, p.stop) for p in parts] == [(0, 2), (2, 5), (5, 7), (7, 10)]
    assert all(p.count == 4 and p.total == 10 for p in parts)
    assert [(p.start, p.stop) for p in split_frames(3, 8)] == [(0, 1), (1, 2), (2, 3)]
    items = list(range(7))
    shares = [assign_contiguous(items, rank, 3) for rank in range(3)]
    assert shares == [[0, 1], [2, 3], [4, 5, 6]]


def test_segment_file_names():
    out = Path("renders/out.mp4")
    assert shard_path(out, 3, 8) == Path("renders/out.part-0003-of-0008.mp4")
    assert shard_path(Path("a.gif"), 0, 2) == Path("a.part-0000-of-0002.frames.npz")
    assert work_folder(out) == Path("renders/.out.mp4.parts")
    assert checkpoint_path(out, split_frames(100, 4)[1]) == Path("renders/.out.mp4.parts/frames-000025-000049.mp4")


@pytest.mark.parametrize("text", ["3", "8/8", "-1/4", "a/b", "2/0"])
def test_bad_shard_is_one_line_naming_the_flag(text):
    with pytest.raises(UserError, match=r"--shard: expected I/N with 0 <= I < N.*got"):
        parse_shard(text)
    assert parse_shard("3/8") == (3, 8)


# ---------------------------------------------------------------------------
# --shard + join


def test_shards_joined_equal_the_single_render(tmp_path):
    preset = small_preset()
    out = tmp_path / "clip.mp4"
    shards = [render_shard(preset, out, index, 3, device="cpu").path for index in range(3)]
    assert shards[1] == tmp_path / "clip.part-0001-of-0003.mp4"
    join_segments(list(reversed(shards)), out)  # order given does not matter
    single = cm.render(preset, tmp_path / "single.mp4", device="cpu")
    source = cm.render_array(preset, device="cpu")
    assert count_frames(out) == 10
    assert_same_clip(decode(out), source)
    assert_same_clip(decode(single), source)
    # The joined file says what a single render says (preset, software), not that it was a segment.
    assert read_metadata(out) == read_metadata(single)
    assert SEGMENT_TAG not in read_metadata(out)
    assert SEGMENT_TAG in read_metadata(shards[0])


TINY_FLAGS = ["--size", "32x18", "--set", "net.depth=2", "--set", "net.width=8", "--set", "timeline.frames=6", "--set", "timeline.fps=12", "--device", "cpu", "--quiet"]


def test_gif_shards_join_byte_identical_to_single_render(tmp_path):
    out = tmp_path / "clip.gif"
    for index in range(2):
        assert main(["render", "-o", str(out), "--shard", f"{index}/2", *TINY_FLAGS]) == 0
    parts = sorted(tmp_path.glob("clip.part-*.frames.npz"))
    assert len(parts) == 2
    assert main(["join", *map(str, parts), "-o", str(out), "--quiet", "--delete-segments"]) == 0
    assert not any(tmp_path.glob("clip.part-*"))
    assert main(["render", "-o", str(tmp_path / "single.gif"), *TINY_FLAGS]) == 0
    assert out.read_bytes() == (tmp_path / "single.gif").read_bytes()
    with Image.open(out) as gif:
        assert gif.n_frames == 6


def test_join_refuses_missing_foreign_or_incomplete_shards(tmp_path):
    preset = tiny()
    out = tmp_path / "clip.mp4"
    shards = [render_shard(preset, out, index, 3, device="cpu").path for index in range(3)]
    with pytest.raises(UserError, match=r"frames 2-3 of 6 are missing"):
        join_segments([shards[0], shards[2]], out)
    with pytest.raises(UserError, match=r"overlaps"):
        join_segments([shards[0], shards[1], shards[1], shards[2]], out)
    other = render_shard(tiny(seed=99), tmp_path / "other.mp4", 1, 3, device="cpu").path
    with pytest.raises(UserError, match=r"different preset or version"):
        join_segments([shards[0], other, shards[2]], out)
    with pytest.raises(UserError, match=r"not a cppn_motion segment"):
        join_segments([cm.render(preset, tmp_path / "plain.mp4", device="cpu")], out)
    with pytest.raises(UserError, match=r"-o must end in \.mp4"):
        join_segments(shards, tmp_path / "clip.gif")
    assert not out.exists()


def test_shard_flag_errors_exit_2_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "a.png"
    assert main(["render", "-o", str(out), "--shard", "0/2", "--size", "32x18", "--quiet"]) == 2
    assert "--shard: a .png still is one frame" in capsys.readouterr().err
    assert main(["render", "-o", str(tmp_path / "a.mp4"), "--shard", "1/1", "--quiet"]) == 2
    assert "--shard: expected I/N" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# --resume


class Interrupt(Exception):
    pass


def interrupt_after(frames: int):
    seen = [0]

    def progress(done: int) -> None:
        seen[0] += done
        if seen[0] >= frames:
            raise Interrupt

    return progress


def test_resume_after_interruption_renders_only_missing_segments_and_is_identical(tmp_path, monkeypatch):
    preset = small_preset()
    out = tmp_path / "clip.mp4"
    reference = render_resumable(preset, tmp_path / "reference.mp4", segments=5, device="cpu")
    assert len(reference.rendered) == 5 and not reference.reused
    assert not work_folder(tmp_path / "reference.mp4").exists()

    # Stop in the middle of the third segment (frames 4-5): two segments are finished.
    with pytest.raises(Interrupt):
        render_resumable(preset, out, segments=5, device="cpu", batch_size=1, progress=interrupt_after(5))
    assert not out.exists()
    finished = sorted(p.name for p in work_folder(out).iterdir() if not p.name.startswith("."))
    assert finished == ["frames-000000-000001.mp4", "frames-000002-000003.mp4"]

    rendered: list[int] = []
    original = Scene.render_indices
    monkeypatch.setattr(Scene, "render_indices",
                        lambda self, indices: rendered.extend(indices) or original(self, indices))
    resumed = render_resumable(preset, out, segments=5, device="cpu")
    assert [s.start for s in resumed.reused] == [0, 2]
    assert sorted(rendered) == list(range(4, 10))  # only the missing frames
    assert out.read_bytes() == (tmp_path / "reference.mp4").read_bytes()
    assert not work_folder(out).exists()
    assert_same_clip(decode(out), cm.render_array(preset, device="cpu"))


def test_resume_rerenders_a_damaged_or_foreign_segment(tmp_path):
    preset = tiny()
    out = tmp_path / "clip.mp4"
    with pytest.raises(Interrupt):
        render_resumable(preset, out, segments=3, device="cpu", batch_size=1, progress=interrupt_after(5))
    first, second = sorted(work_folder(out).glob("frames-*.mp4"))
    first.write_bytes(first.read_bytes()[:200])  # truncated, as by a full disk
    # A finished segment of another preset (seed) at the right name is not reused either.
    other = render_resumable(tiny(seed=5), tmp_path / "other.mp4", segments=3, device="cpu")
    assert other.path.exists()
    result = render_resumable(preset, out, segments=3, device="cpu")
    assert [s.start for s in result.reused] == [2]
    assert [s.start for s in result.rendered] == [0, 4]
    assert count_frames(out) == 6


def test_resume_cli_and_gif(tmp_path, capsys):
    out = tmp_path / "clip.gif"
    assert main(["render", "-o", str(out), *TINY_FLAGS[:-1], "--resume", "--segments", "3"]) == 0
    assert "wrote" in capsys.readouterr().err
    assert main(["render", "-o", str(tmp_path / "single.gif"), *TINY_FLAGS]) == 0
    # GIF segments keep exact frames, so a resumable GIF is the very same file.
    assert out.read_bytes() == (tmp_path / "single.gif").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif", "clip.gif.yaml", "single.gif", "single.gif.yaml"]
    assert (tmp_path / "clip.gif.yaml").read_text() == (tmp_path / "single.gif.yaml").read_text()


def test_a_one_segment_resumable_mp4_has_the_plain_renders_frames(tmp_path):
    # Segments go through the same frame pipeline as a plain render (dither included).
    import imageio_ffmpeg
    import numpy as np

    def frames(path):
        reader = imageio_ffmpeg.read_frames(str(path))
        next(reader)
        return np.stack([np.frombuffer(f, np.uint8) for f in reader])

    flags = ["--size", "32x18", "--set", "timeline.frames=4", "--device", "cpu", "--quiet"]
    assert main(["render", "-o", str(tmp_path / "plain.mp4"), *flags]) == 0
    assert main(["render", "-o", str(tmp_path / "seg.mp4"), "--resume", "--segments", "1", *flags]) == 0
    np.testing.assert_array_equal(frames(tmp_path / "plain.mp4"), frames(tmp_path / "seg.mp4"))


@pytest.mark.parametrize("flags", [["--resume"], ["--shard", "0/2"]])
def test_segmented_renders_run_the_plain_renders_memory_check(tmp_path, capsys, flags):
    """A GIF that cannot fit is refused before any segment is rendered, as a plain render refuses it."""
    out = tmp_path / "long.gif"
    args = ["render", "default", "--size", "1920x1080", "--frames", "900000", "-o", str(out), "--quiet", *flags]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "of memory" in err and "free on cpu" in err
    assert list(tmp_path.iterdir()) == []


def test_a_resumed_gif_reports_the_limits_the_gif_writer_applied(tmp_path, capsys):
    out = tmp_path / "small.gif"
    args = ["render", "default", "--size", "64x36", "--frames", "4", "--set", "output.gif_max_bytes=2000",
            "-o", str(out), "--quiet", "--resume", "--segments", "2"]
    assert main(args) == 0
    assert "cppn-motion: note: gif_max_bytes=2000" in capsys.readouterr().err


@pytest.mark.parametrize("fps, kept", [(30, 4), (60, 2)])
def test_a_thinned_gif_in_segments_renders_only_its_frames_and_is_the_plain_render(tmp_path, fps, kept):
    # A GIF keeps one frame in 2 (30 fps) or 4 (60 fps), counted from frame 0: each segment renders
    # only those of its range (at 60 fps the middle shard, frames 2-3, holds none), and the join
    # is the plain render, byte for byte.
    flags = [*TINY_FLAGS, "--set", f"timeline.fps={fps}", "--set", "timeline.frames=7"]
    shards = tmp_path / "shards.gif"
    for index in range(3):
        assert main(["render", "-o", str(shards), "--shard", f"{index}/3", *flags]) == 0
    parts = sorted(tmp_path.glob("shards.part-*.frames.npz"))
    assert sum(count_frames(part) for part in parts) == kept
    assert main(["join", *map(str, parts), "-o", str(shards), "--quiet"]) == 0
    assert main(["render", "-o", str(tmp_path / "clip.gif"), "--resume", "--segments", "3", *flags]) == 0
    assert main(["render", "-o", str(tmp_path / "single.gif"), *flags]) == 0
    single = (tmp_path / "single.gif").read_bytes()
    assert (tmp_path / "clip.gif").read_bytes() == single and shards.read_bytes() == single
    assert (tmp_path / "clip.gif.yaml").read_text() == (tmp_path / "single.gif.yaml").read_text()
    with Image.open(tmp_path / "clip.gif") as gif:
        assert gif.n_frames == kept
