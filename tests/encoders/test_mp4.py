"""MP4 writer: read the file back with ffmpeg and check what a player would see."""
from __future__ import annotations

import gc
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from cppn_motion.encoders import EncoderOptions, open_writer
from cppn_motion.encoders import mp4 as mp4_module
from cppn_motion.errors import UserError

# Even, but not multiples of 16: imageio-ffmpeg would rescale these by default.
WIDTH, HEIGHT = 72, 40


def moving_gradient(count: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """Smooth colour ramps that shift each frame: compressible, and every frame differs."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    frames = [
        np.stack([x * 3 + 8 * i, y * 4, 255 - 2 * x - 2 * y + 4 * i], axis=-1)
        for i in range(count)
    ]
    return np.clip(frames, 0, 255).astype(np.uint8)


def read_back(path: Path) -> tuple[dict, np.ndarray]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    frames = np.stack([np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader])
    return meta, frames


def read_metadata(path: Path) -> dict[str, str]:
    """Container tags via ffmpeg's ffmetadata format (exact, unlike the `ffmpeg -i` listing)."""
    out = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, check=True,
    ).stdout.decode()
    tags: dict[str, str] = {}
    for line in _unescaped_lines(out)[1:]:  # first line is the ';FFMETADATA1' header
        key, _, value = line.partition("=")
        tags[key] = value
    return tags


def _unescaped_lines(text: str) -> list[str]:
    # ffmetadata escapes '=', ';', '#', '\' and newline with a backslash.
    lines, current, chars = [], [], iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars))
        elif char == "\n":
            lines.append("".join(current))
            current = []
        else:
            current.append(char)
    return lines


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255**2 / mse))


def test_round_trip_keeps_count_size_fps_and_pixels(tmp_path: Path) -> None:
    source = moving_gradient(12)
    path = tmp_path / "clip.mp4"
    with open_writer(path, fps=24, size=(WIDTH, HEIGHT)) as writer:
        writer.write(source[:5])  # a batch
        for frame in source[5:]:  # and single frames
            writer.write(frame)
    assert writer.frames_written == 12

    meta, decoded = read_back(path)
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == 12
    assert meta["size"] == (WIDTH, HEIGHT)  # no silent rescale to a macroblock multiple
    assert meta["fps"] == 24
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p(tv, bt709")
    assert len(decoded) == 12
    for original, back in zip(source, decoded):
        assert psnr(original, back) > 33  # measured ~38.5 dB at crf 18 on this tiny clip


def test_rgb_to_yuv_uses_the_bt709_matrix(tmp_path: Path) -> None:
    red = np.zeros((2, HEIGHT, WIDTH, 3), np.uint8)
    red[..., 0] = 255
    path = tmp_path / "red.mp4"
    with open_writer(path, fps=30, size=(WIDTH, HEIGHT)) as writer:
        writer.write(red)
    luma = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path),
         "-f", "rawvideo", "-pix_fmt", "yuv420p", "-frames:v", "1", "-"],
        capture_output=True, check=True,
    ).stdout[: WIDTH * HEIGHT]
    # Limited-range Y of pure red: 16 + 219 * 0.2126 = 62.6 with BT.709, 81.5 with BT.601.
    assert abs(np.frombuffer(luma, np.uint8).mean() - 62.6) < 2


def test_metadata_survives_including_long_multiline_yaml(tmp_path: Path) -> None:
    config = "".join(f"layer_{i}: {{width: {i}, act: 'tanh', note: \"a=b; #c\"}}\n" for i in range(300))
    metadata = {"title": "cppn seed 7", "cppn_motion_config": config, "unicode": "grün → blau"}
    assert len(config) > 10_000
    path = tmp_path / "meta.mp4"
    with open_writer(path, fps=30, size=(WIDTH, HEIGHT), metadata=metadata) as writer:
        writer.write(moving_gradient(2))
    tags = read_metadata(path)
    for key, value in metadata.items():
        assert tags[key] == value


def test_yuv444p_option_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "full_chroma.mp4"
    options = EncoderOptions(pix_fmt="yuv444p", crf=10, x264_preset="ultrafast")
    with open_writer(path, fps=30, size=(WIDTH, HEIGHT), options=options) as writer:
        writer.write(moving_gradient(2))
    meta, _ = read_back(path)
    assert meta["pix_fmt"].startswith("yuv444p")


def test_odd_size_is_refused_before_any_file_exists(tmp_path: Path) -> None:
    folder = tmp_path / "renders"
    with pytest.raises(UserError, match=r"^mp4 needs even width and height \(yuv420p\); got 641x360; try --size 640x360$"):
        open_writer(folder / "clip.mp4", fps=30, size=(641, 360))
    assert not folder.exists()


@pytest.mark.parametrize(
    ("frame_count", "fails_in"),
    [(2, "close"), (60, "write")],  # 2 small frames fit in the pipe buffer; 60 (550 KB) do not
)
def test_ffmpeg_failure_raises_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frame_count: int, fails_in: str
) -> None:
    monkeypatch.setattr(mp4_module, "BT709_FILTER", "no_such_filter_xyz")
    path = tmp_path / "broken.mp4"
    writer = open_writer(path, fps=30, size=(WIDTH, HEIGHT))
    with pytest.raises(RuntimeError, match="no_such_filter_xyz") as failure:
        with writer:
            writer.write(moving_gradient(frame_count))
            assert fails_in == "close", "ffmpeg should have refused the frames"
    assert ("exited with code" in str(failure.value)) == (fails_in == "close")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="already closed"):
        writer.write(moving_gradient(1))


