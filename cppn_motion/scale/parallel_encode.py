"""Parallel segment encoders for long MP4 clips: N ffmpeg processes each encode a contiguous
segment, fed round-robin so all stay busy, and the segments are joined by stream copy
(join.py) into the final file. The planning functions are pure; encode_in_segments does I/O."""
from __future__ import annotations

import bisect
import shutil
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from cppn_motion.encoders.mp4 import Mp4Writer
from cppn_motion.errors import UserError
from cppn_motion.rendering.device import frames_per_batch
from cppn_motion.rendering.dull import FRAMES_CHECKED, DullnessCheck
from cppn_motion.rendering.feed import host_batches, ring_batch, ring_for, use_device_yuv
from cppn_motion.rendering.hooks import Progress
from cppn_motion.rendering.host_copy import HostBatch
from cppn_motion.rendering.output import RenderOutput
from cppn_motion.rendering.pipeline import QUEUE_DEPTH, write_routed
from cppn_motion.rendering.scene import Scene
from cppn_motion.rendering.tuning import Tuning
from cppn_motion.rendering.write import by_position, observed
from cppn_motion.scale.plan import Segment, fingerprint, split_frames
from cppn_motion.scale.segment_files import SegmentRecord, join_fresh_mp4, open_segment_writer
from cppn_motion.temps import owner_tag, sweep_stale

# auto: one encoder below this many cores. libx264 already spreads one 1080p stream over
# several threads, and on a small machine the renderer needs the cores (FIELD_NOTES 3).
MIN_CORES_FOR_PARALLEL = 8
# auto never uses more encoders than this: 8 encoders on 16 cores was the measured sweet
# spot (FIELD_NOTES 3: 150 frames/s at veryfast, about 2x one encoder).
MAX_AUTO_ENCODERS = 8
# auto gives each encoder at least this many frames: every segment starts with an IDR frame
# and fresh rate control, which costs size; x264's default keyframe interval is 250.
MIN_FRAMES_PER_ENCODER = 120
# An explicit --encoders above this is almost certainly a typo (each is an ffmpeg process).
MAX_ENCODERS = 64


def parse_encoders(text: str) -> int | None:
    """'--encoders N|auto' -> N, or None for auto."""
    value = str(text).strip().lower()
    if value == "auto":
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_ENCODERS:
        raise UserError(f"--encoders: expected auto or a whole number from 1 to {MAX_ENCODERS}; got {text!r}")
    return count


def check_encoders(requested: int | None, kind: str) -> None:
    """Refuse parallel encoders for formats that cannot be joined by stream copy."""
    if requested is not None and requested > 1 and kind != "mp4":
        raise UserError(f"--encoders: parallel encoders write .mp4 only; got {requested} for a .{kind} output "
                        "(use --encoders 1 or auto)")


