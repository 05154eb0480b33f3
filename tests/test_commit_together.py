"""An output and its sidecar are committed as one step (atomic.commit_together): renamed in order,
with stop signals held back until both are in place, and rolled back if a rename fails (issue 16)."""
from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

import pytest

from cppn_motion import atomic
from cppn_motion.atomic import AtomicFile, commit_together
from cppn_motion.signals import Terminated, stop_on_signals


def staged(target: Path, text: str) -> AtomicFile:
    file = AtomicFile(target)
    file.temp.write_text(text)
    return file


def test_both_files_are_renamed_in_order(tmp_path):
    side, out = tmp_path / "x.mp4.yaml", tmp_path / "x.mp4"
    commit_together([staged(side, "new sidecar"), staged(out, "new output")])
    assert side.read_text() == "new sidecar" and out.read_text() == "new output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.mp4", "x.mp4.yaml"]
    assert atomic.last_commit == out


def test_a_failed_second_rename_restores_the_first(tmp_path, monkeypatch):
    side, out = tmp_path / "x.mp4.yaml", tmp_path / "x.mp4"
    side.write_text("old sidecar")
    out.write_text("old output")
    files = [staged(side, "new sidecar"), staged(out, "new output")]
    real_replace = os.replace

    def replace(source, target):
        if Path(target) == out:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        commit_together(files)
    monkeypatch.setattr(os, "replace", real_replace)
    assert side.read_text() == "old sidecar" and out.read_text() == "old output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.mp4", "x.mp4.yaml"]


def test_a_failed_rename_removes_a_first_file_that_had_no_predecessor(tmp_path, monkeypatch):
    side, out = tmp_path / "x.mp4.yaml", tmp_path / "x.mp4"
    files = [staged(side, "new sidecar"), staged(out, "new output")]
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda s, t: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error"))
                        if Path(t) == out else real_replace(s, t))
    with pytest.raises(OSError):
        commit_together(files)
    assert list(tmp_path.iterdir()) == []


def test_a_signal_during_the_commit_waits_until_both_are_renamed(tmp_path, monkeypatch):
    # SIGTERM between the two renames left the new output beside the old sidecar (20 of 20 tries).
    side, out = tmp_path / "x.mp4.yaml", tmp_path / "x.mp4"
    side.write_text("old sidecar")
    out.write_text("old output")
    files = [staged(side, "new sidecar"), staged(out, "new output")]
    real_replace = os.replace

    def replace(source, target):
        real_replace(source, target)
        if Path(target) == side:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler runs here: it must hold the signal back

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Terminated):
        with stop_on_signals():
            commit_together(files)
            time.sleep(1)  # never reached: the held signal is raised once the commit is done
    assert side.read_text() == "new sidecar" and out.read_text() == "new output"
    assert atomic.last_commit == out
