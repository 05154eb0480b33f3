"""Overlap rendering and encoding: a writer thread drains rendered batches while the next
batch renders. Adaptive: only where there are spare cores (or the renderer is a GPU)."""
from __future__ import annotations

import os
import queue
import threading
from typing import Iterable, Protocol

import numpy as np

# Batches waiting for the writer: two keep it busy while bounding memory to ~3 batches.
QUEUE_DEPTH = 2
# With fewer cores the CPU renderer already uses them all; a writer thread would only
# compete with it (the MP4 encoder runs in its own ffmpeg process regardless).
MIN_CORES_FOR_THREAD = 4

_DONE = object()


class Writer(Protocol):
    def write(self, frames: np.ndarray) -> None: ...


def usable_cores() -> int:
    """Cores this process may run on (os.cpu_count() counts the host's, not our share)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def should_overlap(device_type: str, cores: int | None = None) -> bool:
    if cores is None:
        cores = usable_cores()
    return device_type != "cpu" or cores >= MIN_CORES_FOR_THREAD


def write_all(batches: Iterable[np.ndarray], writer: Writer, overlap: bool) -> None:
    """Write every batch in order; with `overlap`, writing happens on a thread while the
    producer computes the next batch. A writer error stops the producer and is re-raised."""
    if not overlap:
        for batch in batches:
            writer.write(batch)
        return
    pending: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
    failure: list[BaseException] = []

    def drain() -> None:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if not failure:
                try:
                    writer.write(item)
                except BaseException as exc:  # handed to the producer's thread below
                    failure.append(exc)

    thread = threading.Thread(target=drain, name="cppn-writer", daemon=True)
    thread.start()
    try:
        for batch in batches:
            if failure:
                break
            pending.put(batch)
    finally:
        pending.put(_DONE)
        thread.join()
    if failure:
        raise failure[0]