def test_abort_stops_ffmpeg_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"previous render")
    writer = open_writer(path, fps=30, size=(WIDTH, HEIGHT))
    writer.write(moving_gradient(3))
    process = writer._process
    writer.abort()
    writer.abort()  # idempotent
    assert process is not None and process.poll() is not None
    assert path.read_bytes() == b"previous render"
    assert list(tmp_path.iterdir()) == [path]


def test_keyboard_interrupt_mid_clip_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    with pytest.raises(KeyboardInterrupt):
        with open_writer(path, fps=30, size=(WIDTH, HEIGHT)) as writer:
            writer.write(moving_gradient(3))
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((HEIGHT, WIDTH - 2, 3), np.uint8),
        np.zeros((2, HEIGHT, WIDTH, 4), np.uint8),
        np.zeros((HEIGHT, WIDTH, 3), np.float32),
    ],
    ids=["wrong-width", "rgba", "float"],
)
def test_write_rejects_frames_that_do_not_match(tmp_path: Path, bad: np.ndarray) -> None:
    with open_writer(tmp_path / "clip.mp4", fps=30, size=(WIDTH, HEIGHT)) as writer:
        with pytest.raises(ValueError, match=r"expected uint8 frames of shape \(B, 40, 72, 3\)"):
            writer.write(bad)
        writer.write(moving_gradient(1))  # the writer is still usable
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "clip.mp4"))[0] == 1


def test_closing_without_frames_saves_nothing(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "empty.mp4", fps=30, size=(WIDTH, HEIGHT))
    with pytest.raises(ValueError, match="no frames were written"):
        writer.close()
    writer.close()  # idempotent after the failure
    assert list(tmp_path.iterdir()) == []


def test_strided_frames_are_written_correctly(tmp_path: Path) -> None:
    source = moving_gradient(2, width=WIDTH * 2)[:, :, ::2]  # a non-contiguous view
    path = tmp_path / "strided.mp4"
    with open_writer(path, fps=30, size=(WIDTH, HEIGHT)) as writer:
        writer.write(source)
    _, decoded = read_back(path)
    assert psnr(np.ascontiguousarray(source[0]), decoded[0]) > 33


def test_a_writer_dropped_unclosed_stops_ffmpeg_and_leaves_no_temp(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "clip.mp4", fps=30, size=(WIDTH, HEIGHT))
    writer.write(moving_gradient(2))
    process = writer._process
    del writer
    gc.collect()
    assert process is not None and process.poll() is not None
    assert list(tmp_path.iterdir()) == []


def test_metadata_keys_with_equals_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot contain '='"):
        open_writer(tmp_path / "clip.mp4", fps=30, size=(WIDTH, HEIGHT), metadata={"a=b": "c"})
    assert list(tmp_path.iterdir()) == []


def stream_line(path: Path) -> str:
    """ffmpeg's description of the video stream: codec, profile, pix_fmt (range, colour tags), size."""
    err = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True).stderr.decode()
    line = next(line for line in err.splitlines() if "Video:" in line)
    return line.split("Video:")[1].split(", 1 kb/s")[0].split(" kb/s")[0].rsplit(",", 1)[0]


def test_yuv420p_input_is_tagged_like_the_rgb_path(tmp_path: Path) -> None:
    import torch

    from cppn_motion.colour.yuv import rgb_to_yuv420p

    source = moving_gradient(6)
    with open_writer(tmp_path / "rgb.mp4", fps=24, size=(WIDTH, HEIGHT)) as writer:
        writer.write(source)
    with open_writer(tmp_path / "yuv.mp4", fps=24, size=(WIDTH, HEIGHT)) as writer:
        assert writer.takes_yuv420p(writer.options)
        writer.write_yuv420p(rgb_to_yuv420p(torch.from_numpy(source)).numpy())
    assert writer.frames_written == 6
    meta, decoded = read_back(tmp_path / "yuv.mp4")
    assert meta["pix_fmt"].startswith("yuv420p(tv, bt709")
    # Same profile, pixel format, range, colour tags and size as the rgb24 path.
    assert stream_line(tmp_path / "yuv.mp4") == stream_line(tmp_path / "rgb.mp4")
    assert len(decoded) == 6
    for original, back in zip(source, decoded):
        assert psnr(original, back) > 33


def test_yuv420p_input_checks_its_shape_and_does_not_mix(tmp_path: Path) -> None:
    planes = np.zeros((1, WIDTH * HEIGHT * 3 // 2), np.uint8)
    writer = open_writer(tmp_path / "clip.mp4", fps=24, size=(WIDTH, HEIGHT))
    try:
        with pytest.raises(ValueError, match=r"yuv420p frames of shape \(B, 4320\)"):
            writer.write_yuv420p(planes[:, :-2])
        writer.write_yuv420p(planes)
        with pytest.raises(ValueError, match="started with yuv420p frames; got rgb24"):
            writer.write(np.zeros((1, HEIGHT, WIDTH, 3), np.uint8))
    finally:
        writer.abort()


@pytest.mark.parametrize("pix_fmt", ["yuv420p10le", "yuv444p"])
def test_other_pixel_formats_take_rgb_only(tmp_path: Path, pix_fmt: str) -> None:
    writer = open_writer(tmp_path / "clip.mp4", fps=24, size=(WIDTH, HEIGHT), options=EncoderOptions(pix_fmt=pix_fmt))
    try:
        assert not writer.takes_yuv420p(writer.options)
        with pytest.raises(ValueError, match=f"need pix_fmt yuv420p; this writer encodes {pix_fmt}"):
            writer.write_yuv420p(np.zeros((1, WIDTH * HEIGHT * 3 // 2), np.uint8))
    finally:
        writer.abort()
