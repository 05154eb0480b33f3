"""Whole-process timing against the plain script (peer_plain.py): the comparison a user makes.

Each case runs two commands as fresh processes, `cppn-motion render|still default ...` and
`python peer_plain.py ...`, in turns (ours, plain, ours, plain, ...), and reports each one's
median wall time from start to exit and the median of the pairs' ratios, so interpreter start-up, the torch import, building the
scene and the encoder's flush all count. Turns expose both to the same load swings on a shared
machine. Timing and orchestration only; cli/bench.py prints the table."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# The plain script: a file of its own, run by path so that nothing of cppn_motion is imported.
PEER_SCRIPT = Path(__file__).with_name("peer_plain.py")


@dataclass(frozen=True)
class Case:
    """One comparison: `frames` frames at width x height as an MP4, or one still (frames == 0)."""

    name: str
    width: int
    height: int
    frames: int

    @property
    def still(self) -> bool:
        return self.frames == 0

    def output_name(self, who: str) -> str:
        return f"{who}-{self.name}.{'png' if self.still else 'mp4'}"


CASES: dict[str, Case] = {
    "mp4-48": Case("mp4-48", 640, 360, 48),
    "mp4-150": Case("mp4-150", 640, 360, 150),
    "still-1080p": Case("still-1080p", 1920, 1080, 0),
}
QUICK_CASES = ("mp4-48",)


@dataclass
class ProcessRow:
    """Both commands' whole-process seconds for one case, run by run (run i of each was a pair,
    one right after the other)."""

    case: Case
    ours_runs: list[float]
    plain_runs: list[float]

    @property
    def repeats(self) -> int:
        return len(self.ours_runs)

    @property
    def ours_s(self) -> float:
        return statistics.median(self.ours_runs)

    @property
    def plain_s(self) -> float:
        return statistics.median(self.plain_runs)

    @property
    def pair_ratios(self) -> list[float]:
        """plain / ours pair by pair: each pair saw the same moment's load, so one slow run of
        either (a load spike, a page-cache miss) moves one ratio, not the figure."""
        return [plain / ours for ours, plain in zip(self.ours_runs, self.plain_runs)]

    @property
    def ratio(self) -> float:
        """How many times faster ours is than the plain script: the median of the pairs' ratios."""
        return statistics.median(self.pair_ratios)

    def frames_per_second(self, seconds: float) -> float | None:
        return None if self.case.still else self.case.frames / seconds


def ours_command(case: Case, folder: Path, precision: str = "auto") -> list[str]:
    """The render (or still) command a user types, through this interpreter."""
    size = f"{case.width}x{case.height}"
    out = str(folder / case.output_name("ours"))
    command = [sys.executable, "-m", "cppn_motion"]
    if case.still:
        command += ["still", "default", "--size", size, "-o", out, "--quiet"]
    else:
        command += ["render", "default", "--size", size, "--frames", str(case.frames), "-o", out, "--quiet"]
    if precision != "auto":
        command += ["--set", f"net.precision={precision}"]
    return command


def plain_command(case: Case, folder: Path) -> list[str]:
    size = f"{case.width}x{case.height}"
    command = [sys.executable, str(PEER_SCRIPT), "--size", size, "-o", str(folder / case.output_name("plain"))]
    return command if case.still else command + ["--frames", str(case.frames)]


def run_once(command: list[str]) -> float:
    """Wall seconds of one run, start to exit; a failing command raises with its stderr's tail."""
    # Bytecode caching on, as on a user's machine (an environment that turns it off would make
    # every run recompile cppn_motion's modules, a cost the single-file plain script hardly has).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**env, "PYTHONWARNINGS": "ignore"})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"benchmark command failed (exit {done.returncode}): {' '.join(command)}\n{tail}")
    return seconds


def time_in_turns(commands: list[list[str]], repeats: int,
                  run: Callable[[list[str]], float] | None = None) -> list[list[float]]:
    """Wall seconds of each command, run in turns `repeats` times (a, b, a, b, ...), run by run."""
    run = run or run_once
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(max(1, repeats)):
        for command, spent in zip(commands, times):
            spent.append(run(command))
    return times


def compare(case: Case, repeats: int = 3, precision: str = "auto",
            run: Callable[[list[str]], float] | None = None) -> ProcessRow:
    """Time ours against the plain script on one case; outputs go to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="cppn_motion-bench-") as name:
        folder = Path(name)
        ours, plain = time_in_turns([ours_command(case, folder, precision), plain_command(case, folder)],
                                    repeats, run)
    return ProcessRow(case, ours, plain)


def format_process_table(rows: list[ProcessRow]) -> str:
    """A Markdown table of whole-process medians and the ratio (median of the pairs, and their range)."""
    lines = ["| case | size | frames | ours s | ours frames/s | plain script s | plain frames/s | ratio | pairs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        case = row.case

        def fps(seconds: float) -> str:
            value = row.frames_per_second(seconds)
            return "-" if value is None else f"{value:.2f}"

        frames = "still" if case.still else str(case.frames)
        spread = f"{min(row.pair_ratios):.2f}-{max(row.pair_ratios):.2f}x of {row.repeats}"
        lines.append(f"| {case.name} | {case.width}x{case.height} | {frames} | {row.ours_s:.2f} | {fps(row.ours_s)} | "
                     f"{row.plain_s:.2f} | {fps(row.plain_s)} | **{row.ratio:.2f}x** | {spread} |")
    return "\n".join(lines)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for the record (a shared machine's noise)."""
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "unknown"
