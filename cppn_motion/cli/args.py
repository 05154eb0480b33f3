"""Flags and helpers shared by the commands: preset options, argument types, time and size parsing,
override merging and the progress bar. Commands import this; it imports no command."""
from __future__ import annotations

import argparse
import sys
import time as clock
from pathlib import Path
from typing import Any

from cppn_motion.errors import UserError


def add_preset_options(parser: argparse.ArgumentParser, *, output_help: str) -> None:
    parser.add_argument("preset", nargs="?", default="default",
                        help="bundled preset name (see `cppn-motion presets`) or path to a .yaml file; default: default")
    parser.add_argument("-o", "--output", metavar="PATH", help=output_help)
    parser.add_argument("--size", metavar="WxH", help="frame size in pixels, e.g. 1920x1080 (overrides canvas.width/height)")
    parser.add_argument("--seed", type=non_negative_int, help="random seed (overrides seed)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override any preset field, e.g. --set net.depth=12 (repeatable)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N or mps")
    parser.add_argument("--fast", action="store_true",
                        help="the fastest arithmetic the device has, for previews (sets net.precision=fast)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")


def _int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}; got {text!r}")
    return value


def positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0; got {text!r}")
    return value


def parse_size(text: str) -> tuple[int, int]:
    parts = text.lower().replace("*", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise UserError(f"--size: expected WIDTHxHEIGHT such as 1280x720; got {text!r}") from None
    if width < 2 or height < 2:
        raise UserError(f"--size: width and height must be at least 2; got {text!r}")
    return width, height


def parse_time(text: str, frames: int, fps: float) -> float:
    """--time as a loop phase: '0.25' (fraction), '2.5s' (seconds) or '30f' (frame number)."""
    from cppn_motion.config.timespec import frame_of_suffixed

    frame = frame_of_suffixed(text, fps)
    try:
        phase = frame / frames if frame is not None else float(text.strip())
    except ValueError:
        raise UserError(f"--time: expected a fraction 0-1 (0.25), seconds (2.5s) or a frame (30f); got {text!r}") from None
    if not 0.0 <= phase <= 1.0:
        raise UserError(f"--time: must fall within the clip (fraction 0-1); got {text!r} = {phase:.3g} of the loop"
                        f"{_time_hint(text, frame, frames, fps)}")
    return phase


def _time_hint(text: str, frame: float | None, frames: int, fps: float) -> str:
    """For a bare number past 1 ('--time 2'): the seconds and frame spellings that fit the clip."""
    if frame is not None:
        return f" (the clip has {frames} frames, {frames / fps:.3g} s)"
    value = float(text)
    if value < 0:
        return ""
    hints = []
    if value * fps <= frames:
        hints.append(f"{value:g}s for {value:g} seconds (frame {round(value * fps)}f)")
    if value.is_integer() and value <= frames:
        hints.append(f"{int(value)}f for frame {int(value)}")
    options = f"; write {' or '.join(hints)}" if hints else ""
    return f"{options} (the clip has {frames} frames, {frames / fps:.3g} s)"


def overrides_from_args(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> list[str] | dict[str, Any]:
    """--set values first, then explicit flags, which take precedence over --set."""
    from cppn_motion.config.presets import parse_set

    merged: dict[str, Any] = dict(parse_set(item) for item in args.overrides)
    if getattr(args, "size", None):
        merged["canvas.width"], merged["canvas.height"] = parse_size(args.size)
    if getattr(args, "seed", None) is not None:
        merged["seed"] = args.seed
    if getattr(args, "fast", False):
        merged["net.precision"] = "fast"
    merged.update(extra or {})
    return merged


def load_from_args(args: argparse.Namespace, extra: dict[str, Any] | None = None):
    from cppn_motion.config.presets import load_preset

    return load_preset(args.preset, overrides_from_args(args, extra))


# ---------------------------------------------------------------------------
# Commands


class ProgressBar:
    """A tqdm bar on stderr that appears only once rendering starts, so an error
    found while validating is never preceded by an empty bar."""

    def __init__(self, total: int, quiet: bool, label: str) -> None:
        self.total, self.quiet, self.label = total, quiet, label
        self.bar = None

    def update(self, frames: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="frame", desc=self.label, disable=self.quiet,
                            file=sys.stderr, dynamic_ncols=True, leave=False)
        self.bar.update(frames)

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def report_written(args: argparse.Namespace, path: Path, frames: int, started: float, preset, device) -> None:
    if args.quiet:
        return
    seconds = clock.perf_counter() - started
    canvas = preset.canvas
    rate = f", {frames / seconds:.1f} frames/s" if frames > 1 else ""
    print(f"wrote {path} ({canvas.width}x{canvas.height}, {frames} frame{'s' if frames != 1 else ''}, "
          f"{seconds:.1f} s on {device}{rate})", file=sys.stderr)
