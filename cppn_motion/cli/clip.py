"""The render command's clip flags: --preview (quarter size, every 4th frame, same timing),
--frames-range A:B (exactly those frames of the full render) and --report (motion statistics,
computed by motion_report.py and printed here)."""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.study.motion_report import MotionMeter, MotionReport

# --preview shrinks each side and keeps every Nth frame by this factor: 16x fewer pixels
# and 4x fewer frames, so a clip previews ~64x faster at the same duration.
PREVIEW_FACTOR = 4

EXAMPLES = ("  cppn-motion render zoom_loop --preview --report    # quarter size, every 4th frame, motion stats\n"
            "  cppn-motion render default --frames-range 30:60 -o part.mp4")


def add_clip_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preview", action="store_true",
                        help=f"quick look: 1/{PREVIEW_FACTOR} size and every {PREVIEW_FACTOR}th frame, same timing")
    parser.add_argument("--frames-range", metavar="A:B",
                        help="render only frames A to B-1, identical to those frames of the full render")
    parser.add_argument("--report", action="store_true",
                        help="print per-frame change (min, median, max, loop seam) and warn about jumps and stills")
    parser.epilog = f"{parser.epilog}\n{EXAMPLES}" if parser.epilog else f"examples:\n{EXAMPLES}"


def preview_size(width: int, height: int) -> tuple[int, int]:
    """Each side divided by PREVIEW_FACTOR, kept even (H.264 needs even sizes) and at least 2."""
    def shrink(side: int) -> int:
        return max(2, round(side / PREVIEW_FACTOR / 2) * 2)

    return shrink(width), shrink(height)


def parse_frames_range(text: str, frames: int) -> range:
    """--frames-range 'A:B' (either side may be left out) -> range(A, B) within the clip's frames."""
    start_text, sep, stop_text = text.partition(":")
    try:
        if not sep:
            raise ValueError
        start = int(start_text) if start_text.strip() else 0
        stop = int(stop_text) if stop_text.strip() else frames
    except ValueError:
        raise UserError(f"--frames-range: expected A:B (frames A to B-1, e.g. 30:60); got {text!r}") from None
    if not 0 <= start < stop <= frames:
        raise UserError(f"--frames-range: need 0 <= A < B <= {frames} (the clip's frames); got {text!r}")
    return range(start, stop)


@dataclass
class ClipPlan:
    """What the render command renders: the (possibly shrunk) preset, which frames, at what rate."""

    preset: Preset
    indices: range
    fps: float
    frames: int                      # the full clip's frame count
    meter: MotionMeter | None = None

    def indices_for(self, still: bool) -> list[int] | None:
        return None if still else list(self.indices)

    @property
    def observe(self):
        return None if self.meter is None else self.meter.update

    def print_report(self) -> None:
        if self.meter is None:
            return
        whole = len(self.indices) * self.indices.step >= self.frames and self.indices.start == 0
        print_motion_report(self.meter.report(whole and self.preset.timeline.loop, self.indices.start,
                                              self.indices.step))


def plan_clip(args: argparse.Namespace, preset: Preset, still: bool, recorded: range | list[int] | None = None,
              source: str | None = None) -> ClipPlan:
    """The plan for these flags; one-line UserErrors for flags that do not fit.

    `recorded` is the frames a `--from` output holds (--frames-range, --preview), rendered
    again unless --frames-range picks others; `source` names that output in errors."""
    if still and (args.preview or args.frames_range or args.report):
        raise UserError("--preview, --frames-range and --report are for clips (.mp4, .gif); got a .png output")
    frames = preset.timeline.frames
    if args.frames_range:
        indices = parse_frames_range(args.frames_range, frames)
    elif recorded is not None and not still:
        indices = recorded_range(recorded, frames, source)
    else:
        indices = range(frames)
    if args.preview:
        width, height = preview_size(preset.canvas.width, preset.canvas.height)
        preset = preset.with_overrides({"canvas.width": width, "canvas.height": height})
        indices = range(indices.start, indices.stop, indices.step * PREVIEW_FACTOR)
    # Every Nth frame at 1/N the rate: the same phases over the same duration (--preview,
    # or a preview re-rendered with --from).
    fps = preset.timeline.fps / indices.step
    return ClipPlan(preset, indices, fps, frames, MotionMeter() if args.report else None)


def recorded_range(recorded: range | list[int], frames: int, source: str | None) -> range:
    """The frames a --from output holds, checked against the clip they are re-rendered from."""
    if not isinstance(recorded, range):
        raise UserError(f"--from '{source}': it holds an irregular set of frames; choose some with --frames-range A:B")
    if not (0 <= recorded.start < recorded.stop <= frames and recorded.step >= 1):
        raise UserError(f"--from '{source}': it holds frames {recorded.start}:{recorded.stop} of its clip, which "
                        f"do not fit a {frames}-frame clip; choose frames with --frames-range A:B")
    return recorded


def print_motion_report(report: MotionReport) -> None:
    """The motion report on stdout: one summary line, then one line per warning."""
    seam = ""
    if report.seam is not None:
        ratio = report.seam_ratio
        seam = f", seam {report.seam:.2f}" + (f" ({ratio:.2f}x median)" if ratio is not None else "")
    every = f" (every {report.stride}th frame)" if report.stride > 1 else ""
    print(f"motion{every}: change per frame in 8-bit levels: min {report.minimum:.2f}, median {report.median:.2f}, "
          f"max {report.maximum:.2f}{seam}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    if not report.warnings:
        print("no jumps or dead stretches")
