"""`cppn-motion bench`: flags and the whole-process table (the timing itself is faked: timings
belong in the benchmark, never in tests)."""
from __future__ import annotations

from cppn_motion.cli.main import main
from cppn_motion.study import bench_process


def test_unknown_case_is_one_line_naming_the_flag(capsys):
    assert main(["bench", "--stages", "whole", "--cases", "mp4-49"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cppn-motion: error: --cases: unknown name 'mp4-49'") and "mp4-48" in err


def test_whole_stage_prints_the_ratio_against_the_plain_script(monkeypatch, capsys):
    seen = []

    def fake_run(command):
        seen.append(command)
        return 9.0 if str(bench_process.PEER_SCRIPT) in command else 3.0

    monkeypatch.setattr(bench_process, "run_once", fake_run)
    assert main(["bench", "--stages", "whole", "--cases", "mp4-48", "--repeats", "2", "--precision", "fast"]) == 0
    out = capsys.readouterr().out
    assert "| mp4-48 | 640x360 | 48 | 3.00 | 16.00 | 9.00 | 5.33 | **3.00x** |" in out
    assert "In-process stages" not in out  # only the asked-for stage ran
    assert len(seen) == 4 and "net.precision=fast" in seen[0][-1]
