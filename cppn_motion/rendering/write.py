"""Rendered frames into an open writer, through the pipeline (device yuv420p, pinned copies, a writer
thread), with the dull-output check and the caller's observer seeing every frame."""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

import numpy as np

from cppn_motion.encoders import FrameWriter
from cppn_motion.rendering.dull import FRAMES_CHECKED, DullnessCheck
from cppn_motion.rendering.feed import host_batches, ring_for, use_device_yuv
from cppn_motion.rendering.host_copy import HostBatch
from cppn_motion.rendering.pipeline import should_overlap, write_all
from cppn_motion.rendering.scene import Scene


def write_clip(scene: Scene, writer: FrameWriter, indices: Sequence[int] | None = None, *,
               batch_size: int | None = None, progress: Callable[[int], None] | None = None,
               observe: Callable[[np.ndarray], None] | None = None, device_yuv: bool | None = None,
               check: DullnessCheck | None = None) -> None:
    """Render the clip's frames (or those at `indices`) into an open 8-bit writer through the
    pipeline: yuv420p on the device where the writer takes it, pinned copies on CUDA, and a
    writer thread where there are cores to spare."""
    takes_yuv = getattr(writer, "takes_yuv420p", None)
    # Observers see every frame in RGB: then the frames stay RGB.
    yuv = observe is None and use_device_yuv(scene.device, bool(takes_yuv and takes_yuv(writer.options)), device_yuv)
    batches = host_batches(scene, indices, batch_size=batch_size, yuv=yuv, ring=ring_for(scene.device),
                           rgb_frames=FRAMES_CHECKED if check is not None else 0, progress=progress)
    write_all(observed(batches, check or DullnessCheck(), observe), writer, overlap=should_overlap(scene.device.type))


def by_position(batches: Iterator[HostBatch], order: list[int]) -> Iterator[HostBatch]:
    """Relabel batches of clip frames with their positions in the clip, taken from `order` in turn."""
    cursor = 0
    for batch in batches:
        batch.indices = order[cursor:cursor + len(batch.indices)]
        cursor += len(batch.indices)
        yield batch


def observed(batches: Iterator[np.ndarray | HostBatch], check: DullnessCheck,
              observe: Callable[[np.ndarray], None] | None) -> Iterator[np.ndarray | HostBatch]:
    """Pass batches through, letting the dull-output check and the caller's observer see each
    (in RGB: a yuv420p HostBatch carries RGB of the clip's first frames for the check)."""
    for batch in batches:
        frames = batch if isinstance(batch, np.ndarray) else batch.frames
        check.observe(frames)
        if observe is not None:
            observe(frames)
        yield batch
