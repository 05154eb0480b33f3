"""Frame writers for the output formats (mp4, gif, png), chosen by the output path's extension."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Mapping, Sequence

from cppn_motion.errors import UserError

# Importing a format's module registers it; this order is the order error messages list them in.
from cppn_motion.encoders import mp4 as _mp4  # noqa: F401  isort: skip
from cppn_motion.encoders import gif as _gif  # noqa: F401  isort: skip
from cppn_motion.encoders import png as _png  # noqa: F401  isort: skip
from cppn_motion.encoders import webm as _webm  # noqa: F401  isort: skip
from cppn_motion.encoders.base import (
    WRITERS,
    EncoderOptions,
    FrameWriter,
    check_fps,
    check_size,
)
from cppn_motion.encoders.png import PngSequenceWriter
from cppn_motion.encoders.provenance import SEQUENCE_PATTERN

__all__ = ["WRITERS", "EncoderOptions", "FrameWriter", "check_writer", "open_writer", "writer_for"]


def writer_for(path: Path | str) -> str:
    """The format name ('mp4', 'webm', 'gif', 'png' or 'png_sequence') for `path`, case-insensitive.

    A .png path with a frame-number pattern (frames/f_%04d.png) is a PNG sequence.
    """
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in str(path)):
        # A newline breaks ffmpeg's concat listing (--resume, join) and every line-based tool.
        raise UserError(f"output path {str(path)!r}: no control characters (newline, tab, escape) in an output path")
    suffix = Path(path).suffix
    name = suffix.lower().lstrip(".")
    if name == "png" and SEQUENCE_PATTERN.search(Path(path).name):
        check_sequence_pattern(Path(path).name)
        return "png_sequence"
    if name not in WRITERS:
        supported = ", ".join(f".{known}" for known in WRITERS)
        raise UserError(f"output path '{path}': unsupported extension '{suffix}'; supported: {supported}, "
                        "or frames/f_%04d.png for a PNG sequence")
    return name


def check_writer(
    path: Path | str,
    *,
    fps: float,
    size: tuple[int, int],
    options: EncoderOptions = EncoderOptions(),
    metadata: Mapping[str, str] | None = None,
) -> tuple[type[FrameWriter], tuple[int, int], float]:
    """Every check open_writer runs, without creating anything: (writer class, size, fps)."""
    kind = writer_for(path)
    writer_class = PngSequenceWriter if kind == "png_sequence" else WRITERS.get(kind)
    size = check_size(size)
    fps = check_fps(fps)
    writer_class.check_settings(fps=fps, size=size, options=options)
    writer_class.check_metadata(metadata or {})
    if Path(path).is_dir():
        raise UserError(f"output path '{path}' is a folder; give a file name ending in .{writer_class.extension}"
                        " (or frames/f_%04d.png for a PNG sequence)")
    return writer_class, size, fps


def check_sequence_pattern(name: str) -> None:
    """A PNG sequence's file name holds exactly one frame number (%04d) and no other % field."""
    problem = None
    if len(SEQUENCE_PATTERN.findall(name)) != 1:
        problem = "more than one frame number"
    else:
        try:
            name % 0
        except (TypeError, ValueError, KeyError):
            problem = "a '%' that is not the frame number (write %% for a literal %)"
    if problem is not None:
        raise UserError(f"output path '{name}': a PNG sequence name holds exactly one frame number such as "
                        f"f_%04d.png; this one has {problem}")


def open_writer(
    path: Path | str,
    *,
    fps: float,
    size: tuple[int, int],
    options: EncoderOptions = EncoderOptions(),
    metadata: Mapping[str, str] | None = None,
    frame_numbers: Sequence[int] | None = None,
) -> FrameWriter:
    """A FrameWriter for `path` (format from the extension); size is (width, height).

    Every check runs before any file or folder is created: bad settings raise a
    one-line UserError, malformed metadata a ValueError. `frame_numbers` numbers a PNG
    sequence's files (default 0, 1, 2, ...); other formats ignore it.
    """
    writer_class, size, fps = check_writer(path, fps=fps, size=size, options=options, metadata=metadata)
    try:
        if writer_class is PngSequenceWriter:
            return writer_class(path, fps=fps, size=size, options=options, metadata=metadata,
                                frame_numbers=frame_numbers)
        return writer_class(path, fps=fps, size=size, options=options, metadata=metadata)
    except OSError as err:  # e.g. a read-only folder: the user's to fix
        raise UserError(f"output path '{path}': cannot write there ({err.strerror or err})") from err
