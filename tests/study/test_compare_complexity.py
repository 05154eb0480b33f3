"""`compare` sheets and the `complexity` study: files written, labels, CSV rows, errors."""
from __future__ import annotations

import csv
import sys

import numpy as np
import pytest
from PIL import Image

from cppn_motion.cli.main import main
from cppn_motion.errors import UserError
from cppn_motion.study.variations import expand, parse_vary

TINY = ["--size", "24x16", "--set", "net.design_size=16", "--quiet"]


def test_vary_parses_values_and_coupled_keys():
    assert parse_vary("net.depth=1,2,4").values == [1, 2, 4]
    coupled = parse_vary("net.depth+net.width=1+100,10+10")
    cells = expand([coupled, parse_vary("net.activation=relu,sigmoid")])
    assert cells[1].overrides == {"net.depth": 10, "net.width": 10, "net.activation": "relu"}
    assert cells[1].label == "depth+width=10+10, activation=relu"
    with pytest.raises(UserError, match=r"--vary 'net.depth': expected KEY=V1,V2"):
        parse_vary("net.depth")
    with pytest.raises(UserError, match=r"each value needs 2 parts"):
        parse_vary("net.depth+net.width=1,2")


def test_compare_writes_a_labelled_png_grid(tmp_path):
    out = tmp_path / "sheet.png"
    assert main(["compare", "seed_10x10_relu", "--vary", "net.depth=1,3", "--vary", "net.activation=relu,sigmoid",
                 "-o", str(out), *TINY]) == 0
    sheet = np.asarray(Image.open(out).convert("RGB"))
    # 2 x 2 cells of 24 x 16 with a label band above each row.
    assert sheet.shape[1] == 2 * 24 + 3 * 2 and sheet.shape[0] > 2 * 16 + 2 * 10
    assert sheet.std() > 10


def test_compare_animates_a_gif(tmp_path):
    out = tmp_path / "sheet.gif"
    assert main(["compare", "seed_10x10_relu", "--vary", "net.depth=1,2", "--frames", "3",
                 "--set", "timeline.fps=10", "-o", str(out), *TINY]) == 0
    assert Image.open(out).n_frames == 3


def test_compare_bad_value_names_the_key_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert main(["compare", "default", "--vary", "net.depth=1,0", "-o", str(out), *TINY]) == 2
    assert "net.depth" in capsys.readouterr().err and not out.exists()


def test_complexity_writes_csv_rows_per_config_and_seed(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # the optional extra is absent: no plot, no error
    out = tmp_path / "study"
    assert main(["complexity", "seed_10x10_relu", "--vary", "net.depth+net.width=1+20,4+5",
                 "--seeds", "2", "-o", str(out), *TINY]) == 0
    with open(out / "complexity.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["config"], r["seed"]) for r in rows] == [
        ("depth+width=1+20", "1"), ("depth+width=1+20", "2"), ("depth+width=4+5", "1"), ("depth+width=4+5", "2")]
    assert rows[0]["params"] == str(2 * 20 * 9 + 20 + 20 + 20 * 3 + 3)
    assert int(rows[2]["linear_regions"]) >= 1
    assert (out / "sheet.png").exists() and not (out / "complexity.png").exists()
    assert "| depth+width=4+5 | 2 |" in capsys.readouterr().out


def test_compare_records_its_preset_and_vary_flags_in_the_sheet_and_a_sidecar(tmp_path, capsys):
    from cppn_motion.encoders.provenance import read_recorded

    out = tmp_path / "sheet.png"
    assert main(["compare", "default", "--vary", "net.depth=1,2", "-o", str(out), *TINY]) == 0
    assert read_recorded(out).command == "compare --vary net.depth=1,2 --time 0.0"
    sidecar = tmp_path / "sheet.png.yaml"
    assert "# made with: cppn-motion compare <this file> --vary net.depth=1,2 --time 0.0" in sidecar.read_text()
    again = tmp_path / "again.png"
    assert main(["compare", str(sidecar), "--vary", "net.depth=1,2", "-o", str(again), "--quiet"]) == 0
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(out)))
    assert main(["render", "--from", str(sidecar), "--quiet"]) == 2
    assert "was made by `cppn-motion compare`, not render" in capsys.readouterr().err
