"""The first five minutes, tried as a new user would (issue 16): each slip gets one line that
says what to type instead."""
from __future__ import annotations

import warnings

import pytest

from cppn_motion.cli.main import main

TINY = ["--size", "32x18", "--frames", "2", "--quiet", "--device", "cpu"]


def one_line(capsys, argv: list[str]) -> tuple[int, str]:
    status = main(argv)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("cppn-motion: error: ") and "Traceback" not in err, err
    return status, err


def test_set_with_a_space_says_key_equals_value(capsys):
    # Was: 'cppn-motion: error: cppn-motion: unrecognized arguments: 12'.
    status, err = one_line(capsys, ["render", "default", "--set", "net.depth", "12"])
    assert status == 2 and "--set: expected KEY=VALUE, e.g. --set net.depth=12; got '--set net.depth'" in err, err


def test_argparse_errors_name_the_command_once(capsys):
    status, err = one_line(capsys, ["render", "--frames", "many"])
    assert status == 2 and err.count("cppn-motion") == 1 and "render: argument --frames" in err, err
    status, err = one_line(capsys, ["rendr"])
    assert status == 2 and err.count("cppn-motion") == 1, err


def test_every_bad_value_is_listed(capsys):
    # Was: the first problem and '(and 1 more problem)'.
    status, err = one_line(capsys, ["render", "--set", "net.depth=0", "--set", "net.width=-1"])
    assert status == 2 and "2 problems: (1) net.depth:" in err and "(2) net.width:" in err, err


def test_a_bare_time_past_one_suggests_seconds_and_frames(capsys):
    status, err = one_line(capsys, ["still", "--time", "2", *TINY[:2]])
    assert status == 2 and "write 2s for 2 seconds (frame 60f) or 2f for frame 2" in err, err


def test_a_preset_name_next_to_its_file_suggests_the_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "typo.yaml").write_text("canvas: {width: 32, height: 18}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, err = one_line(capsys, ["render", "typo", *TINY])
    assert status == 2 and "did you mean the file './typo.yaml'?" in err, err


def test_an_odd_size_suggests_the_even_one(tmp_path, capsys):
    status, err = one_line(capsys, ["render", "--size", "321x181", "-o", str(tmp_path / "x.mp4"), "--quiet"])
    assert status == 2 and err.endswith("got 321x181; try --size 320x180"), err


def test_a_size_players_cannot_open_is_warned_about_before_rendering():
    from cppn_motion.encoders import check_writer

    with pytest.warns(UserWarning, match=r"16000x9000 is beyond H.264's largest level"):
        check_writer("x.mp4", fps=30, size=(16000, 9000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the largest size players open gets no warning
        check_writer("x.mp4", fps=30, size=(7680, 4320))
