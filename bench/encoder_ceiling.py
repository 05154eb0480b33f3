"""What the MP4 encoders alone reach (no network): precomputed frames through the same writers,
segment encoders and join as a render. The issue's target compares the end-to-end render with
this: `python bench/run.py --device cuda --stages mp4 --encoders auto ...` should be within 10%.

    python bench/encoder_ceiling.py --size 1920x1080 --frames 240 --encoders 8 --x264-preset veryfast
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from cppn_motion.colour.yuv import rgb_to_yuv420p
from cppn_motion.encoders import EncoderOptions, OutputTarget, open_writer
from cppn_motion.rendering.host_copy import RGB, YUV420P, HostBatch
from cppn_motion.rendering.output import RenderOutput
from cppn_motion.rendering.pipeline import usable_cores, write_all
from cppn_motion.scale.parallel_encode import (
    encode_in_segments,
    parse_encoders,
    resolve_encoders,
)

DISTINCT_FRAMES = 24  # cycled: enough motion that x264 works as on a real clip


def smooth_frames(width: int, height: int, count: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([np.clip(np.stack([128 + 100 * np.sin(x / 200 + i / 5), 128 + 100 * np.cos(y / 150 - i / 7),
                                       128 + 100 * np.sin((x + y) / 300 + i / 3)], -1), 0, 255).astype(np.uint8)
                     for i in range(count)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--frames", type=int, default=240)
    parser.add_argument("--encoders", default="auto", help="N or auto (auto as a GPU render on this machine)")
    parser.add_argument("--x264-preset", default="veryfast")
    parser.add_argument("--crf", type=int, default=18)
    parser.add_argument("--layout", choices=("yuv420p", "rgb"), default="yuv420p")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    count = resolve_encoders(parse_encoders(args.encoders), kind="mp4", frames=args.frames, device_type="cuda",
                             cores=usable_cores())
    rgb = smooth_frames(width, height, DISTINCT_FRAMES)
    data = rgb_to_yuv420p(torch.from_numpy(rgb)).numpy() if args.layout == "yuv420p" else rgb
    layout = YUV420P if args.layout == "yuv420p" else RGB
    options = EncoderOptions(crf=args.crf, x264_preset=args.x264_preset)

    def batches(order: list[int]):
        for start in range(0, len(order), args.batch):
            chunk = order[start:start + args.batch]
            yield HostBatch(chunk, data[[i % DISTINCT_FRAMES for i in chunk]], layout)

    with tempfile.TemporaryDirectory(prefix="cppn_motion-ceiling-") as folder:
        path = Path(folder) / "ceiling.mp4"

        def once() -> None:
            if count > 1:
                output = RenderOutput(OutputTarget.at(path), 24, (width, height), options, {})
                encode_in_segments(output, count, args.frames, fingerprint="ceiling", render=batches,
                                   batch=args.batch, sidecar=False)
            else:
                with open_writer(path, fps=24, size=(width, height), options=options) as writer:
                    write_all(batches(list(range(args.frames))), writer, overlap=True)

        seconds = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            once()
            seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    print(f"encoders alone: {args.frames / median:.1f} frames/s ({width}x{height}, {count} encoder(s), "
          f"{args.layout} input, x264 {args.x264_preset} crf {args.crf}, {usable_cores()} cores; "
          f"runs {' '.join(f'{args.frames / s:.1f}' for s in seconds)})")


if __name__ == "__main__":
    main()
