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
