"""The CLI side of output quality: `render --from`, `--reroll`, and for stills `--bit-depth`
and `--seeds` (contact sheets). Parses, calls the library, reports."""
from __future__ import annotations

import argparse
import shlex
import sys
import time as clock
from pathlib import Path
from typing import Any, Callable

from cppn_motion.errors import UserError

# The commands whose outputs record how to make them again (cppn_motion_command).
RECORDED_COMMANDS = ("grow", "compare")


def safe_to_show(flags: str) -> bool:
    """Whether recorded flags may be shown as a command to paste: printable, and exactly the
    shell-quoted form of their own words, so no ';', '|', '$(...)' can run anything else."""
    try:
        words = shlex.split(flags)
    except ValueError:
        return False
    return flags.isprintable() and " ".join(shlex.quote(word) for word in words) == flags


def add_options(parser: argparse.ArgumentParser, still: bool) -> None:
    from cppn_motion.cli.args import positive_int

    if not still:
        parser.add_argument("--from", dest="from_output", metavar="FILE",
                            help="re-render what FILE recorded (a .png, .gif, .mp4, .webm or its .yaml sidecar); "
                                 "flags such as --size still apply")
    parser.add_argument("--reroll", type=positive_int, metavar="N",
                        help="try N seeds (from --seed/seed upwards) on a small proxy; keep the most varied")
    if still:
        parser.add_argument("--bit-depth", type=int, choices=(8, 16), help="PNG bits per channel (output.bit_depth)")
        parser.add_argument("--seeds", metavar="LIST",
                            help="a contact sheet instead: one cell per seed, e.g. 1-16 or 3,7,12")


def note(message: str) -> None:
    """Advice from the library (dull frames, GIF limits applied): always shown, even with --quiet."""
    print(f"cppn-motion: note: {message}", file=sys.stderr)


def still_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"output.bit_depth": args.bit_depth} if getattr(args, "bit_depth", None) else {}


def prepare(args: argparse.Namespace, extra: dict[str, Any],
            default_output_path: Callable) -> tuple[Any, Path, float, Any]:
    """(preset, output path, still phase, recorded frames) for `render`, from a preset or from
    --from; recorded frames are those a --from output holds when not the whole clip, else None."""
    from cppn_motion.cli.args import load_from_args, overrides_from_args

    time, frames = 0.0, None
    if getattr(args, "from_output", None):
        from cppn_motion.config.recorded import (
            recorded_preset,
            rerender_path,
            sequence_frame,
        )

        if args.preset != "default":
            raise UserError(f"--from: give a preset or --from, not both; got preset '{args.preset}' "
                            f"and --from '{args.from_output}'")
        preset, recorded = recorded_preset(args.from_output, overrides_from_args(args, extra))
        if recorded.command:  # a grow or compare output: render would make something else
            from cppn_motion.encoders.provenance import sidecar_path

            name, _, flags = recorded.command.partition(" ")
            source = Path(args.from_output)
            if name not in RECORDED_COMMANDS or not safe_to_show(flags):
                # Text from a file is not shown as a command to paste: it could be anything (`; curl ... | sh`).
                raise UserError(f"--from: '{source}' records a command cppn-motion does not write "
                                f"({recorded.command[:60]!r}); it cannot be re-rendered")
            recipe = source if source.suffix.lower() in (".yaml", ".yml") else sidecar_path(source)
            raise UserError(f"--from: '{source}' was made by `cppn-motion {name}`, not render; make it again with: "
                            f"cppn-motion {name} {recipe} {flags}".rstrip())
        path = Path(args.output) if args.output else rerender_path(args.from_output, preset, recorded)
        time = recorded.time or 0.0
        frame = sequence_frame(args.from_output, recorded)
        if recorded.time is None and frame is not None:  # one file of a sequence -> a still: that frame
            time = frame / preset.timeline.frames
        frames = recorded.frames
    else:
        preset = load_from_args(args, extra)
        path = Path(args.output) if args.output else default_output_path(preset)
    return preset, path, time, frames


def maybe_reroll(args: argparse.Namespace, preset, device):
    if not getattr(args, "reroll", None):
        return preset
    from cppn_motion.study.reroll import pick_seed

    result = pick_seed(preset, args.reroll, device)
    note(result.summary())
    return preset.with_overrides({"seed": result.seed})


def contact_sheet_command(args: argparse.Namespace) -> int:
    """`still --seeds 1-16 -o sheet.png`: a grid of stills, one per seed, labelled."""
    from dataclasses import replace

    from cppn_motion.cli.args import load_from_args, parse_time
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.rendering.output import default_output_path, resolve_output
    from cppn_motion.study.contact_sheet import cell_size, parse_seeds, seed_sheet

    seeds = parse_seeds(args.seeds)
    if getattr(args, "reroll", None) or getattr(args, "bit_depth", None) == 16:
        raise UserError("--seeds: a contact sheet is 8-bit and shows the seeds it lists; "
                        "drop --reroll and --bit-depth 16")
    preset = load_from_args(args, still_overrides(args))
    width, height = cell_size(preset.canvas.width, preset.canvas.height, explicit=bool(args.size))
    preset = preset.with_overrides({"canvas.width": width, "canvas.height": height, "output.bit_depth": 8})
    path = Path(args.output) if args.output else default_output_path(preset, "png").with_name(f"{preset.name}-sheet.png")
    if not OutputTarget.at(path).still:
        raise UserError(f"-o: a contact sheet is one .png image (no frame pattern); got {str(path)!r}")
    phase = parse_time(args.time, preset.timeline.frames, preset.timeline.fps)
    device = resolve_device(args.device)
    started = clock.perf_counter()
    sheet = seed_sheet(preset, seeds, phase, device)
    out = resolve_output(preset, path, time=phase, size=(sheet.shape[1], sheet.shape[0]))
    out = replace(out, metadata={**out.metadata, "cppn_motion_seeds": args.seeds})
    with out.open(sidecar=True) as writer:
        writer.write(sheet)
    if not args.quiet:
        print(f"wrote {path} ({sheet.shape[1]}x{sheet.shape[0]}: {len(seeds)} seeds, cells {width}x{height}, "
              f"{clock.perf_counter() - started:.1f} s on {device})", file=sys.stderr)
    return 0
