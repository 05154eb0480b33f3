"""Overlap rendering and encoding: writer threads drain rendered batches while the next batch
renders. One writer (write_all, adaptive: only where there are spare cores or the renderer is a
GPU), or several parallel encoders each fed its own batches in order (write_routed)."""
from __future__ import annotations

import os
import queue
import threading
from typing import Any, Iterable, Protocol, Sequence

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


def deliver(item: Any, writer: Writer) -> None:
    """Write a plain array, or a host_copy.HostBatch (in its layout), then give its buffer back."""
    if isinstance(item, np.ndarray):
        writer.write(item)
        return
    try:
        item.write_to(writer)
    finally:
        item.release()


def _discard(item: Any) -> None:
    if not isinstance(item, np.ndarray) and item is not _DONE:
        item.release()


# How long an interrupted render waits for each writer thread before aborting the writers.
CANCEL_WAIT_S = 2.0


class _Drain:
    """One writer thread and its bounded queue. After a failure (its own or the producer's
    `cancel`), later batches are released unwritten so nobody waits on them."""

    def __init__(self, writer: Writer, name: str, failures: list[BaseException]) -> None:
        self.writer = writer
        self.pending: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.failures = failures
        self.cancelled = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.pending.get()
            if item is _DONE:
                return
            if self.failures or self.cancelled:
                _discard(item)
                continue
            try:
                deliver(item, self.writer)
            except BaseException as exc:  # handed to the producer's thread
                self.failures.append(exc)

    def finish(self, wait: bool = True) -> None:
        """Let the thread write what is queued and stop. After the producer was interrupted
        (`wait` False: a signal, an error), wait only briefly: the caller aborts the writers
        next, and a signal raised inside the producer's queue operations could otherwise leave
        this thread unwoken and the process hung (seen with SIGTERM and 3 encoders)."""
        if wait:
            self.pending.put(_DONE)
            self.thread.join()
            return
        try:
            self.pending.put(_DONE, timeout=CANCEL_WAIT_S)
        except queue.Full:
            pass  # the thread discards what is queued once it sees `cancelled`; it is a daemon
        self.thread.join(timeout=CANCEL_WAIT_S)


def write_all(batches: Iterable[Any], writer: Writer, overlap: bool) -> None:
    """Write every batch in order; with `overlap`, writing happens on a thread while the
    producer computes the next batch. A writer error stops the producer and is re-raised."""
    if not overlap:
        for batch in batches:
            deliver(batch, writer)
        return
    write_routed(((0, batch) for batch in batches), [writer])


def write_routed(items: Iterable[tuple[int, Any]], writers: Sequence[Writer]) -> None:
    """Write each (writer index, batch) on that writer's own thread, in the order given per
    writer, so every encoder keeps working while the producer renders. The first writer error
    stops the producer and is re-raised; an error in the producer (Ctrl-C included) stops the
    writers before it propagates, leaving the writers to the caller to close or abort."""
    failures: list[BaseException] = []
    drains = [_Drain(writer, f"cppn-writer-{i}", failures) for i, writer in enumerate(writers)]
    finished = False
    try:
        for index, batch in items:
            if failures:
                _discard(batch)
                break
            drains[index].pending.put(batch)
        finished = True
    finally:
        for drain in drains:
            drain.cancelled = not finished
        for drain in drains:
            drain.finish(wait=finished)
    if failures:
        raise failures[0]
