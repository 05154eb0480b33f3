"""`cppn-motion bench`: measure render throughput on this machine against a plain torch baseline."""
from __future__ import annotations

import argparse
import sys
import time as clock
from typing import Callable

EXAMPLE = ("examples:\n  cppn-motion bench --quick                     # 360p only, one repeat, ~1 minute\n"
           "  cppn-motion bench --workloads mlp8x32-1080p --frames 8 --stages net,render")


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    # No study.bench import here: it loads torch, and every command builds this parser.
    parser = add_command("bench", "Measure network, render and file throughput against a one-frame-at-a-time "
                                  "fp32 torch baseline, and print a Markdown table.")
    parser.epilog = EXAMPLE
    parser.add_argument("--workloads", metavar="NAMES",
                        help="comma-separated workload names, e.g. mlp8x32-360p,conv10-360p (default: all; "
                             "an unknown name lists them)")
    parser.add_argument("--frames", type=int, metavar="N", help="frames per timed run (default 16; quick 8)")
    parser.add_argument("--baseline-frames", type=int, metavar="N", help="frames per baseline run (default 4; quick 2)")
    parser.add_argument("--repeats", type=int, metavar="N", help="timed repeats, the median is reported (default 3)")
    parser.add_argument("--stages", metavar="NAMES", help="comma-separated from net, render, mp4, gif (default: all)")
    parser.add_argument("--x264-preset", default="medium", help="libx264 preset for both MP4 writers (default medium)")
    parser.add_argument("--precision", default="auto", help="hidden-layer precision: auto, fp32, bf16 or fast")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, auto")
    parser.add_argument("--device-yuv", default="auto", metavar="auto|on|off",
                        help="MP4 stage: convert to yuv420p on the render device (auto: as render does, on for GPUs)")
    parser.add_argument("--encoders", default="1", metavar="N|auto",
                        help="MP4 stage: parallel segment encoders (default 1; auto: as render does)")
    parser.add_argument("--memory", metavar="WxH",
                        help="instead: peak RSS of rendering one still this large, e.g. 7680x4320")
    parser.add_argument("--quick", action="store_true", help="360p only, 8 frames, one repeat")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    parser.set_defaults(run=run)


def _names(text: str | None, known: list[str] | tuple[str, ...], flag: str) -> list[str] | None:
    from cppn_motion.errors import UserError
    from cppn_motion.registry import did_you_mean

    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in known:
            raise UserError(f"{flag}: unknown name {name!r}{did_you_mean(name, list(known))}; "
                            f"known: {', '.join(known)}")
    return names


def _count(value: int | None, flag: str) -> None:
    from cppn_motion.errors import UserError

    if value is not None and value < 1:
        raise UserError(f"{flag}: expected an integer >= 1; got {value}")


def run(args: argparse.Namespace) -> int:
    from cppn_motion.encoders.base import X264_PRESETS
    from cppn_motion.errors import UserError
    from cppn_motion.nets.mlp import PRECISIONS
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.study.bench import (
        QUICK_WORKLOADS,
        WORKLOADS,
        Settings,
        format_table,
        machine_description,
        matmul_gflops,
        run_workload,
    )

    workloads = _names(args.workloads, list(WORKLOADS), "--workloads")
    stages = _names(args.stages, ("net", "render", "mp4", "gif"), "--stages")
    for flag, value in (("--frames", args.frames), ("--baseline-frames", args.baseline_frames),
                        ("--repeats", args.repeats)):
        _count(value, flag)
    if args.x264_preset not in X264_PRESETS:
        raise UserError(f"--x264-preset: expected one of {', '.join(X264_PRESETS)}; got {args.x264_preset!r}")
    if args.precision not in PRECISIONS:
        raise UserError(f"--precision: expected one of {', '.join(PRECISIONS)}; got {args.precision!r}")
    yuv_choices = {"auto": None, "on": True, "off": False}
    if args.device_yuv not in yuv_choices:
        raise UserError(f"--device-yuv: expected auto, on or off; got {args.device_yuv!r}")
    from cppn_motion.scale.parallel_encode import parse_encoders

    encoders = parse_encoders(args.encoders)
    device = resolve_device(args.device)
    if args.memory:
        from cppn_motion.cli.args import parse_size
        from cppn_motion.study.bench import still_peak_rss

        try:
            width, height = parse_size(args.memory)
        except UserError as err:
            raise UserError(str(err).replace("--size", "--memory", 1)) from None
        peak = still_peak_rss(width, height, device=str(device))
        print(f"peak RSS rendering a {width}x{height} still of the default preset on {device}: {peak / 2**30:.2f} GiB")
        return 0
    settings = Settings(
        frames=args.frames or (8 if args.quick else 16),
        baseline_frames=args.baseline_frames or (2 if args.quick else 4),
        repeats=args.repeats or (1 if args.quick else 3),
        x264_preset=args.x264_preset,
        precision=args.precision,
        stages=tuple(stages or Settings.stages),
        device_yuv=yuv_choices[args.device_yuv],
        encoders=encoders,
    )
    names = workloads or (list(QUICK_WORKLOADS) if args.quick else list(WORKLOADS))
    command = " ".join(["cppn-motion" if sys.argv[0].endswith("cppn-motion") else "python " + sys.argv[0], *sys.argv[1:]])
    print(f"# cppn-motion bench, {clock.strftime('%Y-%m-%d %H:%M UTC', clock.gmtime())}")
    print(f"command: `{command}`")
    print(f"machine: {machine_description()}")
    print(f"dense fp32 matmul: {matmul_gflops():.1f} GFLOP/s; bf16: {matmul_gflops(dtype=_bf16()):.1f} GFLOP/s")
    print(f"settings: {settings.frames} frames per run (baseline {settings.baseline_frames}), median of "
          f"{settings.repeats}, precision {settings.precision}, device {device}\n", flush=True)
    rows = []
    for name in names:
        rows += run_workload(WORKLOADS[name], settings, str(device),
                             report=lambda row: print(f"  done: {row.workload} {row.stage}", file=sys.stderr, flush=True))
    print(format_table(rows))
    return 0


def _bf16():
    import torch

    return torch.bfloat16
