"""Preset files from strangers are bounded: an alias bomb, deep nesting or a huge file is
refused with one line and exit 2, nothing written (issue 16). How fast is measured, not
asserted here (timings belong in benchmarks): the bounds stop composing after a fixed number
of nodes, which the counts below pin; README "When things go wrong" has the measured times.

Before the bounds, a 300-byte alias bomb under `description:` took 80 s and 6 GB (the
whole value was expanded to quote it in the error), 10k-deep brackets and 3k-deep block
lists ended in RecursionError, and a 50 MB list parsed for minutes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cppn_motion.cli.main import main
from cppn_motion.config import yaml_strict
from cppn_motion.config.presets import load_preset
from cppn_motion.errors import UserError


def alias_bomb(levels: int = 9, fan: int = 9) -> str:
    """'Billion laughs': 9 levels of 9 aliases each (81 uses) expand to 9**9 strings, in ~300 bytes."""
    lines = ["description:", f'  l0: &l0 [{", ".join(["lol"] * fan)}]']
    for level in range(1, levels):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def many_aliases(uses: int = 150) -> str:
    return "base: &b 1\ndescription: [" + ", ".join(["*b"] * uses) + "]\n"


def alias_depth(levels: int = 5, each: int = 60) -> str:
    """Each anchor nests the previous one `each` levels deeper: 300 levels from 5 aliases."""
    lines = [f"a0: &a0 {'[' * each}1{']' * each}"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} {'[' * each}*a{level - 1}{']' * each}")
    return "\n".join(lines) + "\n"


ATTACKS = {
    "alias_bomb": (alias_bomb, r"more than 20,?000 values once aliases are expanded"),
    "many_aliases": (many_aliases, r"more than 100 alias uses"),
    "alias_depth": (alias_depth, r"nesting deeper than 100 levels once aliases are expanded"),
    "deep_flow_lists": (lambda: "description: " + "[" * 10_000 + "]" * 10_000 + "\n", r"nesting deeper than 100"),
    "deep_flow_maps": (lambda: "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", r"nesting deeper than 100"),
    "deep_block_lists": (lambda: "- " * 3_000 + "1\n", r"nesting deeper than 100"),
    "deep_block_maps": (
        lambda: "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + "  " * 300 + "v\n",
        r"nesting deeper than 100",
    ),
    "many_values_under_1mb": (lambda: "description:\n" + "- 1\n" * 240_000, r"more than 20,?000 values"),
    "huge_list_50mb": (lambda: "description:\n" + "- 1\n" * 12_500_000, r"over the 1,000,000-byte limit"),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_file_is_refused_in_one_line(name, tmp_path, monkeypatch, capsys):
    make, expected = ATTACKS[name]
    path = tmp_path / "in" / f"{name}.yaml"
    path.parent.mkdir()
    path.write_text(make(), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    status = main(["render", str(path), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("cppn-motion: error: ") and "Traceback" not in err
    assert str(path) in err, err
    assert re.search(expected, err), err
    assert len(err) < 400, err  # nothing expanded into the message
    assert not any(work.rglob("*")), "nothing may be written for a refused preset"


def test_size_refusal_names_file_limit_and_size(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("description: '" + "x" * 1_200_000 + "'\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_preset(str(path))
    message = str(info.value)
    assert str(path) in message and "1,000,000" in message and "1,200,016 bytes" in message


def test_embedded_text_is_bounded_too():
    # Text that reaches the parser without a file (a PNG's preset chunk, --set) is bounded the same way.
    with pytest.raises(yaml_strict.BoundsError):
        yaml_strict.load("x: '" + "y" * (yaml_strict.MAX_BYTES + 1) + "'")
    with pytest.raises(yaml_strict.BoundsError):
        yaml_strict.load(alias_bomb())


def test_ordinary_yaml_within_bounds_still_loads():
    nested = "[" * 90 + "1" + "]" * 90
    value = yaml_strict.load(f"a: {nested}\n")["a"]
    for _ in range(90):
        value = value[0] if isinstance(value, list) else value
    assert value == 1
    merged = yaml_strict.load("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\nmore: [*b, *b]\n")
    assert merged["use"] == {"x": 1, "y": 3} and merged["more"] == [{"x": 1, "y": 2}] * 2


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[2] / "presets").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_preset_still_loads(path):
    load_preset(str(path))


@pytest.mark.parametrize("carrier", ["png", "sidecar"])
def test_alias_bomb_carried_in_an_output_is_refused(carrier, tmp_path, monkeypatch, capsys):
    # A 437-byte PNG carrying the bomb took 58 s before the bounds.
    if carrier == "png":
        from PIL import Image, PngImagePlugin

        path = tmp_path / "shared.png"
        info = PngImagePlugin.PngInfo()
        info.add_text("cppn_motion_preset", alias_bomb())
        Image.new("RGB", (2, 2)).save(path, pnginfo=info)
    else:
        path = tmp_path / "shared.mp4.yaml"
        path.write_text(alias_bomb(), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    status = main(["render", "--from", str(path), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("cppn-motion: error: "), err
    assert re.search(r"more than 20,?000 values once aliases are expanded", err), err
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted([path.name, "work"]), "nothing may be written"