def resolve_encoders(requested: int | None, *, kind: str, frames: int, device_type: str, cores: int) -> int:
    """How many segment encoders a render uses. Explicit counts are honoured for MP4 (at most
    one per frame); auto is 1 unless a GPU renders (then the encoder is the bottleneck,
    FIELD_NOTES 3) on a machine with MIN_CORES_FOR_PARALLEL cores, and the clip is long."""
    check_encoders(requested, kind)
    if requested is not None:
        return max(1, min(requested, frames))
    if kind != "mp4" or device_type == "cpu" or cores < MIN_CORES_FOR_PARALLEL:
        return 1
    return max(1, min(MAX_AUTO_ENCODERS, cores // 2, frames // MIN_FRAMES_PER_ENCODER))


def round_robin_order(segments: Sequence[Segment], batch: int) -> list[int]:
    """Frame indices in render order: `batch` frames of each segment in turn, so every encoder
    gets work early; each segment's own frames stay in increasing order."""
    order: list[int] = []
    longest = max(segment.frames for segment in segments)
    for offset in range(0, longest, batch):
        for segment in segments:
            order.extend(segment.indices[offset:offset + batch])
    return order


def route(batches: Iterable[HostBatch], segments: Sequence[Segment]) -> Iterator[tuple[int, HostBatch]]:
    """(segment number, part) for each batch, split where a batch spans segments (after an
    out-of-memory retry halved the batch size, or when segments are shorter than a batch)."""
    starts = [segment.start for segment in segments]
    for batch in batches:
        owners = [bisect.bisect_right(starts, index) - 1 for index in batch.indices]
        runs: list[tuple[int, int]] = []  # (segment, frames)
        for owner in owners:
            if runs and runs[-1][0] == owner:
                runs[-1] = (owner, runs[-1][1] + 1)
            else:
                runs.append((owner, 1))
        for (owner, _), part in zip(runs, batch.split([size for _, size in runs])):
            yield owner, part


def close_together(writers: Sequence) -> None:
    """Close every writer at once: each ffmpeg still holds its lookahead and frame threads'
    work, which it encodes only after its input ends; closing one after another would run
    those tails in turn. The first failure is re-raised (that writer has removed its file)."""
    failures: list[BaseException] = []

    def close(writer) -> None:
        try:
            writer.close()
        except BaseException as exc:  # re-raised on the caller's thread
            failures.append(exc)

    threads = [threading.Thread(target=close, args=(writer,), name="cppn-close") for writer in writers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        # Ctrl-C: let the closes end (a real SIGINT has stopped every ffmpeg too) before the
        # caller aborts the writers, so no writer is closed and killed at the same time.
        for thread in threads:
            thread.join()
        raise
    if failures:
        raise failures[0]


def encode_in_segments(output: RenderOutput, count: int, total: int, *, fingerprint: str,
                       render: Callable[[list[int]], Iterable[HostBatch]], batch: int,
                       sidecar: bool = True) -> list[Segment]:
    """Encode a `total`-frame clip with `count` parallel encoders into `output.path` (atomic).

    `fingerprint` marks the segments as this preset's (join.py checks it). `render(order)` yields the HostBatches of those frames in that order. The segments live
    in a hidden folder beside the output (same filesystem) that is removed whatever happens;
    on an error or Ctrl-C every ffmpeg is killed before its file is deleted.
    """
    segments = split_frames(total, count)
    fps, metadata = output.fps, output.metadata
    target = output.path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(target.parent)
        folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.encoders-{owner_tag()}", dir=target.parent))
    except OSError as err:  # e.g. a read-only folder: the user's to fix, as for a plain render
        raise UserError(f"output path '{target}': cannot write there ({err.strerror or err})") from err
    try:
        paths = [folder / f"segment-{segment.index:03d}.mp4" for segment in segments]
        with ExitStack() as stack:
            writers = [stack.enter_context(open_segment_writer(path, SegmentRecord.of(segment, fingerprint), output))
                       for segment, path in zip(segments, paths)]
            write_routed(route(render(round_robin_order(segments, batch)), segments), writers)
            close_together(writers)
        join_fresh_mp4(paths, target, frames=[segment.frames for segment in segments], fps=fps, metadata=metadata,
                       sidecar=sidecar)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return segments


def write_clip_segments(scene: Scene, output: RenderOutput, count: int, clip: Sequence[int] | None = None, *,
                        tuning: Tuning = Tuning(), progress: Progress | None = None,
                        check: DullnessCheck | None = None, sidecar: bool = False) -> None:
    """Render the clip's frames (or `clip`'s) into the MP4 `output` with `count` parallel segment
    encoders joined by stream copy, through the same pipeline as write_clip (tuning: batch size
    and yuv420p on the device)."""
    clip = list(range(scene.preset.timeline.frames)) if clip is None else list(clip)
    check = check or DullnessCheck()
    yuv = use_device_yuv(scene.device, Mp4Writer.takes_yuv420p(output.options), tuning.device_yuv)
    ring = ring_for(scene.device, held_by_consumer=count * (QUEUE_DEPTH + 1))
    if ring is None:
        batch = frames_per_batch(scene.device, *scene.render_size, scene.net.spec.out_channels, tuning.batch_size)
    else:  # the segments' batch size must be the one host_batches will render
        batch = ring_batch(scene, ring, yuv, tuning.batch_size)

    def render_order(order: list[int]) -> Iterator[HostBatch]:
        """Batches of the clip's positions `order`, labelled by position (what segments cover)."""
        batches = host_batches(scene, [clip[position] for position in order], batch_size=batch, yuv=yuv,
                               ring=ring, rgb_frames=FRAMES_CHECKED, progress=progress)
        return by_position(observed(batches, check, None), order)

    encode_in_segments(output, count, len(clip), fingerprint=fingerprint(scene.preset), render=render_order,
                       batch=batch, sidecar=sidecar)
