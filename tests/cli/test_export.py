"""`cppn-motion export`: writes the page or the shader, refuses what a shader cannot be in one line."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cppn_motion.cli.main import main

TINY = ["--size", "32x18", "--set", "net.depth=2", "--set", "net.width=8", "--set", "timeline.frames=4"]


def test_export_writes_a_page_that_render_from_reads(tmp_path, capsys):
    page = tmp_path / "loop.html"
    assert main(["export", "default", "-o", str(page), *TINY]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "wrote" in capsys.readouterr().err
    png = tmp_path / "again.png"
    assert main(["render", "--from", str(page), "-o", str(png), "--quiet"]) == 0
    assert np.asarray(Image.open(png)).shape == (18, 32, 3)


@pytest.mark.parametrize("suffix, shadertoy", [(".frag", False), (".glsl", True)])
def test_export_writes_a_shader(tmp_path, suffix, shadertoy):
    path = tmp_path / f"loop{suffix}"
    assert main(["export", "default", "-o", str(path), *TINY, *(["--shadertoy"] if shadertoy else [])]) == 0
    text = path.read_text(encoding="utf-8")
    assert ("void mainImage(" in text) == shadertoy
    assert text.startswith("#version 300 es") != shadertoy


@pytest.mark.parametrize("args, message", [
    (["vgg_look"], "net.arch: a live shader covers the per-pixel 'mlp' only"),
    (["default", "-o", "{dir}/x.mp4"], "-o: expected a .html, .frag or .glsl file"),
    (["default", "-o", "{dir}/x.html", "--shadertoy"], "--shadertoy: only for .frag or .glsl outputs"),
    (["default", "-o", "{dir}/x.frag", *TINY, "--set", "timeline.weights.mode=perturb"],
     "timeline.weights: a standalone shader carries its weights"),
])
def test_bad_exports_are_one_line_exit_2_and_leave_the_file(tmp_path, capsys, args, message):
    target = tmp_path / "x.html"
    target.write_bytes(b"earlier")
    args = [a.replace("{dir}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(target)]
    assert main(["export", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.html"]
