"""Two renders to one output, and what a killed run leaves (issue 16).

Before: two identical --resume runs at once could end with no output, an orphan sidecar and exit
0 (one joined 2 frames over the other's good file, then deleted it); SIGKILL left hidden temps
(one per frame for PNG sequences, encoder folders, ffmpeg logs) that nothing removed."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from cppn_motion import temps
from cppn_motion.atomic import AtomicFile
from cppn_motion.cli.main import main
from cppn_motion.locks import lock_path, output_lock

TINY = ["--size", "32x18", "--frames", "4", "--fps", "12", "--quiet", "--device", "cpu"]


@pytest.mark.parametrize("flags", [[], ["--resume"], ["--shard", "0/2"]], ids=["plain", "resume", "shard"])
def test_a_second_render_to_the_same_output_refuses_in_one_line(flags, tmp_path, capsys):
    target = tmp_path / "clip.mp4"
    held = target if flags != ["--shard", "0/2"] else tmp_path / "clip.part-0000-of-0002.mp4"
    with output_lock(held):  # another render is at it
        status = main(["render", "-o", str(target), *TINY, *flags])
    err = capsys.readouterr().err.strip()
    assert status == 1 and len(err.splitlines()) == 1, err
    assert f"another render is writing '{held}' (pid {os.getpid()} on " in err, err
    assert not target.exists() and not lock_path(target).exists()


def test_the_lock_is_released_and_its_file_removed(tmp_path, capsys):
    target = tmp_path / "still.png"
    assert main(["still", "-o", str(target), "--size", "32x18", "--quiet"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["still.png", "still.png.yaml"]
    with output_lock(target):  # free again
        pass


def test_a_lock_held_by_another_process_is_seen(tmp_path):
    target = tmp_path / "clip.mp4"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom cppn_motion.locks import output_lock\n"
                               f"with output_lock({str(target)!r}):\n    print('held', flush=True)\n    time.sleep(30)\n"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Exception, match=rf"pid {holder.pid} on"):
            with output_lock(target):
                pass
    finally:
        holder.kill()
        holder.wait()
    with output_lock(target):  # the kernel dropped the dead holder's lock
        pass


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temps_of_a_killed_run_are_removed_by_the_next_run_to_that_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(temps, "_swept", set())
    dead = f"{temps.host()}@{dead_pid()}@"
    leftovers = [tmp_path / f".clip.tmp-{dead}a1b2c3.mp4", tmp_path / f".f_0001.tmp-{dead}d4e5f6.png",
                 tmp_path / f".clip.mp4.old-{dead}0a0b0c"]
    for path in leftovers:
        path.write_bytes(b"left by SIGKILL")
    (tmp_path / f".clip.mp4.encoders-{dead}xyz").mkdir()
    alive = tmp_path / f".other.tmp-{temps.owner_tag()}aaaaaa.mp4"  # ours, in use
    elsewhere = tmp_path / f".clip.tmp-otherhost@{os.getpid() + 1}@bbbbbb.mp4"  # shared storage: not ours to judge
    alive.write_bytes(b"")
    elsewhere.write_bytes(b"")
    file = AtomicFile(tmp_path / "new.mp4")
    file.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, elsewhere.name])


def test_an_ffmpeg_log_of_a_killed_run_is_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(temps, "_swept", set())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"cppn_motion-ffmpeg-{temps.host()}@{dead_pid()}@x1y2z3.log"
    stale.write_text("log of a killed run")
    assert main(["render", "-o", str(tmp_path / "out" / "clip.mp4"), *TINY]) == 0
    assert not stale.exists()
