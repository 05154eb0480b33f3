"""The overlapped writer writes every batch in order and surfaces writer errors."""
from __future__ import annotations

import numpy as np
import pytest

from cppn_motion.pipeline import should_overlap, write_all


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
