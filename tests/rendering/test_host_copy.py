"""The pinned ring's bookkeeping (testable on CPU with stand-in events and plain buffers), the
render feed, and on CUDA the real pinned, non-blocking copies."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from tiny import tiny_preset

from cppn_motion.colour.yuv import rgb_to_yuv420p
from cppn_motion.rendering.feed import host_batches, ring_for, use_device_yuv
from cppn_motion.rendering.host_copy import RGB, YUV420P, PinnedRing
from cppn_motion.rendering.scene import build_scene, iter_frames


class FakeEvent:
    """Stands in for torch.cuda.Event: counts records and waits."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def record(self) -> None:
        self.log.append("record")

    def synchronize(self) -> None:
        self.log.append("wait")


def fake_ring(slots: int, log: list[str] | None = None) -> PinnedRing:
    log = [] if log is None else log
    return PinnedRing(slots, allocate=lambda n: torch.empty(n, dtype=torch.uint8),
                      make_event=lambda: FakeEvent(log))


def frames(value: int, count: int = 2) -> torch.Tensor:
    return torch.full((count, 4, 6, 3), value, dtype=torch.uint8)


def test_copies_land_and_wait_follows_the_recorded_event():
    log: list[str] = []
    ring = fake_ring(2, log)
    batch, wait = ring.to_host(frames(7), [0, 1], RGB)
    assert log == ["record"]  # the event is recorded after the copy is queued
    wait()
    assert log == ["record", "wait"]
    assert batch.array.shape == (2, 4, 6, 3) and (batch.array == 7).all()
    assert batch.indices == [0, 1] and batch.layout == RGB


def test_a_buffer_is_not_refilled_before_its_batch_is_released():
    ring = fake_ring(2)
    first, _ = ring.to_host(frames(1), [0, 1], RGB)
    second, _ = ring.to_host(frames(2), [2, 3], RGB)
    third: list = []
    worker = threading.Thread(target=lambda: third.append(ring.to_host(frames(3), [4, 5], RGB)))
    worker.start()
    worker.join(timeout=0.3)
    assert worker.is_alive() and not third  # both buffers are still held by the consumer
    assert (first.array == 1).all()  # ... and the first batch's frames are intact
    first.release()
    worker.join(timeout=10)
    assert third and (third[0][0].array == 3).all()
    assert np.shares_memory(third[0][0].array, first.array)  # the first buffer, reused
    assert (second.array == 2).all()


def test_buffers_are_reused_and_grow_only_for_bigger_batches():
    ring = fake_ring(3)
    for i in range(12):
        batch, wait = ring.to_host(frames(i), [i, i], RGB)
        wait()
        batch.release()
    assert ring.allocations == 3  # one per slot, however many batches
    batch, _ = ring.to_host(frames(0, count=5), list(range(5)), RGB)
    assert ring.allocations == 4 and batch.array.shape[0] == 5
    batch.release()
    ring.to_host(frames(0, count=1), [0], RGB)[0].release()
    assert ring.allocations == 4  # smaller batches fit the buffers there are


def test_split_parts_give_the_buffer_back_only_when_all_are_released():
    ring = fake_ring(2)
    batch, _ = ring.to_host(frames(5, count=3), [0, 1, 2], RGB)
    ring.to_host(frames(6), [3, 4], RGB)[0].release()
    left, right = batch.split([1, 2])
    assert left.indices == [0] and right.indices == [1, 2] and len(right.array) == 2
    left.release()
    left.release()  # idempotent
    assert not ring._slots[0].free
    right.release()
    assert ring._slots[0].free


def test_a_ring_needs_two_buffers_and_uint8():
    with pytest.raises(ValueError, match="at least 2"):
        fake_ring(1)
    with pytest.raises(ValueError, match="uint8"):
        fake_ring(2).to_host(torch.zeros(1, 2, 2, 3), [0], RGB)


def test_yuv_on_the_device_by_default_only_off_the_cpu():
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert not use_device_yuv(cpu, True)
    assert use_device_yuv(gpu, True)
    assert not use_device_yuv(gpu, False)  # the writer cannot take it (10-bit, GIF, ...)
    assert use_device_yuv(cpu, True, requested=True)
    assert ring_for(cpu) is None


@pytest.mark.parametrize("with_ring", [False, True])
def test_feed_gives_the_same_frames_as_iter_frames(with_ring):
    scene = build_scene(tiny_preset(timeline={"frames": 7}), "cpu")
    expected = np.concatenate(list(iter_frames(scene, batch_size=2)))
    done: list[int] = []
    ring = fake_ring(3) if with_ring else None  # the ring's logic, with the CPU's tensors
    got, rgb = [], []
    for batch in host_batches(scene, batch_size=2, yuv=True, ring=ring, rgb_frames=3, progress=done.append):
        assert batch.layout == YUV420P
        got.append(batch.array.copy())
        if batch.rgb is not None:
            rgb.append(batch.rgb)
        batch.release()
    assert sum(done) == 7
    assert np.array_equal(np.concatenate(got), rgb_to_yuv420p(torch.from_numpy(expected)).numpy())
    assert np.array_equal(np.concatenate(rgb), expected[:3])  # RGB of the first frames, for the dull check


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_pinned_ring_copies_are_exact_and_reuse_buffers():
    scene = build_scene(tiny_preset(timeline={"frames": 9}), "cuda")
    expected = np.concatenate(list(iter_frames(scene, batch_size=2)))
    ring = ring_for(scene.device)
    assert ring is not None
    got = []
    for batch in host_batches(scene, batch_size=2, ring=ring):
        assert batch.array.base is not None  # a view of a ring buffer, not a fresh array
        got.append(batch.array.copy())
        batch.release()
    assert np.array_equal(np.concatenate(got), expected)
    assert ring.allocations <= len(ring._slots)
    assert all(slot.buffer is None or slot.buffer.is_pinned() for slot in ring._slots)


def test_ring_batches_shrink_so_the_pinned_ring_stays_within_its_budget(monkeypatch):
    """Many parallel encoders mean many ring buffers: batches shrink so buffers x batch bytes
    stays under PINNED_RING_BYTES, and the frames still come out all and in order."""
    import cppn_motion.rendering.feed as feed

    scene = build_scene(tiny_preset(timeline={"frames": 6}), "cpu")  # 32x18: 864 bytes of yuv420p a frame
    ring = fake_ring(27)
    monkeypatch.setattr(feed, "PINNED_RING_BYTES", 27 * 864 * 2)
    assert feed.ring_batch(scene, ring, yuv=True, batch_size=None) == 2
    assert feed.ring_batch(scene, ring, yuv=False, batch_size=None) == 1  # rgb: twice the bytes
    assert feed.ring_batch(scene, ring, yuv=True, batch_size=1) == 1      # never above the caller's
    batches = list(host_batches(scene, range(6), ring=ring, yuv=True))
    assert [b.indices for b in batches] == [[0, 1], [2, 3], [4, 5]]
    for batch in batches:
        batch.release()
