"""`cppn-motion compare`: one preset rendered with each combination of `--vary` values,
same seed, laid out as a labelled grid (a PNG sheet, or an animated MP4/GIF sheet)."""
from __future__ import annotations

import argparse
import shlex
import time as clock
from pathlib import Path
from typing import Any, Callable

EXAMPLE = """examples:
  cppn-motion compare seed_10x10_relu --vary net.depth=1,2,4,8 -o depth.png
  cppn-motion compare seed_10x10_relu --vary net.depth=1,4,10 --vary net.activation=relu,sigmoid -o sheet.png
  cppn-motion compare default --vary net.arch=mlp,conv,vgg --size 160x90 -o archs.gif"""

# Frames of every cell rendered per step of an animated sheet: enough to batch, few enough
# that a sheet of many cells stays small in memory.
def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    from cppn_motion.cli.args import add_preset_options, positive_int

    parser = add_command("compare", "Render a grid of variations of one preset (same seed), labelled.")
    parser.epilog = EXAMPLE
    add_preset_options(parser, output_help="output .png (stills), .mp4 or .gif (animated grid); "
                                           "default outputs/<preset name>_compare.png")
    parser.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="a preset key and the values to try; the first runs across, others down (repeatable)")
    parser.add_argument("--time", default="0", metavar="T",
                        help="for a PNG sheet: the moment shown, as a loop fraction (0.25), seconds (2.5s) or frame (30f)")
    parser.add_argument("--frames", type=positive_int, help="frames of an animated sheet (overrides timeline.frames)")
    parser.set_defaults(run=run)


def build_cells(args: argparse.Namespace) -> tuple[Any, list[Any], list[str], int, int]:
    """The base preset, one validated preset per cell, their labels and the grid shape."""
    from cppn_motion.cli.args import load_from_args
    from cppn_motion.errors import UserError
    from cppn_motion.study.variations import expand, grid_shape, parse_vary

    if not args.vary:
        raise UserError("--vary: give at least one, e.g. --vary net.depth=1,2,4,8")
    variations = [parse_vary(text) for text in args.vary]
    extra = {} if args.frames is None else {"timeline.frames": args.frames}
    base = load_from_args(args, extra)
    cells = expand(variations)
    presets = [base.with_overrides(cell.overrides) for cell in cells]
    for preset in presets:
        if (preset.canvas.width, preset.canvas.height) != (base.canvas.width, base.canvas.height):
            raise UserError("--vary: every cell of a sheet has the preset's size; use --size, not --vary canvas.*")
    rows, cols = grid_shape(variations)
    return base, presets, [cell.label for cell in cells], rows, cols


def run(args: argparse.Namespace) -> int:
    from cppn_motion.cli.args import ProgressBar, parse_time, report_written
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.rendering.output import default_output_path, resolve_output
    from cppn_motion.rendering.scene import build_scene
    from cppn_motion.study.comparison import comparison_frames, comparison_still
    from cppn_motion.study.contact_sheet import label_lines, sheet_size

    base, presets, labels, rows, cols = build_cells(args)
    path = Path(args.output) if args.output else default_output_path(base, "png").with_name(f"{base.name}_compare.png")
    still = OutputTarget.at(path).still
    canvas, timeline = base.canvas, base.timeline
    size = sheet_size(rows, cols, (canvas.width, canvas.height), any(labels), label_lines(labels, canvas.width))
    device = resolve_device(args.device)
    frames = 1 if still else timeline.frames
    started = clock.perf_counter()
    # Recorded like render's outputs (embedded and in a sidecar): the base preset and the flags
    # that made the sheet from it, so `cppn-motion compare <sidecar> <these flags>` makes it again.
    phase = parse_time(args.time, timeline.frames, timeline.fps)
    command = " ".join(["compare", *(f"--vary {shlex.quote(text)}" for text in args.vary), f"--time {phase!r}"])
    out = resolve_output(base, path, size=size, command=command)
    writer = out.open(sidecar=True)
    with writer, ProgressBar(frames * len(presets), args.quiet, f"{base.name} x{len(presets)}") as bar:
        scenes = [build_scene(preset, device) for preset in presets]
        bar.update(0)
        if still:
            writer.write(comparison_still(scenes, labels, rows, cols, size, phase, bar.update)[None])
        else:
            for sheets in comparison_frames(scenes, labels, rows, cols, size, frames, bar.update):
                writer.write(sheets)
    report_written(args, path, frames, started, base.with_overrides(
        {"canvas.width": size[0], "canvas.height": size[1]}), device)
    return 0

