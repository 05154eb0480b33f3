"""Where a preset may send its output: `name` and `output.path` come from files people share
(presets, sidecars, PNGs), so they must not reach outside the folder the render runs in.
A path of the user's own choosing is given with -o, which is never checked here."""
from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

# A name becomes one file name (outputs/<name>.mp4, <name>_grow.gif, <name>-sheet.png):
# 100 characters leave room for those suffixes and the temp-file tag within the
# 255-byte limit of common filesystems, even for multi-byte characters.
MAX_NAME = 100
MAX_PATH = 1000


def _quoted(value: str) -> str:
    """The value for an error message: repr escapes control characters; long values are cut."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _control_characters(value: str) -> list[str]:
    """Characters that would break a listing, a terminal or ffmpeg's concat file (newline, ESC, NUL...)."""
    return [ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]


def check_name(value: str) -> str:
    """`name` is a plain file name: no folder separators, not '.' or '..', no control characters."""
    allowed = ("a plain file name (no '/', '\\', '..' or control characters), "
               "since outputs/<name>.mp4 is where the render goes")
    if "/" in value or "\\" in value or value.strip() in (".", "..") or _control_characters(value):
        raise ValueError(f"{allowed}; use -o to choose another folder; got {_quoted(value)}")
    if len(value) > MAX_NAME:
        raise ValueError(f"at most {MAX_NAME} characters ({allowed}); got {len(value)}")
    return value


def check_output_path(value: str | None) -> str | None:
    """`output.path` stays inside the folder the render runs in: relative, without '..'."""
    if value is None:
        return value
    if _control_characters(value):
        raise ValueError(f"no control characters (newline, tab, escape) in an output path; got {_quoted(value)}")
    if len(value) > MAX_PATH:
        raise ValueError(f"at most {MAX_PATH} characters; got {len(value)}")
    posix, windows = PurePosixPath(value), PureWindowsPath(value)
    if posix.is_absolute() or windows.drive or windows.root:
        raise ValueError("a path relative to the folder the render runs in (a preset may not write "
                         f"anywhere on the disk); use -o for a path of your own choosing; got {_quoted(value)}")
    if ".." in posix.parts or ".." in windows.parts:
        raise ValueError("a path inside the folder the render runs in, without '..'; "
                         f"use -o for a path of your own choosing; got {_quoted(value)}")
    if not posix.name or value.endswith(("/", "\\")):
        raise ValueError(f"a file name such as clips/loop.mp4, not a folder; got {_quoted(value)}")
    return value
