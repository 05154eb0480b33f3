"""`cppn-motion join`: put shards rendered with `render --shard I/N` together into one file."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

EXAMPLE = """examples:
  cppn-motion render default --shard 0/2 -o out.mp4     # -> out.part-0000-of-0002.mp4
  cppn-motion render default --shard 1/2 -o out.mp4     # -> out.part-0001-of-0002.mp4 (anywhere, any order)
  cppn-motion join out.part-*-of-0002.mp4 -o out.mp4
  cppn-motion join --delete-segments out.part-*.frames.npz -o out.gif   # a GIF's shards are lossless frames"""


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    join = add_command("join", "Join the shards of one render (made with `render --shard I/N`) into the final MP4 or GIF.")
    join.epilog = EXAMPLE
    join.add_argument("segments", nargs="+", metavar="SEGMENT", help="shard files, in any order")
    join.add_argument("-o", "--output", required=True, metavar="PATH", help="the joined file (.mp4, or .gif for .frames.npz shards)")
    join.add_argument("--delete-segments", action="store_true", help="delete the shard files once the output is written")
    join.add_argument("--quiet", action="store_true", help="no summary")
    join.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    join.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cppn_motion.cli.quality import note
    from cppn_motion.scale.segment_files import count_frames, join_segments

    paths = [Path(p) for p in args.segments]
    output = Path(args.output)
    join_segments(paths, output, notify=note)
    if args.delete_segments:
        for path in paths:
            if path.resolve() != output.resolve():
                path.unlink(missing_ok=True)
    if not args.quiet:
        frames = count_frames(output) if output.suffix.lower() == ".mp4" else None
        counted = f", {frames} frames" if frames is not None else ""
        print(f"wrote {output} ({len(paths)} segments{counted})", file=sys.stderr)
    return 0
