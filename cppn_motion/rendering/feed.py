"""What a video writer is fed: frames rendered on the device, converted there to yuv420p when
the writer takes it (yuv.py), and brought to the host (host_copy.py). Compute and copies only."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import torch

from cppn_motion.colour.yuv import rgb_to_yuv420p
from cppn_motion.rendering.host_copy import (
    RGB,
    YUV420P,
    HostBatch,
    PinnedRing,
    plain_to_host,
)
from cppn_motion.rendering.pipeline import QUEUE_DEPTH
from cppn_motion.rendering.scene import Scene, iter_device_batches

# yuv420p conversion on the CPU renderer: off. Measured on the 2-core dev machine
# (bench/RESULTS.md, 2026-11-27 pipeline section): torch needs 120-200 ms for a 1080p frame,
# ffmpeg's swscale ~4 ms, and the halved pipe bytes do not pay that back.
YUV_ON_CPU = False


def use_device_yuv(device: torch.device, writer_takes_yuv: bool, requested: bool | None = None) -> bool:
    """Whether to hand the writer yuv420p planes made on the render device (None: the default
    for the device: on for GPUs, YUV_ON_CPU on the CPU)."""
    if not writer_takes_yuv:
        return False
    if requested is not None:
        return requested
    return device.type != "cpu" or YUV_ON_CPU


# Pinned (page-locked) host memory is taken from the OS outright and never swapped, so the ring's
# total is capped: 8 parallel encoders hold 27 buffers, which at 32 1080p yuv420p frames each
# would pin ~2.7 GB. Batches shrink to fit instead (12 frames there).
PINNED_RING_BYTES = 1 << 30


def ring_batch(scene: Scene, ring: PinnedRing, yuv: bool, batch_size: int | None) -> int:
    """The batch size to render when frames go through `ring`: the usual one (or the caller's),
    made small enough that every buffer of the ring fits PINNED_RING_BYTES."""
    width, height = scene.size
    frame_bytes = width * height * 3 // (2 if yuv else 1)
    usual = scene.batch_size(batch_size)
    return max(1, min(usual, PINNED_RING_BYTES // (ring.slots * frame_bytes)))


def ring_for(device: torch.device, held_by_consumer: int = QUEUE_DEPTH + 1) -> PinnedRing | None:
    """A pinned ring on CUDA, sized so the consumer's batches (queued and being written), the
    one waiting to be queued and the one being copied all have their own buffer; None elsewhere."""
    if device.type != "cuda":
        return None
    return PinnedRing(held_by_consumer + 3)


def host_batches(scene: Scene, indices: Iterable[int] | None = None, *, batch_size: int | None = None,
                 yuv: bool = False, ring: PinnedRing | None = None, rgb_frames: int = 0,
                 progress: Callable[[int], None] | None = None) -> Iterator[HostBatch]:
    """HostBatches of the given frames in order; the consumer must release() each.

    With `yuv`, batches hold yuv420p planes, plus RGB of the clip's first `rgb_frames` frames
    for observers (the dull-output check). With a `ring` (CUDA), batch k+1's rendering is
    queued before waiting for batch k's copy, so the GPU renders while the host writes.
    """
    pending: tuple[HostBatch, Callable[[], None]] | None = None
    if ring is not None:
        batch_size = ring_batch(scene, ring, yuv, batch_size)
    for chunk, frames in iter_device_batches(scene, indices, batch_size):
        rgb = None
        if yuv and rgb_frames > 0:
            rgb = frames[:rgb_frames].cpu().numpy()
            rgb_frames -= len(rgb)
        data = rgb_to_yuv420p(frames) if yuv else frames
        layout = YUV420P if yuv else RGB
        if ring is None:  # CPU: nothing to overlap with, hand it over now
            yield plain_to_host(data, chunk, layout, rgb)
            if progress is not None:
                progress(len(chunk))
            continue
        current = ring.to_host(data, chunk, layout, rgb)
        del frames, data  # the caching allocator keeps the memory stream-ordered behind the copy
        if pending is not None:
            yield _landed(pending)
            if progress is not None:
                progress(len(pending[0].indices))
        pending = current
    if pending is not None:
        yield _landed(pending)
        if progress is not None:
            progress(len(pending[0].indices))


def _landed(pending: tuple[HostBatch, Callable[[], None]]) -> HostBatch:
    batch, wait = pending
    wait()
    return batch
