"""A failure never destroys a good output or lies about it (issue 16): the output and its sidecar
are committed together, the join is counted before it is renamed, and a signal after the commit
is reported as what it is.

Before: a full disk on the sidecar gave 'OSError: [Errno 28]', exit 1, the new file at the target
beside a stale sidecar; --encoders 2 committed a garbage join over the earlier file; SIGTERM just
after the rename said 'no partial output was left behind'."""
from __future__ import annotations

import errno
import signal
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest

from cppn_motion.cli import main as cli_main
from cppn_motion.cli.main import main
from cppn_motion.signals import Terminated

TINY = ["--size", "32x18", "--frames", "6", "--fps", "12", "--quiet", "--device", "cpu"]


def good_earlier(target: Path) -> tuple[bytes, bytes]:
    assert main(["render", "-o", str(target), *TINY]) == 0
    return target.read_bytes(), Path(f"{target}.yaml").read_bytes()


def assert_untouched(target: Path, earlier: tuple[bytes, bytes], allowed: set[str] = frozenset()) -> None:
    assert (target.read_bytes(), Path(f"{target}.yaml").read_bytes()) == earlier
    names = {p.name for p in target.parent.iterdir()} - set(allowed)
    assert names == {target.name, f"{target.name}.yaml"}, names


@pytest.mark.parametrize("extension", ["mp4", "gif", "png"])
def test_a_full_disk_on_the_sidecar_leaves_both_earlier_files(extension, tmp_path, monkeypatch, capsys):
    target = tmp_path / f"clip.{extension}"
    earlier = good_earlier(target)
    real_write = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name.endswith(".yaml"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    status = main(["render", "-o", str(target), *TINY, "--seed", "9"])
    err = capsys.readouterr().err.strip()
    assert status == 1 and len(err.splitlines()) == 1, err
    assert "sidecar" in err and "No space left on device" in err and "Errno" not in err, err
    assert_untouched(target, earlier)


def test_a_sidecar_that_cannot_be_replaced_leaves_the_earlier_output(tmp_path, capsys):
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"an earlier render")
    Path(f"{target}.yaml").mkdir()  # stands in for a sidecar owned by someone else
    status = main(["render", "-o", str(target), *TINY])
    err = capsys.readouterr().err.strip()
    assert status == 1 and len(err.splitlines()) == 1, err
    assert target.read_bytes() == b"an earlier render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "clip.mp4.yaml"]


FAKE_JOIN = """#!{python}
import os, sys
REAL = {real!r}
args = sys.argv[1:]
if "concat" not in args:
    os.execv(REAL, [REAL] + args)
with open(args[-1].removeprefix("file:"), "wb") as out:  # the join 'succeeds' with garbage
    out.write(b"not a video at all!")
"""


def test_a_garbage_join_with_parallel_encoders_never_replaces_the_earlier_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "clip.mp4"
    earlier = good_earlier(target)
    script = tmp_path / "ffmpeg"
    script.write_text(FAKE_JOIN.format(python=sys.executable, real=imageio_ffmpeg.get_ffmpeg_exe()))
    script.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(script))
    status = main(["render", "-o", str(target), *TINY, "--seed", "9", "--encoders", "2"])
    err = capsys.readouterr().err.strip()
    assert status == 1 and len(err.splitlines()) == 1 and "not a readable video" in err, err
    assert_untouched(target, earlier, {"ffmpeg"})


def test_a_signal_after_the_commit_says_the_output_is_complete(tmp_path, monkeypatch, capsys):
    target = tmp_path / "clip.gif"

    def signalled(*args, **kwargs):
        raise Terminated(signal.SIGTERM)  # arrives while the summary is printed, after the commit

    monkeypatch.setattr(cli_main, "report_written", signalled)
    status = main(["render", "-o", str(target), *TINY])
    err = capsys.readouterr().err.strip()
    assert status == 143
    assert err == f"cppn-motion: stopped by SIGTERM; '{target}' had been written in full and is kept", err
    assert target.is_file() and Path(f"{target}.yaml").is_file()
