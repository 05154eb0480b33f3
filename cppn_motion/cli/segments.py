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
    from cppn_motion.cli.args import ProgressBar, report_written
    from cppn_motion.cli.quality import note
    from cppn_motion.encoders import OutputTarget
    from cppn_motion.errors import UserError
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.scale.plan import split_frames
    from cppn_motion.scale.resumable import render_resumable, render_shard
    from cppn_motion.scale.torchrun import (
        detect,
        device_for,
        process_group,
        render_distributed,
    )

    env = detect()
    shard = parse_shard(args.shard) if args.shard else None
    segments = args.segments or DEFAULT_SEGMENTS
    if shard is not None and env is not None:
        raise UserError("--shard: not under torchrun, which splits the clip over its ranks by itself; "
                        "use one or the other")
    if shard is not None and args.segments:
        raise UserError("--segments: applies to --resume and torchrun renders, not to --shard (a shard is one segment)")
    frames = preset.timeline.frames
    started = clock.perf_counter()
    if shard is not None:
        device = resolve_device(args.device)
        index, count = shard
        share = split_frames(frames, count)
        total = share[index].frames if index < len(share) else 0
        with ProgressBar(total, args.quiet, f"{preset.name} {index}/{count}") as bar:
            result = render_shard(preset, path, index, count, device=device, batch_size=args.batch_size,
                                  progress=bar.update, resume=args.resume, notify=note)
        report_written(args, result.path, total, started, preset, device)
        return 0
    if env is None:
        device = resolve_device(args.device)
        with ProgressBar(frames, args.quiet, preset.name) as bar:
            result = render_resumable(preset, path, segments=segments, device=device,
                                      batch_size=args.batch_size, progress=bar.update, notify=note)
        _report_reuse(args, result.reused)
        report_written(args, path, frames, started, preset, device)
        return 0
    if OutputTarget.at(path).still:  # a still is one frame: rank 0 renders it, the rest have nothing to do
        if env.is_main:
            from cppn_motion.api import render

            device = device_for(env, args.device)
            from cppn_motion.rendering.hooks import Hooks
            from cppn_motion.rendering.tuning import Tuning

            render(preset, path, device=device, time=time, hooks=Hooks(notify=note),
                   tuning=Tuning(batch_size=args.batch_size))
            report_written(args, path, 1, started, preset, device)
        return 0
    device = device_for(env, args.device)
    quiet = args.quiet or not env.is_main  # one progress bar and one summary, from rank 0
    with process_group(env):
        from cppn_motion.scale.plan import assign_contiguous, checkpoint_plan

        mine = assign_contiguous(checkpoint_plan(frames, segments, env.world_size), env.rank, env.world_size)
        with ProgressBar(sum(s.frames for s in mine), quiet, f"{preset.name} rank 0/{env.world_size}") as bar:
            result = render_distributed(preset, path, env, device=device, segments=segments, resume=args.resume,
                                        batch_size=args.batch_size, progress=bar.update, notify=note)
    if result is not None:
        _report_reuse(args, result.reused)
        report_written(args, path, frames, started, preset, f"{env.world_size} ranks ({device.type})")
    return 0


def _report_reuse(args: argparse.Namespace, reused: list) -> None:
    if reused and not args.quiet:
        print(f"resumed: reused {len(reused)} finished segment{'s' if len(reused) != 1 else ''} "
              f"({sum(s.frames for s in reused)} frames)", file=sys.stderr)
