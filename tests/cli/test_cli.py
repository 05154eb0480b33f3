"""The command line: each command works, flags override the preset, bad input is one line + exit 2."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import yaml
from PIL import Image

from cppn_motion.cli.args import parse_time
from cppn_motion.cli.main import main

TINY = ["--size", "32x18", "--set", "timeline.frames=4", "--quiet"]


def test_render_mp4_with_flags(tmp_path):
    out = tmp_path / "clip.mp4"
    assert main(["render", "default", "-o", str(out), *TINY, "--fps", "8", "--seed", "5"]) == 0
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 4 and seconds == pytest.approx(0.5, abs=0.01)
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    reader.close()
    assert tuple(meta["size"]) == (32, 18)


def test_render_gif_and_png_by_extension(tmp_path):
    assert main(["render", "sin_waves", "-o", str(tmp_path / "a.gif"), *TINY]) == 0
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 2 and gif.info["loop"] == 0  # 4 frames at 30 fps; a GIF plays at most 15
    assert main(["render", "ink", "-o", str(tmp_path / "a.png"), *TINY]) == 0
    assert Image.open(tmp_path / "a.png").size == (32, 18)


def test_still_at_a_time_and_default_output_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["still", "kaleidoscope", "--size", "40x40", "--time", "0.5", "--quiet"]) == 0
    image = np.asarray(Image.open(tmp_path / "outputs" / "kaleidoscope.png"))
    assert image.shape == (40, 40, 3)
    # Mirror features give a left-right symmetric picture.
    assert np.abs(image.astype(int) - image[:, ::-1].astype(int)).max() <= 1


def test_parse_time_forms():
    assert parse_time("0.25", 120, 30) == 0.25
    assert parse_time("2s", 120, 30) == 0.5
    assert parse_time("30f", 120, 30) == 0.25


def test_show_round_trips_through_render(tmp_path, capsys):
    assert main(["show", "default", "--set", "net.depth=3", "--size", "32x18"]) == 0
    text = capsys.readouterr().out
    data = yaml.safe_load(text)
    assert data["net"]["depth"] == 3 and data["canvas"]["width"] == 32
    (tmp_path / "mine.yaml").write_text(text)
    assert main(["render", str(tmp_path / "mine.yaml"), "-o", str(tmp_path / "m.png"), "--quiet"]) == 0


def test_presets_lists_names(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("default") and "weight_morph" in out


def test_flags_beat_set(tmp_path, capsys):
    assert main(["show", "--set", "seed=1", "--seed", "2"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["seed"] == 2


@pytest.mark.parametrize("argv, message", [
    (["render", "--set", "net.depht=3"], r"unknown key 'net.depht' \(did you mean 'depth'\?\)"),
    (["render", "--set", "net.activation=tahn"], r"unknown activation 'tahn' \(did you mean 'tanh'\?\)"),
    (["render", "--size", "640by360"], r"--size: expected WIDTHxHEIGHT such as 1280x720; got '640by360'"),
    (["render", "--frames", "0"], r"argument --frames: expected a whole number >= 1; got '0'"),
    (["render", "--fps", "fast"], r"argument --fps: expected a number > 0; got 'fast'"),
    (["render", "--device", "tpu"], r"--device: expected one of auto, cpu, cuda, mps"),
    (["render", "-o", "x.avi"], r"unsupported extension '.avi'; supported: .mp4, .gif, .png"),
    (["render", "--size", "641x361", "-o", "x.mp4"], r"mp4 needs even width and height"),
    (["render", "nosuch"], r"unknown preset 'nosuch'"),
    (["still", "-o", "x.jpg"], r"-o: a still is written as one .png"),
    (["still", "-o", "q/f_%04d.png"], r"-o: a still is written as one .png \(no frame pattern\)"),
    (["render", "--resume", "-o", "w.webm"], r"--resume: segments can be joined into .mp4 or .gif only"),
    (["render", "--shard", "0/2", "-o", "q/f_%04d.png"], r"--shard: segments can be joined into .mp4 or .gif only"),
    (["still", "--seeds", "1-4", "--bit-depth", "16"], r"--seeds: a contact sheet is 8-bit"),
    (["still", "--time", "2"], r"--time: must fall within the clip"),
    (["render", "--set", "net.depth"], r"expected KEY=VALUE"),
    (["compare", "--frames", "0"], r"argument --frames: expected a whole number >= 1; got .0."),
    (["complexity", "--seeds", "0"], r"argument --seeds: expected a whole number >= 1; got .0."),
    (["grow", "--blend", "-1"], r"argument --blend: expected a whole number >= 0; got .-1."),
    (["rendr"], r"invalid choice: .rendr."),
])
def test_bad_input_is_one_line_exit_2_nothing_written(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("cppn-motion: error: ")
    import re
    assert re.search(message, err), err
    assert not any(tmp_path.rglob("*.*")), "nothing may be written on bad input"


def test_debug_shows_the_traceback(capsys):
    assert main(["render", "--set", "net.depth=0", "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_python_dash_m_and_help_with_example():
    result = subprocess.run([sys.executable, "-m", "cppn_motion", "render", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "examples:" in result.stdout and "--set" in result.stdout


def test_every_package_folder_ships_in_the_wheel():
    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parents[2]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(root).parts) for p in (root / "cppn_motion").rglob("__init__.py")}
    assert folders <= listed, f"add to pyproject packages: {sorted(folders - listed)}"


def test_a_closed_pipe_is_not_an_error():
    # `cppn-motion presets | head -1`: the reader leaves before we write. Closing our end
    # at once (the interpreter takes a second to start) makes every write hit a closed pipe.
    # Without PYTHONUNBUFFERED (as for most users) the output waits in a buffer until the end.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-m", "cppn_motion", "presets"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=120)
    assert process.returncode == 0, stderr
    assert stderr == ""
