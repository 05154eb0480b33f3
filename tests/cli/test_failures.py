"""Failures outside our code: ffmpeg missing or crashing, a full disk, a read-only folder,
NaN/inf from the net, GPU out of memory. Each is a clear error and nothing is left behind."""
from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion import atomic
from cppn_motion.cli.main import main
from cppn_motion.encoders import gif as gif_module
from cppn_motion.errors import OutputError
from cppn_motion.rendering.numerics import NonFiniteWarning
from cppn_motion.rendering.scene import build_scene, iter_frames

TINY = ["--size", "32x18", "--frames", "60", "--quiet", "--device", "cpu"]

FAKE_FFMPEG = """#!/bin/sh
# A fake ffmpeg: answers -version like one, otherwise reads a little, complains and dies.
case "$*" in *-version*) echo "ffmpeg version 9.9-fake"; exit 0;; esac
echo "fake ffmpeg: simulated crash" >&2
head -c 2000 > /dev/null
exit 3
"""


@pytest.fixture
def fake_ffmpeg(tmp_path, monkeypatch):
    script = tmp_path / "bin" / "ffmpeg"
    script.parent.mkdir()
    script.write_text(FAKE_FFMPEG)
    script.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(script))
    return script


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_a_crashing_ffmpeg_shows_its_stderr_and_keeps_the_old_file(tmp_path, fake_ffmpeg, capfd):
    out = tmp_path / "out"
    out.mkdir()
    (out / "clip.mp4").write_bytes(b"earlier")
    assert main(["render", "-o", str(out / "clip.mp4"), *TINY]) == 1
    err = capfd.readouterr().err
    assert "fake ffmpeg: simulated crash" in err  # ffmpeg's own stderr reaches the user
    assert ("ffmpeg ended with status 3" in err or "ffmpeg exited with code 3" in err) and "Traceback" not in err
    assert (out / "clip.mp4").read_bytes() == b"earlier"
    assert leftovers(out, {"clip.mp4"}) == []


def test_a_missing_ffmpeg_is_named_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no" / "ffmpeg"))
    assert main(["render", "-o", str(tmp_path / "clip.mp4"), *TINY]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"cppn-motion: error: mp4 needs ffmpeg: IMAGEIO_FFMPEG_EXE='{tmp_path / 'no' / 'ffmpeg'}' "
                   "is not an executable file; fix or unset it")
    assert leftovers(tmp_path, set()) == []


def test_injected_disk_full_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    target = tmp_path / "clip.gif"
    target.write_bytes(b"earlier")

    def full_disk(self, temp):
        temp.write_bytes(b"GIF89a partial")  # a partial temp file exists when the disk fills
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(gif_module.GifWriter, "_finish", full_disk)
    assert main(["render", "-o", str(target), "--size", "32x18", "--frames", "3", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    # The full disk names where and how much is free (issue 16).
    assert re.fullmatch(rf"cppn-motion: error: writing '{re.escape(str(target))}' failed: No space left on device "
                        rf"\([\d,]+ MiB free in '{re.escape(str(tmp_path))}'\); nothing was saved there", err), err
    assert target.read_bytes() == b"earlier" and leftovers(tmp_path, {"clip.gif"}) == []


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 48 KiB tmpfs, when this machine lets us mount one (root on Linux); else skip."""
    mount = tmp_path / "small"
    mount.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux (the injected-ENOSPC test covers the logic)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.parametrize("suffix, frames, extra", [(".gif", "30", []), (".mp4", "40", []),
                                                   (".mp4", "40", ["--encoders", "3"])])
def test_a_really_full_disk(tiny_filesystem, suffix, frames, extra, capfd):
    target = tiny_filesystem / f"clip{suffix}"
    target.write_bytes(b"earlier")
    # Noisy frames compress badly: far more than 48 KiB.
    status = main(["render", "-o", str(target), "--size", "96x96", "--frames", frames, "--quiet",
                   "--set", "net.activation=sin", "--set", "net.init.gain=50.0", "--set", "timeline.fps=25", *extra])
    err = capfd.readouterr().err
    assert status == 1, err
    assert "No space left on device" in err and "Traceback" not in err
    assert target.read_bytes() == b"earlier" and leftovers(tiny_filesystem, {target.name}) == []


def test_a_read_only_destination_is_a_user_error(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    real_open = os.open

    def refuse(path, flags, *args):
        if Path(path).parent == folder and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(atomic.os, "open", refuse)
    assert main(["render", "-o", str(folder / "a.png"), "--size", "32x18", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"cppn-motion: error: output path '{folder / 'a.png'}': cannot write there (Permission denied)"
    assert list(folder.iterdir()) == []


def test_nan_and_inf_outputs_are_clamped_counted_and_warned_once():
    # |x| at 1000x He gain through 40 layers overflows float32 to inf, then inf - inf = NaN. (Not relu:
    # oneDNN's fused relu maps NaN to 0, so a relu net on the fused CPU path never shows one.)
    preset = tiny_preset(net={"activation": "abs", "depth": 40, "init": {"gain": 1000.0}},
                         timeline={"frames": 4})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scene = build_scene(preset, "cpu")
        frames = np.concatenate(list(iter_frames(scene, batch_size=1)))
    assert scene.nonfinite > 0
    assert [w.category for w in caught] == [NonFiniteWarning]
    assert "NaN or infinite and were clamped" in str(caught[0].message)
    assert frames.shape == (4, 18, 32, 3)
    assert torch.isfinite(scene.calibration.std).all()


def test_the_cli_shows_the_nan_warning_as_one_line(tmp_path, capsys):
    assert main(["render", "-o", str(tmp_path / "a.png"), "--size", "32x18", "--quiet",
                 "--set", "net.activation=abs", "--set", "net.depth=40", "--set", "net.init.gain=1000.0"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    warnings = [line for line in err if line.startswith("cppn-motion: warning: ")]
    assert len(warnings) == 1 and "clamped" in warnings[0]
    # Anything else is the dull-output guard's one-line advice about the flat result.
    assert all(line.startswith("cppn-motion: note: ") for line in err if line not in warnings)


def test_gpu_out_of_memory_halves_the_batch_then_fails_clearly(monkeypatch):
    scene = build_scene(tiny_preset(timeline={"frames": 8}), "cpu")
    tried = []
    real = scene.render_indices

    def render_indices(indices):
        indices = list(indices)
        tried.append(len(indices))
        if len(indices) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(indices)

    monkeypatch.setattr(scene, "render_indices", render_indices)
    frames = np.concatenate(list(iter_frames(scene, batch_size=8)))
    assert tried[:3] == [8, 4, 2] and frames.shape[0] == 8

    def always_oom(indices):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(scene, "render_indices", always_oom)
    with pytest.raises(OutputError, match=r"out of GPU memory even at one frame per batch \(32x18, cpu\)"):
        list(iter_frames(scene, batch_size=4))
