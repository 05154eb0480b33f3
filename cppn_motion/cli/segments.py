"""The render command's scale-out side: --shard, --resume and --segments, and running under
torchrun. Parses and reports only; the work is in segmented.py and distributed.py."""
from __future__ import annotations

import argparse
import sys
import time as clock
from pathlib import Path

from cppn_motion.config.schema import Preset
from cppn_motion.scale.plan import DEFAULT_SEGMENTS, parse_shard


def add_segment_options(parser: argparse.ArgumentParser) -> None:
    from cppn_motion.cli.args import (
        positive_int,  # here: cli imports this module at load time
    )

    group = parser.add_argument_group("rendering in segments (job arrays, resuming, torchrun)")
    group.add_argument("--shard", metavar="I/N",
                       help="render only shard I of N (from 0) to OUT.part-IIII-of-NNNN.mp4; "
                            "put the shards together with `cppn-motion join`")
    group.add_argument("--resume", action="store_true",
                       help="render in checkpoint segments kept in .OUT.parts/ beside the output and reuse the "
                            "segments an interrupted run finished; the folder is removed once the file is written")
    group.add_argument("--segments", type=positive_int, default=None, metavar="N",
                       help=f"checkpoint segments for --resume and torchrun (default {DEFAULT_SEGMENTS}); "
                            "a resumed render must use the same number")


def wants_segments(args: argparse.Namespace) -> bool:
    """True when this render goes through segments: --shard, --resume or --segments, or torchrun."""
    from cppn_motion.scale.torchrun import detect

    return bool(getattr(args, "shard", None) or getattr(args, "resume", False)
                or getattr(args, "segments", None) or detect() is not None)


def run_segmented(args: argparse.Namespace, preset: Preset, path: Path, time: float = 0.0) -> int:
    """`cppn-motion render` for a shard, a resumable render, or this rank's part of a torchrun job."""
    from cppn_motion.errors import UserError
    from cppn_motion.scale.torchrun import detect

    env = detect()
    shard = parse_shard(args.shard) if args.shard else None
    if shard is not None and env is not None:
        raise UserError("--shard: not under torchrun, which splits the clip over its ranks by itself; "
                        "use one or the other")
    if shard is not None and args.segments:
        raise UserError("--segments: applies to --resume and torchrun renders, not to --shard (a shard is one segment)")
    if shard is not None:
        return _run_shard(args, preset, path, *shard)
    if env is None:
        return _run_resumable(args, preset, path)
    return _run_ranks(args, preset, path, env, time)


def _run_shard(args: argparse.Namespace, preset: Preset, path: Path, index: int, count: int) -> int:
    """One shard of `count`, for `cppn-motion join` to put together."""
    from cppn_motion.cli.args import ProgressBar, report_written
    from cppn_motion.cli.quality import note
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.scale.plan import split_frames
    from cppn_motion.scale.resumable import render_shard
    from cppn_motion.scale.segment_files import held_count, is_gif_segment, read_record

    started = clock.perf_counter()
    device = resolve_device(args.device)
    share = split_frames(preset.timeline.frames, count)
    total = share[index].frames if index < len(share) else 0
    with ProgressBar(total, args.quiet, f"{preset.name} {index}/{count}") as bar:
        result = render_shard(preset, path, index, count, device=device, batch_size=args.batch_size,
                              progress=bar.update, resume=args.resume, notify=note)
    if is_gif_segment(result.path):  # it holds only the frames the GIF keeps (output.gif_max_fps)
        total = held_count(result.path, read_record(result.path))
    report_written(args, result.path, total, started, preset, device)
    return 0


def _run_resumable(args: argparse.Namespace, preset: Preset, path: Path) -> int:
    """The whole clip in checkpoint segments that a rerun with --resume reuses."""
    from cppn_motion.cli.args import ProgressBar, report_written
    from cppn_motion.cli.quality import note
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.scale.resumable import render_resumable

    started = clock.perf_counter()
    device = resolve_device(args.device)
    frames = preset.timeline.frames
    with ProgressBar(frames, args.quiet, preset.name) as bar:
        result = render_resumable(preset, path, segments=args.segments or DEFAULT_SEGMENTS, device=device,
                                  batch_size=args.batch_size, progress=bar.update, notify=note)
    _report_reuse(args, result.reused)
    report_written(args, path, _frames_written(preset, path), started, preset, device)
    return 0


def _run_ranks(args: argparse.Namespace, preset: Preset, path: Path, env, time: float) -> int:
    """This rank's share of a torchrun job (a still: rank 0 renders it, the rest have nothing to do)."""
    from cppn_motion.cli.args import ProgressBar, report_written
    from cppn_motion.cli.quality import note
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.scale.plan import assign_contiguous, checkpoint_plan
    from cppn_motion.scale.torchrun import device_for, process_group, render_distributed

    started = clock.perf_counter()
    device = device_for(env, args.device)
    if OutputTarget.at(path).still:
        if env.is_main:
            from cppn_motion.api import render
            from cppn_motion.rendering.hooks import Hooks
            from cppn_motion.rendering.tuning import Tuning

            render(preset, path, device=device, time=time, hooks=Hooks(notify=note),
                   tuning=Tuning(batch_size=args.batch_size))
            report_written(args, path, 1, started, preset, device)
        return 0
    frames, segments = preset.timeline.frames, args.segments or DEFAULT_SEGMENTS
    quiet = args.quiet or not env.is_main  # one progress bar and one summary, from rank 0
    with process_group(env):
        mine = assign_contiguous(checkpoint_plan(frames, segments, env.world_size), env.rank, env.world_size)
        with ProgressBar(sum(s.frames for s in mine), quiet, f"{preset.name} rank 0/{env.world_size}") as bar:
            result = render_distributed(preset, path, env, device=device, segments=segments, resume=args.resume,
                                        batch_size=args.batch_size, progress=bar.update, notify=note)
    if result is not None:
        _report_reuse(args, result.reused)
        report_written(args, path, _frames_written(preset, path), started, preset,
                       f"{env.world_size} ranks ({device.type})")
    return 0


def _frames_written(preset: Preset, path: Path) -> int:
    """The frames the joined output holds: a GIF keeps one in n (output.gif_max_fps)."""
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.encoders.gif import held_frames

    frames = preset.timeline.frames
    if OutputTarget.at(path).kind != "gif":
        return frames
    return len(held_frames(range(frames), frames, preset.timeline.fps, preset.output.gif_max_fps)[0])


def _report_reuse(args: argparse.Namespace, reused: list) -> None:
    if reused and not args.quiet:
        print(f"resumed: reused {len(reused)} finished segment{'s' if len(reused) != 1 else ''} "
              f"({sum(s.frames for s in reused)} frames)", file=sys.stderr)
