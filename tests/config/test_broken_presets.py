"""Every hand-written broken preset in tests/broken_presets/ fails the CLI with exit 2,
one line holding its `# expect:` message, and nothing written."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cppn_motion.cli.main import main

CORPUS = Path(__file__).parent / "broken_presets"
PRESETS = sorted(CORPUS.glob("*.yaml"))


def expected_message(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: <regex>'"
    return first[len("# expect: "):]


def test_the_corpus_has_at_least_30_cases():
    assert len(PRESETS) >= 30


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_broken_preset_is_one_clear_line_exit_2_nothing_written(path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status = main(["render", str(path), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("cppn-motion: error: ") and "Traceback" not in err
    assert re.search(expected_message(path), err), err
    assert not any(tmp_path.rglob("*")), "nothing may be written for a broken preset"
