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
    assert "the gallery is one .png image" in err and "--time: expected a loop fraction" in err
    assert not list(tmp_path.iterdir())


def test_palettes_lists_ours_and_colorcets(capsys) -> None:
    assert main(["palettes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("silk") and "marble" in out and "CET_L3" in out and "glasbey" not in out
