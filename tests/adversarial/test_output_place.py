"""A preset, sidecar or PNG from a stranger cannot send the render outside the folder it runs
in (issue 16): `output.path` with '..' or an absolute path, and a `name` holding a folder, are
refused with one line and exit 2 before anything is written. -o stays the user's own choice.

Before: `render their.mp4.yaml` obeyed `output.path: ../../escape/evil.mp4`, an absolute
output.path silently overwrote an existing file, and `name: ../../../../elsewhere/pwn` wrote
outside outputs/ (render and still)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from cppn_motion.cli.main import main
from cppn_motion.config.output_place import check_name, check_output_path
from cppn_motion.config.presets import preset_to_yaml
from tests.tiny import tiny_preset

TINY = "canvas: {width: 16, height: 10}\ntimeline: {frames: 2, fps: 12}\n"


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def run_in(work: Path, monkeypatch, capsys, argv: list[str]) -> tuple[int, str]:
    monkeypatch.chdir(work)
    status = main(argv)
    return status, capsys.readouterr().err.strip()


def assert_one_line_refusal(status: int, err: str, key: str) -> None:
    assert status == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("cppn-motion: error: "), err
    assert key in err and "-o" in err, err


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "work" / "deep").mkdir(parents=True)
    return tmp_path / "work" / "deep"


@pytest.mark.parametrize("value", ["../../escape/evil.mp4", "clips/../../evil.mp4", "..\\evil.mp4"])
def test_output_path_climbing_out_is_refused(value, work, tmp_path, monkeypatch, capsys):
    preset = work / "their.mp4.yaml"  # a sidecar used as a preset, as the README suggests
    preset.write_text(f"{TINY}output: {{path: '{value}'}}\n", encoding="utf-8")
    status, err = run_in(work, monkeypatch, capsys, ["render", str(preset), "--quiet"])
    assert_one_line_refusal(status, err, "output.path")
    assert files_under(tmp_path) == {Path("work/deep/their.mp4.yaml")}


def test_absolute_output_path_never_overwrites(work, tmp_path, monkeypatch, capsys):
    victim = tmp_path / "precious.png"
    victim.write_bytes(b"my own file")
    preset = work / "shared.yaml"
    preset.write_text(f"{TINY}output: {{path: '{victim}'}}\n", encoding="utf-8")
    for command in ("render", "still"):
        status, err = run_in(work, monkeypatch, capsys, [command, str(preset), "--quiet"])
        assert_one_line_refusal(status, err, "output.path")
    assert victim.read_bytes() == b"my own file"
    assert files_under(tmp_path) == {Path("precious.png"), Path("work/deep/shared.yaml")}


@pytest.mark.parametrize("command", ["render", "still", "grow", "compare"])
def test_name_with_a_folder_is_refused(command, work, tmp_path, monkeypatch, capsys):
    preset = work / "shared.yaml"
    preset.write_text(f"name: ../../../../elsewhere/pwn\n{TINY}", encoding="utf-8")
    extra = ["--vary", "net.depth=1,2"] if command == "compare" else []
    status, err = run_in(work, monkeypatch, capsys, [command, str(preset), "--quiet", *extra])
    assert_one_line_refusal(status, err, "name")
    assert files_under(tmp_path) == {Path("work/deep/shared.yaml")}


def test_name_from_a_png_is_refused(work, tmp_path, monkeypatch, capsys):
    # The recorded preset is written raw: a well-formed output of ours cannot carry such a name.
    text = preset_to_yaml(tiny_preset()).replace("name: untitled", "name: ../../pwn")
    assert "name: ../../pwn" in text
    png = work / "shared.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("cppn_motion_preset", text)
    Image.new("RGB", (16, 10)).save(png, pnginfo=info)
    status, err = run_in(work, monkeypatch, capsys, ["render", "--from", str(png), "--quiet"])
    assert_one_line_refusal(status, err, "name")
    assert files_under(tmp_path) == {Path("work/deep/shared.png")}


def test_sequence_pattern_from_a_png_is_refused(work, tmp_path, monkeypatch, capsys):
    png = work / "f_0001.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("cppn_motion_preset", preset_to_yaml(tiny_preset()))
    info.add_text("cppn_motion_sequence", "../../f_%04d.png")
    Image.new("RGB", (32, 18)).save(png, pnginfo=info)
    status, err = run_in(work, monkeypatch, capsys, ["render", "--from", str(png), "--quiet"])
    assert status == 2 and len(err.splitlines()) == 1, err
    assert "sequence pattern" in err and "-o" in err, err
    assert files_under(tmp_path) == {Path("work/deep/f_0001.png")}


def test_dash_o_is_the_users_own_choice(work, tmp_path, monkeypatch, capsys):
    preset = work / "mine.yaml"
    preset.write_text(TINY, encoding="utf-8")
    status, err = run_in(work, monkeypatch, capsys, ["still", str(preset), "-o", "../../elsewhere/p.png", "--quiet"])
    assert status == 0, err
    assert (tmp_path / "elsewhere" / "p.png").is_file()


def test_a_relative_output_path_inside_the_folder_still_works(work, monkeypatch, capsys):
    preset = work / "mine.yaml"
    preset.write_text(f"{TINY}output: {{path: clips/loop.png}}\n", encoding="utf-8")
    status, err = run_in(work, monkeypatch, capsys, ["render", str(preset), "--quiet"])
    assert status == 0, err
    assert (work / "clips" / "loop.png").is_file()


@pytest.mark.parametrize("name", ["default", "my clip", "deep_silk-2", "ünïcode", "a.b"])
def test_ordinary_names_pass(name):
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["a/b", "a\\b", "..", ".", "x\ny", "x\x1b[2J", "x" * 101])
def test_names_that_are_not_one_file_name_fail(name):
    with pytest.raises(ValueError):
        check_name(name)


@pytest.mark.parametrize("path", ["/etc/x.mp4", "C:\\x.mp4", "C:x.mp4", "\\\\server\\share\\x.mp4", "a/../../x.mp4",
                                  "clips/", "x\n.mp4"])
def test_output_paths_outside_fail(path):
    with pytest.raises(ValueError):
        check_output_path(path)


@pytest.mark.parametrize("path", [None, "x.mp4", "clips/loop.gif", "./x.mp4", "~/x.mp4", "a..b.mp4"])
def test_output_paths_inside_pass(path):
    assert check_output_path(path) == path
