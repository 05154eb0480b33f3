"""The MP4/WebM writers read back what ffmpeg wrote before it replaces an earlier file (issue 16).

Before: when ffmpeg exited 0 but wrote nothing or garbage, a 0-byte or 19-byte file replaced a
valid earlier output and the render exited 0. A fake ffmpeg (IMAGEIO_FFMPEG_EXE) plays the broken
encoder; reading back (`-f null`) goes to the real one."""
from __future__ import annotations

import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from cppn_motion.cli.main import main
from cppn_motion.encoders import open_writer
from cppn_motion.encoders.probe import UnreadableVideo, count_video_frames
from cppn_motion.errors import OutputError

TINY = ["--size", "32x18", "--frames", "6", "--fps", "12", "--quiet", "--device", "cpu"]

FAKE = """#!{python}
import os, sys
REAL = {real!r}
args = sys.argv[1:]
mode = os.environ.get("FAKE_FFMPEG_MODE", "real")
if mode == "real" or "null" in args or "-version" in args:  # reading back, a version probe: the real one
    os.execv(REAL, [REAL] + args)
if mode == "short":  # a real file, but of the first frame only
    os.execv(REAL, [REAL] + args[:-1] + ["-frames:v", "1", args[-1]])
sys.stdin.buffer.read()
with open(args[-1].removeprefix("file:"), "wb") as out:
    out.write(b"" if mode == "empty" else b"not a video at all!")
"""


@pytest.fixture
def broken_ffmpeg(tmp_path, monkeypatch):
    real = imageio_ffmpeg.get_ffmpeg_exe()
    script = tmp_path / "bin" / "ffmpeg"
    script.parent.mkdir()
    script.write_text(FAKE.format(python=sys.executable, real=real))
    script.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(script))

    def use(mode: str) -> None:
        monkeypatch.setenv("FAKE_FFMPEG_MODE", mode)

    return use


@pytest.mark.parametrize("extension", ["mp4", "webm"])
@pytest.mark.parametrize("mode, says", [("empty", "empty file"), ("garbage", "not a readable video"),
                                        ("short", "holds 1 frames of the 6 sent")])
def test_a_bad_file_from_ffmpeg_never_replaces_the_earlier_one(extension, mode, says, tmp_path, broken_ffmpeg,
                                                                capsys):
    target = tmp_path / f"clip.{extension}"
    assert main(["render", "-o", str(target), *TINY]) == 0  # a good earlier output, by the real ffmpeg
    sidecar = Path(f"{target}.yaml")
    earlier, earlier_sidecar = target.read_bytes(), sidecar.read_bytes()
    broken_ffmpeg(mode)
    status = main(["render", "-o", str(target), *TINY, "--seed", "5"])
    err = capsys.readouterr().err.strip()
    assert status == 1, err
    assert len(err.splitlines()) == 1 and says in err and "Traceback" not in err, err
    assert target.read_bytes() == earlier and sidecar.read_bytes() == earlier_sidecar
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bin", target.name, sidecar.name])


def test_the_writer_raises_output_error_and_leaves_no_temp(tmp_path, broken_ffmpeg):
    broken_ffmpeg("garbage")
    target = tmp_path / "x.mp4"
    writer = open_writer(target, fps=12, size=(32, 18))
    writer.write(np.zeros((3, 18, 32, 3), np.uint8))
    with pytest.raises(OutputError, match="not a readable video"):
        writer.close()
    assert list(tmp_path.iterdir()) == [tmp_path / "bin"]


def test_count_video_frames_reads_a_real_file_and_refuses_garbage(tmp_path):
    target = tmp_path / "x.mp4"
    with open_writer(target, fps=12, size=(32, 18)) as writer:
        writer.write(np.zeros((5, 18, 32, 3), np.uint8))
    assert count_video_frames(target) == 5
    (tmp_path / "bad.mp4").write_bytes(b"\0" * 100)
    with pytest.raises(UnreadableVideo):
        count_video_frames(tmp_path / "bad.mp4")
