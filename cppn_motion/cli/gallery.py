"""`cppn-motion gallery`: one labelled still of every bundled preset (or the named ones) in one
PNG sheet; `-o docs/gallery.png` regenerates the README's gallery."""
from __future__ import annotations

import argparse
import time as clock
from pathlib import Path
from typing import Callable

EXAMPLE = """examples:
  cppn-motion gallery -o docs/gallery.png          # every bundled preset, 320x180 each
  cppn-motion gallery ink marble op_art --cell 640x360 --columns 3 -o mine.png"""


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    from cppn_motion.cli.args import positive_int

    parser = add_command("gallery", "One labelled still of every bundled preset (or the named ones), one PNG.")
    parser.epilog = EXAMPLE
    parser.add_argument("presets", nargs="*", metavar="PRESET", help="preset names or .yaml paths; default: all bundled")
    parser.add_argument("-o", "--output", metavar="PATH", default="outputs/gallery.png",
                        help="a .png file; default outputs/gallery.png")
    parser.add_argument("--cell", metavar="WxH", default="320x180", help="size of each still; default 320x180")
    parser.add_argument("--columns", type=positive_int, default=4, help="stills per row; default 4")
    parser.add_argument("--time", default="0.25", metavar="T", help="the moment shown, as a loop fraction; default 0.25")
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
    import sys

    from cppn_motion.cli.args import ProgressBar, parse_size
    from cppn_motion.encoders import open_writer, writer_for
    from cppn_motion.errors import UserError
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.study.gallery import gallery_presets, gallery_sheet, gallery_size

    path = Path(args.output)
    if writer_for(path) != "png":
        raise UserError(f"-o: the gallery is one .png image; got {str(path)!r}")
    phase = _phase(args.time)
    presets = gallery_presets(args.presets or None, parse_size(args.cell))
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
