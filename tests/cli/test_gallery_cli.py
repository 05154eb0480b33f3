"""`cppn-motion gallery` and `cppn-motion palettes` through the CLI."""
from __future__ import annotations

import numpy as np
from PIL import Image

from cppn_motion.cli.main import main


def test_gallery_writes_one_png(tmp_path) -> None:
    out = tmp_path / "g.png"
    assert main(["gallery", "ink", "op_art", "--cell", "32x18", "--columns", "2", "-o", str(out), "--quiet",
                 "--device", "cpu"]) == 0
    image = np.asarray(Image.open(out))
    assert image.shape[1] >= 64 and image.shape[0] > 18


def test_gallery_refuses_a_video_and_a_bad_time(tmp_path, capsys) -> None:
    assert main(["gallery", "-o", str(tmp_path / "g.gif")]) == 2
    assert main(["gallery", "--time", "3", "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert "the gallery is one .png image or one .html page" in err and "--time: expected a loop fraction" in err
    assert not list(tmp_path.iterdir())


def test_palettes_lists_ours_and_colorcets(capsys) -> None:
    assert main(["palettes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("silk") and "marble" in out and "CET_L3" in out and "glasbey" not in out


def test_the_html_gallery_refuses_png_only_flags_and_the_png_html_ones(tmp_path, capsys) -> None:
    assert main(["gallery", "ink", "--time", "0.5", "-o", str(tmp_path / "g.html")]) == 2
    assert main(["gallery", "ink", "--fps", "6", "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert "--time: an .html gallery plays each whole loop" in err and "--fps: is for an .html gallery" in err
    assert err.count("\n") == 2 and not list(tmp_path.iterdir())
