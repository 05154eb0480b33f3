"""`cppn-motion bench`: time whole commands against the plain CPPN script, and the render stages
against an in-process baseline of the same network."""
from __future__ import annotations

import argparse
import sys
import time as clock
from typing import Callable

EXAMPLE = ("examples:\n  cppn-motion bench --quick                     # 48 frames vs the plain script + 360p stages, one repeat\n"
           "  cppn-motion bench --stages whole --cases mp4-150 --repeats 5\n"
           "  cppn-motion bench --workloads mlp8x32-1080p --frames 8 --stages net,render")
STAGES = ("whole", "net", "render", "mp4", "gif")


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    # No study imports here: study.bench loads torch, and every command builds this parser.
    parser = add_command("bench", "Time whole commands against the plain CPPN script (cppn_motion/study/peer_plain.py), "
                                  "then network, render and file stages against an in-process fp32 baseline, "
                                  "and print Markdown tables.")
    parser.epilog = EXAMPLE
    parser.add_argument("--workloads", metavar="NAMES",
                        help="comma-separated workload names, e.g. mlp8x32-360p,conv10-360p (default: all; "
                             "an unknown name lists them)")
    parser.add_argument("--frames", type=int, metavar="N", help="frames per timed run (default 16; quick 8)")
    parser.add_argument("--baseline-frames", type=int, metavar="N", help="frames per baseline run (default 4; quick 2)")
    parser.add_argument("--repeats", type=int, metavar="N", help="timed repeats, the median is reported (default 3)")
    parser.add_argument("--stages", metavar="NAMES",
                        help=f"comma-separated from {', '.join(STAGES)} (default: all; whole = fresh processes "
                             "against the plain script)")
    parser.add_argument("--cases", metavar="NAMES",
                        help="whole-process cases, comma-separated: mp4-48, mp4-150, still-1080p (default: all; "
                             "quick: mp4-48)")
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
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.study.bench import QUICK_WORKLOADS, WORKLOADS, machine_description, matmul_gflops
    from cppn_motion.study.bench_process import CASES, QUICK_CASES

    workloads = _names(args.workloads, list(WORKLOADS), "--workloads")
    stages = _names(args.stages, STAGES, "--stages")
    cases = _names(args.cases, list(CASES), "--cases")
    settings = _settings(args, stages)
    device = resolve_device(args.device)
    if args.memory:
        return _memory(args.memory, device)
    command = " ".join(["cppn-motion" if sys.argv[0].endswith("cppn-motion") else "python " + sys.argv[0], *sys.argv[1:]])
    print(f"# cppn-motion bench, {clock.strftime('%Y-%m-%d %H:%M UTC', clock.gmtime())}")
    print(f"command: `{command}`")
    print(f"machine: {machine_description()}")
    print(f"dense fp32 matmul: {matmul_gflops():.1f} GFLOP/s; bf16: {matmul_gflops(dtype=_bf16()):.1f} GFLOP/s")
    if "whole" in (stages or STAGES):
        _whole(cases or list(QUICK_CASES if args.quick else CASES), settings.repeats, settings.precision)
    if settings.stages:
        _in_process(workloads or list(QUICK_WORKLOADS if args.quick else WORKLOADS), settings, device)
    return 0


def _settings(args: argparse.Namespace, stages: list[str] | None):
    """The in-process stages' settings from the flags; each bad value is one line naming its flag."""
    from cppn_motion.encoders.base import X264_PRESETS
    from cppn_motion.errors import UserError
    from cppn_motion.nets.mlp import PRECISIONS
    from cppn_motion.scale.parallel_encode import parse_encoders
    from cppn_motion.study.bench import Settings

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
    return Settings(
        frames=args.frames or (8 if args.quick else 16),
        baseline_frames=args.baseline_frames or (2 if args.quick else 4),
        repeats=args.repeats or (1 if args.quick else 3),
        x264_preset=args.x264_preset,
        precision=args.precision,
        stages=tuple(stage for stage in (stages or STAGES) if stage != "whole"),
        device_yuv=yuv_choices[args.device_yuv],
        encoders=parse_encoders(args.encoders),
    )


def _memory(size: str, device) -> int:
    """--memory WxH: the peak RSS of one still that large, instead of the benchmark."""
    from cppn_motion.cli.args import parse_size
    from cppn_motion.errors import UserError
    from cppn_motion.study.bench import still_peak_rss

    try:
        width, height = parse_size(size)
    except UserError as err:
        raise UserError(str(err).replace("--size", "--memory", 1)) from None
    peak = still_peak_rss(width, height, device=str(device))
    print(f"peak RSS rendering a {width}x{height} still of the default preset on {device}: {peak / 2**30:.2f} GiB")
    return 0


def _in_process(names: list[str], settings, device) -> None:
    """The stage table: each workload's stages against the in-process baseline."""
    from cppn_motion.study.bench import WORKLOADS, format_table, run_workload

    print(f"In-process stages against the same network computed plainly in this process (whole-frame nn.Linear "
          f"layers, one frame at a time, fp32, imageio writers): {settings.frames} frames per run "
          f"(baseline {settings.baseline_frames}), median of {settings.repeats}, precision {settings.precision}, "
          f"device {device}. This baseline is slower than the plain script, so read these ratios as stage "
          f"speed-ups, not as what a user gains.\n", flush=True)
    rows = []
    for name in names:
        rows += run_workload(WORKLOADS[name], settings, str(device),
                             report=lambda row: print(f"  done: {row.workload} {row.stage}", file=sys.stderr, flush=True))
    print(format_table(rows))


def _whole(cases: list[str], repeats: int, precision: str) -> None:
    """Whole-process medians of ours against the plain script, one table row per case."""
    from cppn_motion.study.bench_process import CASES, compare, format_process_table, load_average

    print(f"\nWhole processes against the plain script (fresh `python -m cppn_motion render|still default` vs "
          f"`python cppn_motion/study/peer_plain.py`, timed in turns, medians of {repeats}, start-up included; "
          f"ratio: the median of the {repeats} pairs' ratios; "
          f"load average before: {load_average()}):\n", flush=True)
    rows = []
    for name in cases:
        rows.append(compare(CASES[name], repeats, precision))
        print(f"  done: whole {name}", file=sys.stderr, flush=True)
    print(format_process_table(rows))
    print(f"\nload average after: {load_average()}\n", flush=True)


def _bf16():
    import torch

    return torch.bfloat16
