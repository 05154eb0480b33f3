"""`cppn-motion gallery`: one labelled still of every bundled preset (or the named ones) in one
PNG sheet (`-o docs/gallery.png` regenerates the README's gallery), or with `-o NAME.html` one
self-contained page where every tile plays its loop."""
from __future__ import annotations

import argparse
import time as clock
from pathlib import Path
from typing import Callable

EXAMPLE = """examples:
  cppn-motion gallery -o docs/gallery.png          # every bundled preset, 320x180 each
  cppn-motion gallery ink marble op_art --cell 640x360 --columns 3 -o mine.png
  cppn-motion gallery -o gallery.html               # every loop playing, 256x144 tiles, one file"""

# Tile sizes: a sheet's cells are read as stills; a page's tiles are animations, kept smaller
# so the 22 bundled loops stay a few MB.
PNG_CELL, HTML_CELL = "320x180", "256x144"


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    from cppn_motion.cli.args import positive_int

    parser = add_command("gallery", "Every bundled preset (or the named ones): labelled stills in one PNG, "
                                    "or their loops playing in one .html page.")
    parser.epilog = EXAMPLE
    parser.add_argument("presets", nargs="*", metavar="PRESET", help="preset names or .yaml paths; default: all bundled")
    parser.add_argument("-o", "--output", metavar="PATH", default="outputs/gallery.png",
                        help="a .png sheet or an .html page; default outputs/gallery.png")
    parser.add_argument("--cell", metavar="WxH", help=f"size of each tile; default {PNG_CELL} (.html: {HTML_CELL})")
    parser.add_argument("--columns", type=positive_int, default=4, help="stills per row of a .png; default 4")
    parser.add_argument("--time", default="0.25", metavar="T",
                        help="the moment a .png shows, as a loop fraction; default 0.25")
    parser.add_argument("--fps", type=positive_int, default=None, metavar="N",
                        help="an .html tile plays at most N frames a second (default 12)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N or mps")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    parser.set_defaults(run=run)


def _phase(text: str) -> float:
    from cppn_motion.errors import UserError

    try:
        phase = float(text)
    except ValueError:
        phase = -1.0
    if not 0.0 <= phase <= 1.0:
        raise UserError(f"--time: expected a loop fraction from 0 to 1 such as 0.25; got {text!r}")
    return phase


def run(args: argparse.Namespace) -> int:
    from cppn_motion.encoders import writer_for
    from cppn_motion.errors import UserError

    path = Path(args.output)
    page = path.suffix.lower() in (".html", ".htm")
    if not page and writer_for(path) != "png":
        raise UserError(f"-o: the gallery is one .png image or one .html page; got {str(path)!r}")
    if page and args.time != "0.25":
        raise UserError("--time: an .html gallery plays each whole loop; --time is for a .png sheet")
    if not page and args.fps is not None:
        raise UserError("--fps: is for an .html gallery's tiles; a .png sheet shows one moment (--time)")
    return _page(args, path) if page else _sheet(args, path)


def _sheet(args: argparse.Namespace, path: Path) -> int:
    import sys

    from cppn_motion.cli.args import ProgressBar, parse_size
    from cppn_motion.encoders import open_writer
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.study.gallery import gallery_presets, gallery_sheet, gallery_size

    phase = _phase(args.time)
    presets = gallery_presets(args.presets or None, parse_size(args.cell or PNG_CELL))
    size = gallery_size(presets, args.columns)
    device = resolve_device(args.device)
    started = clock.perf_counter()
    writer = open_writer(path, fps=1.0, size=size, metadata={"cppn_motion_gallery": ", ".join(p.name for p in presets)})
    with writer, ProgressBar(len(presets), args.quiet, "gallery") as bar:
        writer.write(gallery_sheet(presets, phase, args.columns, device, bar.update)[None])
    if not args.quiet:
        print(f"wrote {path} ({size[0]}x{size[1]}, {len(presets)} presets, "
              f"{clock.perf_counter() - started:.1f} s on {device})", file=sys.stderr)
    return 0


def _page(args: argparse.Namespace, path: Path) -> int:
    import sys

    from cppn_motion._version import __version__
    from cppn_motion.atomic import atomic_output
    from cppn_motion.cli.args import ProgressBar, parse_size
    from cppn_motion.errors import UserError
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.study.gallery import gallery_presets
    from cppn_motion.study.gallery_page import TILE_FPS, gallery_page, loop_tiles

    if path.is_dir():
        raise UserError(f"-o: '{path}' is a folder; give a file name ending in .html")
    presets = gallery_presets(args.presets or None, parse_size(args.cell or HTML_CELL))
    device = resolve_device(args.device)
    started = clock.perf_counter()
    with ProgressBar(len(presets), args.quiet, "gallery") as bar:
        tiles = loop_tiles(presets, device, args.fps or TILE_FPS, bar.update)
    text = gallery_page(tiles, __version__)
    with atomic_output(path) as temp:  # an interrupted run leaves an earlier page as it was
        temp.write_text(text, encoding="utf-8")
    if not args.quiet:
        print(f"wrote {path} ({len(presets)} loops, {len(text.encode()) / 2**20:.1f} MiB, "
              f"{clock.perf_counter() - started:.1f} s on {device})", file=sys.stderr)
    return 0
