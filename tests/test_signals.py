"""Ctrl-C (SIGINT) and SIGTERM mid-render: exit 130 / 143, the target untouched, no temp
files, no ffmpeg left running. Real subprocesses, real signals."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cppn_motion.signals import Terminated, stop_on_signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def children_of(pid: int) -> list[int]:
    """Direct child processes of `pid`, read from /proc (no psutil)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_long_render(target: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    # A tiny frame size and an endless clip: the render is surely mid-stream when signalled.
    command = [sys.executable, "-m", "cppn_motion", "render", "default", "-o", str(target), "--size", "32x18",
               "--frames", "1000000", "--fps", "30" if target.suffix != ".gif" else "25", "--batch-size", "1",
               "--quiet", "--device", "cpu", *extra]
    # SIGINT back to its default in the child: a runner started with '&' from a script ignores it,
    # and the child would inherit that (Python then leaves Ctrl-C ignored).
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_until_streaming(process: subprocess.Popen, folder: Path, needs_ffmpeg: bool) -> list[int]:
    """Wait for the temp file (and ffmpeg) to exist; return the child pids seen."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        temps = list(folder.glob("**/.*.tmp-*"))  # parallel encoders write theirs in a hidden folder
        children = children_of(process.pid)
        if temps and (children or not needs_ffmpeg):
            time.sleep(1.0)  # let frames flow
            return children_of(process.pid)
        time.sleep(0.1)
    raise AssertionError("render never started")


@pytest.mark.parametrize("sig, status, suffix, existing, extra", [
    (signal.SIGINT, 130, ".mp4", False, ()),
    (signal.SIGTERM, 143, ".mp4", True, ()),
    (signal.SIGINT, 130, ".mp4", True, ("--encoders", "3")),
    (signal.SIGTERM, 143, ".mp4", False, ("--encoders", "3")),
], ids=["sigint-mp4-new", "sigterm-mp4-replace", "sigint-3-encoders-replace", "sigterm-3-encoders-new"])
def test_a_signal_mid_render_leaves_nothing_behind(tmp_path, sig, status, suffix, existing, extra):
    target = tmp_path / f"clip{suffix}"
    if existing:
        target.write_bytes(b"an earlier render")
    process = start_long_render(target, extra)
    try:
        children = wait_until_streaming(process, tmp_path, needs_ffmpeg=suffix == ".mp4")
        if suffix == ".mp4":
            assert len(children) >= (3 if extra else 1), "ffmpeg should be running"
        sent = time.monotonic()
        process.send_signal(sig)
        _out, err = process.communicate(timeout=30)
        stopped_in = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == status, err
    assert "no partial output was left behind" in err and "Traceback" not in err
    assert stopped_in < 10, f"took {stopped_in:.1f} s to stop"  # generous: 2 shared cores
    if existing:
        assert target.read_bytes() == b"an earlier render"
    else:
        assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p != target] == []
    assert not [pid for pid in children if alive(pid)], "ffmpeg left running"


def test_handlers_raise_once_and_are_restored():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as caught:
        with stop_on_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs between bytecodes: never reached
    assert caught.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) is before
    with stop_on_signals():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)
        except Terminated:
            os.kill(os.getpid(), signal.SIGTERM)  # a second signal during cleanup is ignored
            time.sleep(0.2)


def test_sigint_reaches_the_render_when_the_test_runner_ignores_it(tmp_path):
    # pytest launched with '&' from a script starts with SIGINT ignored; the child must not inherit that.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = start_long_render(tmp_path / "clip.gif")
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        wait_until_streaming(process, tmp_path, needs_ffmpeg=False)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err


def test_a_late_signal_does_not_kill_a_finished_process_unreported(tmp_path):
    # GIF renders died by the default SIGTERM handler (no message) in 5 of 20 tries when the signal
    # came after the commit, once the handlers were restored on the way out.
    script = ("import os, signal, sys\n"
              "from cppn_motion.cli.main import main\n"
              "sys.argv = ['cppn-motion', 'presets']\n"
              "status = main()\n"
              "os.kill(os.getpid(), signal.SIGTERM)\n"
              "print('finished', status)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip().endswith("finished 0"), result
