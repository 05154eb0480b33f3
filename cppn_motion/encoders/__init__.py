"""Frame writers for the output formats (mp4, gif, png), chosen by the output path's extension."""
from __future__ import annotations

import errno
from pathlib import Path
from typing import Mapping, Sequence

from cppn_motion.errors import OutputError, UserError

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
    free_space,
)
from cppn_motion.encoders.gif import GifTiming, GifWriter
from cppn_motion.encoders.png import PngSequenceWriter
from cppn_motion.encoders.target import OutputTarget, writer_for

__all__ = ["WRITERS", "EncoderOptions", "FrameWriter", "GifTiming", "OutputTarget", "check_writer", "open_writer", "writer_for"]


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


def open_writer(
    path: Path | str,
    *,
    fps: float,
    size: tuple[int, int],
    options: EncoderOptions = EncoderOptions(),
    metadata: Mapping[str, str] | None = None,
    frame_numbers: Sequence[int] | None = None,
    gif_timing: GifTiming | None = None,
    sidecar: bool = False,
) -> FrameWriter:
    """A FrameWriter for `path` (format from the extension); size is (width, height).

    Every check runs before any file or folder is created: bad settings raise a
    one-line UserError, malformed metadata a ValueError. `frame_numbers` numbers a PNG
    sequence's files (default 0, 1, 2, ...); other formats ignore it. `gif_timing` places a GIF's
    frames in their loop (default: frames 0, 1, 2, ... of a loop as long as they are); other formats
    ignore it. `sidecar`: also write
    <path>.yaml from the metadata, committed together with the output (base.commit_with_sidecar).
    """
    writer_class, size, fps = check_writer(path, fps=fps, size=size, options=options, metadata=metadata)
    try:
        if writer_class is PngSequenceWriter:
            return writer_class(path, fps=fps, size=size, options=options, metadata=metadata,
                                frame_numbers=frame_numbers, sidecar=sidecar)
        if writer_class is GifWriter:
            return writer_class(path, fps=fps, size=size, options=options, metadata=metadata,
                                timing=gif_timing, sidecar=sidecar)
        return writer_class(path, fps=fps, size=size, options=options, metadata=metadata, sidecar=sidecar)
    except OSError as err:  # e.g. a read-only folder: the user's to fix
        if err.errno in (errno.ENOSPC, errno.EDQUOT):  # out of space or inodes: the environment, exit 1
            raise OutputError(f"output path '{path}': cannot create a file there: {err.strerror or err}"
                              f"{free_space(Path(path), err)}; nothing was written") from err
        raise UserError(f"output path '{path}': cannot write there ({err.strerror or err})") from err
