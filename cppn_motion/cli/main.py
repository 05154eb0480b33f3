"""The `cppn-motion` command: parse flags, build the preset, call the library, report.

User mistakes print one line and exit 2; `--debug` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import time as clock
import traceback
import warnings
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Sequence

from cppn_motion import atomic
from cppn_motion.cli.args import (
    ProgressBar,
    add_preset_options,
    load_from_args,
    non_negative_int,
    parse_time,
    positive_float,
    positive_int,
    report_written,
)
from cppn_motion.cli.segments import add_segment_options, run_segmented, wants_segments
from cppn_motion.errors import UserError
from cppn_motion.locks import output_lock
from cppn_motion.rendering.hooks import Hooks
from cppn_motion.signals import Terminated, ignore_stop_signals, stop_on_signals

EXAMPLES = {
    "render": "examples:\n  cppn-motion render                       # presets/default.yaml -> outputs/default.mp4\n"
              "  cppn-motion render sin_waves -o waves.gif --size 480x270\n"
              "  cppn-motion render default --set net.depth=12 --set colour.mode=palette\n"
              "  cppn-motion render --from outputs/default.mp4 --size 3840x2160   # the same loop, in 4K\n"
              "  cppn-motion render sin_waves --reroll 8     # try 8 seeds, keep the most varied\n"
              "  cppn-motion render showcase_1080p --resume          # continues where an interrupted run stopped\n"
              "  cppn-motion render --device cuda --set net.precision=fp32   # GPU frames within a code of the CPU's\n"
              "  torchrun --nproc-per-node=4 -m cppn_motion render showcase_1080p -o out.mp4   # 4 GPUs",
    "still": "examples:\n  cppn-motion still                        # outputs/default.png\n"
             "  cppn-motion still mixed_garden --size 3840x2160 --time 0.25 -o poster.png\n"
             "  cppn-motion still --size 7680x4320 --bit-depth 16 -o poster16.png   # tiled, 16-bit\n"
             "  cppn-motion still --seeds 1-16 -o sheet.png    # contact sheet of 16 seeds",
    "presets": "example:\n  cppn-motion presets",
    "show": "examples:\n  cppn-motion show default --set net.depth=4 > mine.yaml\n  cppn-motion render mine.yaml",
}


# Subcommands that live in modules of their own. Each module has
# `register(add_command)`, where add_command(name, help) returns an ArgumentParser;
# the module adds its flags and sets `run=` (a function of the parsed args -> exit status).
COMMAND_MODULES: list[str] = ["cppn_motion.cli.join", "cppn_motion.cli.grow", "cppn_motion.cli.compare",
                              "cppn_motion.cli.complexity", "cppn_motion.cli.bench", "cppn_motion.cli.gallery",
                              "cppn_motion.cli.palettes", "cppn_motion.cli.export", "cppn_motion.cli.live"]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors become UserError (one line, exit 2) instead of a usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # The CLI prints 'cppn-motion: error: ' itself: name only the subcommand, if any.
        command = self.prog.removeprefix("cppn-motion").strip()
        raise UserError(f"{command + ': ' if command else ''}{message} (see --help)")


def check_set_pairs(argv: Sequence[str]) -> None:
    """`--set net.depth 12` (a space for the '='): say how to write it, instead of argparse's
    'unrecognized arguments: 12'."""
    for flag, value in zip(argv, argv[1:]):
        if flag == "--set" and "=" not in value and not value.startswith("-"):
            raise UserError(f"--set: expected KEY=VALUE, e.g. --set net.depth=12; got '--set {value}'")


def add_quality_options(parser: argparse.ArgumentParser, still: bool = False) -> None:
    """--from, --reroll (and for stills --bit-depth, --seeds): see quality_cli.py."""
    from cppn_motion.cli.quality import add_options

    add_options(parser, still)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cppn-motion",
        description="Render randomly initialised neural networks into images, looping videos and GIFs.",
    )
    parser.add_argument("--version", action="version", version=f"cppn-motion {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES.get(name),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    render = command("render", "Render a preset to a looping MP4, a GIF or a PNG still (chosen by -o's extension).")
    add_preset_options(render, output_help="output file (.mp4, .gif or .png); default outputs/<preset name>.mp4")
    from cppn_motion.cli.clip import add_clip_options

    add_clip_options(render)  # --preview, --frames-range, --report
    render.add_argument("--frames", type=positive_int, help="number of frames (overrides timeline.frames)")
    render.add_argument("--fps", type=positive_float, help="frames per second (overrides timeline.fps)")
    render.add_argument("--batch-size", type=positive_int, metavar="N",
                        help="frames rendered at once (default: chosen from free memory)")
    render.add_argument("--encoders", default="auto", metavar="N|auto",
                        help="MP4 only: encode N segments of the clip in parallel and join them by stream copy "
                             "(auto: 1 on machines with fewer than 8 cores or when the CPU renders; "
                             "up to 8 when a GPU renders)")
    add_segment_options(render)
    add_quality_options(render)
    render.set_defaults(run=_cmd_render)

    still = command("still", "Render one frame of a preset to a PNG.")
    add_preset_options(still, output_help="output .png; default outputs/<preset name>.png")
    still.add_argument("--time", default="0", metavar="T",
                       help="which moment: a fraction of the loop 0-1 (0.25), seconds (2.5s) or a frame (30f); default 0")
    add_quality_options(still, still=True)
    still.set_defaults(run=_cmd_still)

    presets = command("presets", "List the bundled presets with one-line descriptions.")
    presets.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    presets.set_defaults(run=_cmd_presets)

    show = command("show", "Print the fully resolved preset as YAML (renders identically when fed back).")
    show.add_argument("preset", nargs="?", default="default", help="bundled preset name or path to a .yaml file")
    show.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                      help="override any preset field (repeatable)")
    show.add_argument("--size", metavar="WxH", help="frame size in pixels")
    show.add_argument("--seed", type=non_negative_int, help="random seed")
    show.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    show.set_defaults(run=_cmd_show)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(command)
    return parser


# ---------------------------------------------------------------------------
# Flag parsing helpers: each bad value names its flag, what is allowed and what was given.
# positive_int and non_negative_int are argparse types for every command module.


def _cmd_render(args: argparse.Namespace) -> int:
    from cppn_motion.api import render
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.rendering.output import default_output_path, resolve_output
    from cppn_motion.rendering.tuning import Tuning

    extra: dict[str, Any] = {}
    if args.frames is not None:
        extra["timeline.frames"] = args.frames
    if args.fps is not None:
        extra["timeline.fps"] = args.fps
    from cppn_motion.cli.quality import maybe_reroll, note, prepare

    preset, path, time, recorded_frames = prepare(args, extra, default_output_path)
    target = OutputTarget.at(path)
    # Every check on the flags comes before --reroll's search, which renders.
    from cppn_motion.scale.parallel_encode import check_encoders, parse_encoders

    encoders = parse_encoders(args.encoders)
    check_encoders(encoders, target.kind)
    if encoders is not None and encoders > 1:
        clashing = [flag for flag, on in (("--report", args.report),
                                          ("--shard/--resume/--segments/torchrun", wants_segments(args))) if on]
        if clashing:  # the motion report needs frames in order; segmented renders encode segments already
            raise UserError(f"--encoders {encoders}: not with {', '.join(clashing)}; use --encoders 1 or auto")
    if wants_segments(args):  # --shard, --resume, --segments or torchrun
        clip_flags = [flag for flag, on in (("--preview", args.preview), ("--frames-range", args.frames_range),
                                            ("--report", args.report),
                                            (f"--from '{args.from_output}' (it holds part of a clip)",
                                             recorded_frames is not None and not target.still)) if on]
        if clip_flags:
            sidecar = str(args.from_output) if str(args.from_output).endswith(".yaml") else f"{args.from_output}.yaml"
            whole = (f"; for the whole clip use the sidecar as the preset: cppn-motion render '{sidecar}' --resume"
                     if recorded_frames is not None and not target.still else "")
            raise UserError(f"{', '.join(clip_flags)}: not available with --shard, --resume, --segments or "
                            f"torchrun (segments always cover the whole clip){whole}")
        if not target.still:
            from cppn_motion.scale.resumable import check_segmentable

            check_segmentable(preset, path, "--shard" if args.shard else "--resume")
        with segmented_lock(args, path):
            return run_segmented(args, maybe_reroll(args, preset, args.device), path, time)
    device = resolve_device(args.device)
    from cppn_motion.cli.clip import plan_clip

    # Which frames, at what size and rate (a --from output's own frames unless flags say otherwise).
    plan = plan_clip(args, preset, target.still, recorded_frames, getattr(args, "from_output", None))
    preset = maybe_reroll(args, plan.preset, device)
    # A GIF renders only the frames it keeps (output.gif_max_fps): those are the bar's and the report's count.
    total = 1 if target.still else len(resolve_output(preset, path, fps=plan.fps).frames_held(plan.indices)[0])
    started = clock.perf_counter()
    with output_lock(path), ProgressBar(total, args.quiet, preset.name) as bar:
        render(preset, path, device=device, time=time, indices=plan.indices_for(target.still), fps=plan.fps,
               hooks=Hooks(progress=bar.update, notify=note, observe=plan.observe),
               tuning=Tuning(batch_size=args.batch_size, encoders=encoders))
    report_written(args, path, total, started, preset, device)
    plan.print_report()
    return 0


def segmented_lock(args: argparse.Namespace, path: Path):
    """The lock a segmented render holds: its own part file for --shard, the output for --resume;
    none under torchrun, whose ranks all run this command for one output (rank 0 joins)."""
    from cppn_motion.scale.plan import parse_shard, shard_path
    from cppn_motion.scale.torchrun import detect

    if detect() is not None:
        return nullcontext()
    if args.shard:
        return output_lock(shard_path(path, *parse_shard(args.shard)))
    return output_lock(path)


def _cmd_still(args: argparse.Namespace) -> int:
    from cppn_motion.api import render
    from cppn_motion.cli.quality import (
        contact_sheet_command,
        maybe_reroll,
        note,
        still_overrides,
    )
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.rendering.output import default_output_path

    if args.seeds:
        return contact_sheet_command(args)
    preset = load_from_args(args, still_overrides(args))
    path = Path(args.output) if args.output else default_output_path(preset, "png")
    if path.suffix.lower() != ".png" or "%" in path.name:
        raise UserError(f"-o: a still is written as one .png (no frame pattern); got {str(path)!r}")
    phase = parse_time(args.time, preset.timeline.frames, preset.timeline.fps)
    device = resolve_device(args.device)
    preset = maybe_reroll(args, preset, device)
    started = clock.perf_counter()
    with output_lock(path):
        render(preset, path, device=device, time=phase, hooks=Hooks(notify=note))
    report_written(args, path, 1, started, preset, device)
    return 0


def _cmd_presets(args: argparse.Namespace) -> int:
    from cppn_motion.config.presets import list_presets

    rows = list_presets()
    width = max((len(name) for name, _ in rows), default=0)
    for name, description in rows:
        print(f"{name.ljust(width)}  {description}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from cppn_motion.config.presets import preset_to_yaml

    sys.stdout.write(preset_to_yaml(load_from_args(args)))
    return 0


def _version() -> str:
    from cppn_motion._version import __version__

    return __version__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line, without the source location a user cannot act on."""
    print(f"cppn-motion: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (`argv` None: this process's own, sys.argv)."""
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    finally:
        if argv is None:  # a real process about to exit: a late signal must not kill it unreported
            ignore_stop_signals()
            # Everything alive now (torch's and our modules) dies with the process anyway; the
            # interpreter's final garbage collections over it took ~0.4 s of every command's wall
            # time (1.99 -> 1.62 s for a one-frame render, bench/RESULTS.md). Frozen objects are
            # skipped by those passes; atexit handlers, flushes and refcount frees still run.
            gc.freeze()


def _stopped(what: str) -> str:
    """What to say after a stop signal: truthfully, whether an output had already been committed."""
    if atomic.last_commit is not None:
        return f"cppn-motion: {what}; '{atomic.last_commit}' had been written in full and is kept"
    return f"cppn-motion: {what}; no partial output was left behind"


def _printable(message: object) -> str:
    """An error message with control characters escaped: it may quote text from a file (a PNG's
    chunk with an ANSI clear-screen), which must not reach the terminal raw."""
    return "".join(char if char.isprintable() or char == "\n" else repr(char)[1:-1] for char in str(message))


def _run(argv: list[str]) -> int:
    debug = "--debug" in argv
    atomic.last_commit = None
    try:
        check_set_pairs(argv)
        args = build_parser().parse_args(argv)
        with stop_on_signals(), warnings.catch_warnings():  # SIGTERM/SIGHUP: writers clean up as for Ctrl-C
            warnings.showwarning = _show_warning
            status = args.run(args)
            # Buffered output (stdout is a pipe and PYTHONUNBUFFERED unset, as for most users) reaches
            # the reader here, so a reader that left is seen below, not at interpreter exit (status 120).
            sys.stdout.flush()
            return status
    except UserError as exc:
        if debug:
            traceback.print_exc()
        print(f"cppn-motion: error: {_printable(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_stopped("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`cppn-motion presets | head`): not an error. Point stdout at
        # devnull so Python's own flush at exit does not complain a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Terminated as exc:
        print(_stopped(str(exc)), file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug or an environment failure: one line unless --debug
        if debug:
            traceback.print_exc()
        print(f"cppn-motion: error: {type(exc).__name__}: {_printable(exc)} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
