"""Rendered batches on their way to the host. On CUDA: non-blocking copies into a small ring of
reused pinned buffers, so copying one batch overlaps rendering the next and no pinned memory is
allocated per batch; a buffer is refilled only after its frames are consumed. On CPU: the
tensor's own memory, no copy. I/O-free: the writers consume what this hands out."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np
import torch
from torch import Tensor

# The layouts a batch can arrive in: RGB frames (B, H, W, 3), or yuv420p planes (B, W*H*3/2).
RGB, YUV420P = "rgb", "yuv420p"


class CopyDone(Protocol):
    """What a CUDA event does for the ring: mark the point after a copy, wait for it."""

    def record(self) -> None: ...
    def synchronize(self) -> None: ...


class _Lease:
    """Shared by a batch and the parts it is split into: the buffer goes back once all are done."""

    def __init__(self, give_back: Callable[[], None] | None, parts: int = 1) -> None:
        self._give_back = give_back
        self._parts = parts
        self._lock = threading.Lock()

    def add(self, parts: int) -> None:
        with self._lock:
            self._parts += parts

    def done(self) -> None:
        with self._lock:
            self._parts -= 1
            last = self._parts == 0
        if last and self._give_back is not None:
            self._give_back()


@dataclass
class HostBatch:
    """Frames of the clip on the host, in one layout. `release()` once consumed: on CUDA the
    array is a view of a pinned buffer that the ring fills again afterwards."""

    indices: list[int]
    array: np.ndarray
    layout: str = RGB
    rgb: np.ndarray | None = None  # RGB of the first frames, for observers, when layout is yuv420p
    _lease: _Lease = field(default_factory=lambda: _Lease(None))
    _released: bool = False

    @property
    def frames(self) -> np.ndarray:
        """RGB frames for observers: the array itself, or the RGB copy kept beside yuv420p planes."""
        return self.array if self.layout == RGB else (self.rgb if self.rgb is not None else self.array[:0])

    def write_to(self, writer) -> None:
        if self.layout == YUV420P:
            writer.write_yuv420p(self.array)
        else:
            writer.write(self.array)

    def release(self) -> None:
        if not self._released:  # idempotent: a failed write and a cleanup may both call it
            self._released = True
            self._lease.done()

    def split(self, sizes: list[int]) -> list["HostBatch"]:
        """Consecutive parts of `sizes` frames each (for routing to different encoders); the
        buffer is given back when every part is released."""
        if sum(sizes) != len(self.indices):
            raise ValueError(f"parts of {sizes} frames do not add up to the batch's {len(self.indices)}")
        if len(sizes) == 1:
            return [self]
        self._lease.add(len(sizes) - 1)
        self._released = True  # this batch's own claim passes to its parts
        parts, start = [], 0
        for size in sizes:
            stop = start + size
            # The RGB copy covers the batch's first frames only (observers look at a clip's start).
            rgb = self.rgb[start:stop] if self.rgb is not None and start < len(self.rgb) else None
            parts.append(HostBatch(self.indices[start:stop], self.array[start:stop], self.layout, rgb, self._lease))
            start = stop
        return parts


def plain_to_host(tensor: Tensor, indices: list[int], layout: str, rgb: np.ndarray | None = None) -> HostBatch:
    """A batch in ordinary host memory (CPU tensors: no copy at all)."""
    return HostBatch(indices, tensor.cpu().numpy(), layout, rgb)


class _Slot:
    def __init__(self, done: CopyDone) -> None:
        self.buffer: Tensor | None = None
        self.done = done
        self.free = True


class PinnedRing:
    """A few reused pinned host buffers for non-blocking device-to-host copies.

    `to_host` waits for a free buffer, starts the copy and records an event after it; the
    batch's `wait()` blocks until that copy has landed, its `release()` frees the buffer.
    A buffer grows (reallocated) when a larger batch arrives, never shrinks.
    `allocate` and `make_event` are injectable so the logic is testable without CUDA.
    """

    def __init__(self, slots: int, allocate: Callable[[int], Tensor] | None = None,
                 make_event: Callable[[], CopyDone] | None = None) -> None:
        if slots < 2:
            raise ValueError(f"a ring needs at least 2 buffers (one filling, one consumed); got {slots}")
        self._allocate = allocate or (lambda nbytes: torch.empty(nbytes, dtype=torch.uint8, pin_memory=True))
        make_event = make_event or torch.cuda.Event
        self._slots = [_Slot(make_event()) for _ in range(slots)]
        self._next = 0
        self._changed = threading.Condition()
        self.allocations = 0  # how many buffers were (re)allocated: reuse keeps this at most `slots`

    @property
    def slots(self) -> int:
        """How many buffers the ring holds."""
        return len(self._slots)

    def _acquire(self) -> _Slot:
        """The next buffer in turn, once its previous batch has been released."""
        with self._changed:
            slot = self._slots[self._next]
            self._changed.wait_for(lambda: slot.free)
            slot.free = False
            self._next = (self._next + 1) % len(self._slots)
            return slot

    def _give_back(self, slot: _Slot) -> None:
        with self._changed:
            slot.free = True
            self._changed.notify_all()

    def to_host(self, tensor: Tensor, indices: list[int], layout: str,
                rgb: np.ndarray | None = None) -> tuple[HostBatch, Callable[[], None]]:
        """Start copying a uint8 device tensor into a pinned buffer. Returns the batch and a
        `wait()` that must be called before its array is read."""
        if tensor.dtype != torch.uint8:
            raise ValueError(f"the pinned ring carries uint8 frames; got {tensor.dtype}")
        slot = self._acquire()
        try:
            count = tensor.numel()
            if slot.buffer is None or slot.buffer.numel() < count:
                slot.buffer = None  # drop the old one first: pinned memory is precious
                slot.buffer = self._allocate(count)
                self.allocations += 1
            target = slot.buffer[:count].view(tensor.shape)
            target.copy_(tensor, non_blocking=True)
            slot.done.record()
        except BaseException:
            self._give_back(slot)
            raise
        batch = HostBatch(indices, target.numpy(), layout, rgb, _Lease(lambda: self._give_back(slot)))
        return batch, slot.done.synchronize
