"""torchrun on CPU (gloo): a 2-rank render equals the single-process one, clip-wide state comes
from rank 0, sweeps split and gather in order, and a rank that dies fails the job with no output,
after which --resume renders only the missing segments. Each torchrun costs seconds: keep to two."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from cppn_motion.cli.main import main
from cppn_motion.scale.segment_files import count_frames
from cppn_motion.scale.torchrun import (
    DIE_AFTER_FIRST_SEGMENT_ENV,
    detect,
    gather_to_rank0,
    process_group,
    shard_items,
)

TESTS = Path(__file__).parent
FLAGS = ["--size", "32x18", "--set", "timeline.frames=6", "--set", "net.depth=2", "--set", "net.width=8",
         "--device", "cpu", "--segments", "4", "--quiet"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def torchrun(arguments: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
                   "OMP_NUM_THREADS": "1", **env}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        environment.pop(name, None)
    # An explicit free port (not --standalone's default) and a session of its own, so a
    # stuck run is killed whole and cannot leave ranks behind that block later runs.
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--rdzv-backend=c10d",
               f"--rdzv-endpoint=127.0.0.1:{_free_port()}", "--nproc-per-node=2", *arguments]
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_helpers_without_torchrun_hand_everything_to_the_one_process(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert detect() is None
    with process_group(detect()):  # no process group to join
        assert shard_items([1, 2, 3]) == [1, 2, 3]
        assert gather_to_rank0([1, 2, 3]) == [1, 2, 3]


def test_two_ranks_render_what_one_process_renders(tmp_path):
    result = torchrun([str(TESTS / "torchrun_worker.py"), str(tmp_path / "out.mp4"), str(tmp_path / "seen.json")],
                      tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["status"] == 0
    # Rank 0 got a, b; rank 1 got c, d, e; rank 0 gathered them in the original order.
    assert seen["gathered"] == ["a0", "b0", "c1", "d1", "e1"]
    # Rank 1's own colour statistics were replaced by rank 0's.
    assert seen["calibrations"][0] == seen["calibrations"][1]
    # The same checkpoint segments rendered by one process make the very same file.
    assert main(["render", "-o", str(tmp_path / "single.mp4"), *FLAGS]) == 0
    assert (tmp_path / "out.mp4").read_bytes() == (tmp_path / "single.mp4").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "out.mp4.yaml", "seen.json", "single.mp4",
                                                         "single.mp4.yaml"]


def test_a_rank_that_dies_fails_the_job_and_resume_renders_only_the_rest(tmp_path):
    out = tmp_path / "out.mp4"
    result = torchrun(["-m", "cppn_motion", "render", "-o", str(out), *FLAGS], tmp_path,
                      **{DIE_AFTER_FIRST_SEGMENT_ENV: "1"})
    assert result.returncode != 0
    assert "exitcode  : 3" in result.stderr and "rank      : 1" in result.stderr  # torchrun names the rank
    assert not out.exists()  # never a short video
    parts = tmp_path / ".out.mp4.parts"
    assert (parts / "frames-000003-000003.mp4").exists()  # rank 1's first segment survived
    # Resume (here in one process: the plan does not depend on the number of ranks).
    assert main(["render", "-o", str(out), *FLAGS[:-1], "--resume"]) == 0
    assert count_frames(out) == 6 and not parts.exists()
