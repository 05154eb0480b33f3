"""The overlapped writer writes every batch in order and surfaces writer errors."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from cppn_motion.rendering.pipeline import should_overlap, write_all, write_routed


class _Recorder:
    def __init__(self, fail_at: int | None = None) -> None:
        self.seen: list[int] = []
        self.fail_at = fail_at

    def write(self, frames: np.ndarray) -> None:
        if self.fail_at is not None and len(self.seen) == self.fail_at:
            raise RuntimeError("disk full")
        self.seen.append(int(frames[0, 0, 0, 0]))


@pytest.mark.parametrize("overlap", [False, True])
def test_all_batches_in_order(overlap):
    recorder = _Recorder()
    write_all((np.full((1, 2, 2, 3), i, np.uint8) for i in range(9)), recorder, overlap)
    assert recorder.seen == list(range(9))


def test_writer_error_stops_the_producer():
    produced: list[int] = []

    def batches():
        for i in range(50):
            produced.append(i)
            yield np.full((1, 2, 2, 3), i, np.uint8)

    with pytest.raises(RuntimeError, match="disk full"):
        write_all(batches(), _Recorder(fail_at=2), overlap=True)
    assert len(produced) < 50


def test_overlap_only_with_spare_cores_or_a_gpu():
    assert not should_overlap("cpu", cores=2)
    assert should_overlap("cpu", cores=16)
    assert should_overlap("cuda", cores=2)


class _Released:
    """A HostBatch stand-in that records whether it was written and released."""

    def __init__(self, value: int, log: list[str]) -> None:
        self.value, self.log = value, log

    def write_to(self, writer) -> None:
        writer.write(np.full((1, 2, 2, 3), self.value, np.uint8))

    def release(self) -> None:
        self.log.append(f"released {self.value}")


def test_routed_batches_reach_their_own_writer_in_order():
    writers = [_Recorder(), _Recorder(), _Recorder()]
    items = [(i % 3, np.full((1, 2, 2, 3), i, np.uint8)) for i in range(12)]
    write_routed(items, writers)
    assert [w.seen for w in writers] == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]


@pytest.mark.parametrize("overlap", [False, True])
def test_host_batches_are_released_after_writing(overlap):
    log: list[str] = []
    recorder = _Recorder()
    write_all((_Released(i, log) for i in range(4)), recorder, overlap)
    assert recorder.seen == [0, 1, 2, 3] and log == [f"released {i}" for i in range(4)]


def test_one_failing_encoder_stops_everything_and_releases_what_was_queued():
    log: list[str] = []
    produced: list[int] = []

    def items():
        for i in range(40):
            produced.append(i)
            yield i % 2, _Released(i, log)

    with pytest.raises(RuntimeError, match="disk full"):
        write_routed(items(), [_Recorder(), _Recorder(fail_at=1)])
    assert len(produced) < 40
    assert len(log) == len(produced)  # nothing left holding a buffer


def test_an_interrupted_producer_stops_the_writers():
    log: list[str] = []

    def items():
        for i in range(3):
            yield i % 2, _Released(i, log)
        raise KeyboardInterrupt

    writers = [_Recorder(), _Recorder()]
    with pytest.raises(KeyboardInterrupt):
        write_routed(items(), writers)
    assert len(log) == 3  # every batch handed over was written or released
    assert not [t for t in threading.enumerate() if t.name.startswith("cppn-writer")]


def test_an_interrupted_producer_does_not_wait_forever_on_a_stuck_writer():
    """A signal in the producer must not hang the process on a writer thread that never
    finishes (SIGTERM with 3 encoders hung in about 1 run in 3): the writers are aborted next."""
    import threading
    import time

    import numpy as np

    from cppn_motion.rendering import pipeline

    release = threading.Event()

    class StuckWriter:
        def write(self, frames):
            release.wait(30)

    def interrupted():
        yield 0, np.zeros((1, 2, 2, 3), np.uint8)
        time.sleep(0.2)  # the writer is now inside write()
        raise KeyboardInterrupt

    started = time.monotonic()
    try:
        pipeline.write_routed(interrupted(), [StuckWriter()])
    except KeyboardInterrupt:
        pass
    finally:
        release.set()
    assert time.monotonic() - started < pipeline.CANCEL_WAIT_S * 2 + 2
