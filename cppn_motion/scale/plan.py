"""Planning a clip as contiguous frame ranges (segments) for shards, ranks and resumable
checkpoints, and naming their files. Pure: computes ranges, names and hashes, touches no file."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cppn_motion._version import __version__
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError

# A resumable (--resume) or distributed render is cut into this many checkpoint segments
# unless told otherwise: an interruption loses at most 1/16 of the work, the extra
# keyframes cost a few percent of file size, and 1, 2, 4, 8 or 16 ranks get equal shares.
DEFAULT_SEGMENTS = 16

# Suffix of the lossless intermediate a GIF segment is stored as: GIF palettes are chosen
# per frame, so segments keep RGB frames and the GIF is written once, at the join.
GIF_SEGMENT_SUFFIX = ".frames.npz"


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) of a clip of `total` frames; segment `index` of `count`."""

    index: int
    count: int
    start: int
    stop: int
    total: int

    @property
    def frames(self) -> int:
        return self.stop - self.start

    @property
    def indices(self) -> range:
        return range(self.start, self.stop)


def split_frames(total: int, parts: int) -> list[Segment]:
    """Frames 0..total-1 as `parts` contiguous ranges whose lengths differ by at most one.

    Never yields an empty segment: with fewer frames than parts, there are `total` segments.
    """
    if total < 1:
        raise ValueError(f"a clip needs at least one frame; got {total}")
    if parts < 1:
        raise ValueError(f"parts must be >= 1; got {parts}")
    parts = min(parts, total)
    bounds = [part * total // parts for part in range(parts + 1)]
    return [Segment(index, parts, bounds[index], bounds[index + 1], total) for index in range(parts)]


def checkpoint_plan(total: int, segments: int = DEFAULT_SEGMENTS, world_size: int = 1) -> list[Segment]:
    """The checkpoint segments of a resumable or distributed render.

    Depends only on the frame count and `segments`, so a render resumed with a
    different number of ranks reuses what is done; only when there are more ranks
    than segments does it grow to one segment per rank.
    """
    return split_frames(total, max(segments, world_size))


def assign_contiguous(items: list, rank: int, world_size: int) -> list:
    """Rank `rank`'s share of `items`: a contiguous run, sizes differing by at most one."""
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in 0..{world_size - 1}; got {rank}")
    start = rank * len(items) // world_size
    stop = (rank + 1) * len(items) // world_size
    return items[start:stop]


def parse_shard(text: str) -> tuple[int, int]:
    """'--shard I/N' -> (I, N), with 0 <= I < N."""
    index_text, slash, count_text = text.strip().partition("/")
    try:
        index, count = int(index_text), int(count_text)
    except ValueError:
        index, count = -1, 0
    if not slash or count < 1 or not 0 <= index < count:
        raise UserError(f"--shard: expected I/N with 0 <= I < N, e.g. 3/8 (shard 3 of 8, counting from 0); got {text!r}")
    return index, count


def segment_suffix(output: Path) -> str:
    """The file suffix a segment of `output` is written with (MP4 segments are MP4s)."""
    return GIF_SEGMENT_SUFFIX if output.suffix.lower() == ".gif" else output.suffix


def shard_path(output: Path, index: int, count: int) -> Path:
    """out.mp4, shard 3 of 8 -> out.part-0003-of-0008.mp4 (beside the output)."""
    width = max(4, len(str(count - 1)))
    return output.with_name(f"{output.stem}.part-{index:0{width}d}-of-{count:0{width}d}{segment_suffix(output)}")


def work_folder(output: Path) -> Path:
    """The hidden folder next to `output` that holds its checkpoint segments: .out.mp4.parts/."""
    return output.with_name(f".{output.name}.parts")


def checkpoint_path(output: Path, segment: Segment) -> Path:
    """A checkpoint segment's file, named by its frame range so a different plan never reuses it."""
    digits = max(6, len(str(segment.total)))
    name = f"frames-{segment.start:0{digits}d}-{segment.stop - 1:0{digits}d}{segment_suffix(output)}"
    return work_folder(output) / name


def fingerprint(preset: Preset) -> str:
    """preset_fingerprint of a resolved preset with this version of cppn_motion."""
    return preset_fingerprint(preset_to_yaml(preset), __version__)


def preset_fingerprint(preset_yaml: str, version: str) -> str:
    """A short hash of the resolved preset and the renderer version: segments join only with
    segments of the same function (an upgrade may change pixels, so it changes the hash)."""
    digest = hashlib.sha256(f"cppn_motion {version}\n{preset_yaml}".encode()).hexdigest()
    return digest[:16]


