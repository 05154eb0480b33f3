"""`cppn-motion grow`: the picture growing as layers (or units) are added, with the stage written
on each frame. Parses flags, calls growth.py for the frames, draws labels, writes the file."""
from __future__ import annotations

import argparse
import time as clock
from dataclasses import replace
from pathlib import Path

import numpy as np

from cppn_motion.cli.args import (
    ProgressBar,
    add_preset_options,
    load_from_args,
    non_negative_int,
    parse_time,
    positive_int,
    report_written,
)

EXAMPLE = """examples:
  cppn-motion grow                                   # outputs/default_grow.gif, one stage per layer
  cppn-motion grow default --set net.depth=12 --blend 8 -o grow.gif
  cppn-motion grow ink --mode width --hold 6 -o widen.mp4"""

# The label's height as a fraction of the frame height: readable at 270p, not shouting at 1080p.
LABEL_HEIGHT = 0.07


def register(add_command) -> None:
    parser = add_command("grow", "Animate the picture as the net grows layer by layer (or, with --mode width, "
                                 "unit by unit), the stage written on each frame.")
    parser.epilog = EXAMPLE
    add_preset_options(parser, output_help="output .gif or .mp4; default outputs/<preset name>_grow.gif")
    parser.add_argument("--mode", choices=("depth", "width"), default="depth",
                        help="depth: add layers one by one (default); width: add units to layers 2..depth, the first "
                             "layer whole (mlp only)")
    parser.add_argument("--hold", type=positive_int, default=None, metavar="N",
                        help="frames showing each stage (default: half a second)")
    parser.add_argument("--blend", type=non_negative_int, default=None, metavar="N",
                        help="frames leading from each stage to the next: the entering layer growing in "
                             "(readout, residual; default: half of --hold) or a cross-fade (independent; default 0: "
                             "cuts)")
    parser.add_argument("--time", default="0", metavar="T",
                        help="which moment of the preset's loop to grow: a fraction (0.25), seconds (2.5s) or a frame "
                             "(30f); default 0")
    parser.add_argument("--method", choices=("readout", "residual", "independent"), default=None,
                        help="readout (default): each new layer enters the picture at a measured share, rising "
                             "0 -> 1, so one picture gains detail (mlp: it also folds a residual state; conv: the "
                             "plain layers, the head reading every grown layer); residual: each new layer enters as "
                             "h + a*f(h) (moves the composition more; mlp only); independent: the net truncated "
                             "after each layer, a new picture per stage (the last stage is render's picture)")
    parser.add_argument("--calibration", choices=("shared", "stage", "full"), default=None,
                        help="colour statistics: each stage's own (default), one set shared by all stages "
                             "(the full-depth readout or residual net's with those methods), or the full plain net's")
    parser.add_argument("--no-label", action="store_true", help="do not write the stage on the frames")
    parser.set_defaults(run=run)


def draw_label(frame: np.ndarray, text: str) -> np.ndarray:
    """The frame with `text` in its top-left corner (Pillow's default font, light on a dark shadow)."""
    from PIL import Image, ImageDraw, ImageFont

    height = frame.shape[0]
    size = max(8, round(height * LABEL_HEIGHT))
    try:
        font = ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: a fixed-size bitmap font
        font = ImageFont.load_default()
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    margin = max(2, size // 3)
    shadow = max(1, size // 12)
    draw.text((margin + shadow, margin + shadow), text, font=font, fill=(0, 0, 0))
    draw.text((margin, margin), text, font=font, fill=(255, 255, 255))
    return np.asarray(image)


def run(args: argparse.Namespace) -> int:
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.rendering.output import resolve_output
    from cppn_motion.rendering.scene import build_scene
    from cppn_motion.study.growth import check_method, default_method, growth_frame_count, iter_growth

    preset = load_from_args(args)
    path = Path(args.output) if args.output else Path("outputs") / f"{preset.name}_grow.gif"
    OutputTarget.at(path)  # an unsupported extension fails before any compute
    phase = parse_time(args.time, preset.timeline.frames, preset.timeline.fps)
    fps = preset.timeline.fps
    hold = args.hold if args.hold is not None else max(1, round(fps / 2))
    device = resolve_device(args.device)
    # Recorded like render's outputs (embedded and in a sidecar), with the flags that made it:
    # `cppn-motion grow <sidecar> <these flags>` makes it again.
    scene = build_scene(preset, device)
    method = args.method or default_method(scene)
    check_method(scene, method)
    calibration = args.calibration or "stage"
    blend = args.blend if args.blend is not None else (max(1, hold // 2) if method != "independent" else 0)
    command = (f"grow --mode {args.mode} --method {method} --hold {hold} --blend {blend} --time {phase!r} "
               f"--calibration {calibration}" + (" --no-label" if args.no_label else ""))
    out = resolve_output(preset, path, command=command)
    # Every frame is kept, whatever output.gif_max_fps: a stage may last a single frame, and the
    # held frames are identical, so the GIF writer merges them at no cost.
    out = replace(out, options=replace(out.options, gif_max_fps=None))
    writer = out.open(sidecar=True)
    started = clock.perf_counter()
    with writer:
        total = growth_frame_count(scene, args.mode, hold, blend)
        with ProgressBar(total, args.quiet, f"{preset.name} grow") as bar:
            for frame, label in iter_growth(scene, args.mode, hold=hold, blend=blend, phase=phase,
                                            calibration=calibration, method=method):
                writer.write((frame if args.no_label else draw_label(frame, label))[None])
                bar.update(1)
    report_written(args, path, total, started, preset, device)
    return 0
