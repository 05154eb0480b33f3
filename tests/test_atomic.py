"""Atomic output: a target changes only when writing completes; failures leave no temp files.

Also checks every registered writer the same way, and the checks open_writer makes
before it creates anything.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from cppn_motion.atomic import atomic_output
from cppn_motion.encoders import WRITERS, open_writer, writer_for
from cppn_motion.errors import UserError
from cppn_motion.temps import owner_tag


def test_success_replaces_the_target_via_a_hidden_temp_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "name.mp4"
    target.write_bytes(b"old")
    with atomic_output(target) as temp:
        assert re.fullmatch(rf"\.name\.tmp-{re.escape(owner_tag())}[0-9a-f]{{6}}\.mp4", temp.name)
        assert temp.parent == tmp_path
        assert target.read_bytes() == b"old"  # untouched until the block completes
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_parent_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.png"
    with atomic_output(str(target)) as temp:
        temp.write_bytes(b"x")
    assert target.read_bytes() == b"x"


def test_new_files_get_umask_permissions_not_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    with atomic_output(tmp_path / "out.gif") as temp:
        temp.write_bytes(b"x")
    assert (tmp_path / "out.gif").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("error", [RuntimeError("render failed"), KeyboardInterrupt()])
def test_an_exception_mid_write_keeps_the_old_file_byte_identical(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "out.mp4"
    old = bytes(range(256)) * 4
    target.write_bytes(old)
    with pytest.raises(type(error)):
        with atomic_output(target) as temp:
            temp.write_bytes(b"half a file")
            raise error
    assert target.read_bytes() == old
    assert list(tmp_path.iterdir()) == [target]


def test_concurrent_outputs_get_distinct_temp_files(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "x.png") as first, atomic_output(tmp_path / "x.png") as second:
        assert first != second


# ----- every writer: atomic, and checked before anything exists

def tiny_frames(count: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (count, 24, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize("fmt", WRITERS.names())
@pytest.mark.parametrize("error", [RuntimeError("render failed"), KeyboardInterrupt()])
def test_writer_failure_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, fmt: str, error: BaseException
) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"previous render")
    with pytest.raises(type(error)):
        with open_writer(target, fps=10, size=(32, 24)) as writer:
            writer.write(tiny_frames(1))
            raise error
    assert target.read_bytes() == b"previous render"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("fmt", WRITERS.names())
def test_writer_success_replaces_the_old_file(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"previous render")
    with open_writer(target, fps=10, size=(32, 24)) as writer:
        writer.write(tiny_frames(1))
        assert target.read_bytes() == b"previous render"
    assert target.read_bytes() != b"previous render"
    assert list(tmp_path.iterdir()) == [target]


def test_unsupported_extension_is_named_with_the_supported_ones(tmp_path: Path) -> None:
    message = (r"^output path 'x\.avi': unsupported extension '\.avi'; supported: \.mp4, \.gif, \.png, \.webm, "
               r"or frames/f_%04d\.png for a PNG sequence$")
    with pytest.raises(UserError, match=message):
        writer_for("x.avi")
    with pytest.raises(UserError, match="unsupported extension ''"):
        open_writer(tmp_path / "new" / "no_extension", fps=10, size=(32, 24))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "fmt"), [("a.MP4", "mp4"), ("b.Gif", "gif"), ("dir.v2/c.png", "png")])
def test_extension_is_case_insensitive(name: str, fmt: str) -> None:
    assert writer_for(name) == fmt


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fps": 0, "size": (32, 24)}, r"^fps must be > 0; got 0$"),
        ({"fps": float("nan"), "size": (32, 24)}, r"^fps must be > 0; got nan$"),
        ({"fps": 10, "size": (32, 0)}, r"^size must be two positive integers"),
        ({"fps": 10, "size": (32.0, 24)}, r"^size must be two positive integers"),
    ],
)
@pytest.mark.parametrize("fmt", WRITERS.names())
def test_bad_settings_fail_before_any_file_exists(tmp_path: Path, fmt: str, kwargs: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        open_writer(tmp_path / "sub" / f"out.{fmt}", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_as_output_path_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").mkdir()
    with pytest.raises(UserError, match="is a folder"):
        open_writer(tmp_path / "clip.mp4", fps=10, size=(32, 24))


def test_an_upper_case_extension_still_writes_the_right_format(tmp_path: Path) -> None:
    target = tmp_path / "CLIP.MP4"
    with open_writer(target, fps=10, size=(32, 24)) as writer:
        writer.write(tiny_frames(2))
    assert target.read_bytes()[4:8] == b"ftyp"  # an ISO-BMFF (mp4) file
