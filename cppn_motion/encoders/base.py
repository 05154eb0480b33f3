"""Shared pieces of the frame writers: options, the writer registry, and the FrameWriter base class."""
from __future__ import annotations

import errno
import math
import numbers
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Mapping, Sequence

import numpy as np

from cppn_motion.atomic import AtomicFile, commit_together
from cppn_motion.encoders.gif_methods import GIF_METHODS
from cppn_motion.encoders.provenance import PRESET_KEY, sidecar_path, sidecar_text
from cppn_motion.errors import ConfigError, OutputError, UserError
from cppn_motion.registry import Registry

X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast",
    "medium", "slow", "slower", "veryslow", "placebo",
)
MP4_PIX_FMTS = ("yuv420p", "yuv444p", "yuv420p10le", "yuv444p10le")


@dataclass(frozen=True)
class EncoderOptions:
    """How frames are compressed; each field is checked when the options are built."""

    crf: int = 18
    """H.264 constant rate factor, 0 (lossless) to 51 (worst); 18 is visually near-lossless."""
    x264_preset: str = "medium"
    """libx264 speed preset: slower presets give smaller files at the same quality."""
    pix_fmt: str = "yuv420p"
    """yuv420p plays everywhere; yuv444p keeps full-resolution colour but browsers refuse it."""
    gif_colors: int = 256
    """Palette size per GIF frame (2-256)."""
    gif_dither: bool = True
    """Dither against the palette (False: plain nearest-colour mapping, whatever the method)."""
    gif_method: str = "adaptive_fs"
    """Palette + dither method from encoders.gif_methods.GIF_METHODS."""
    gif_max_width: int | None = None
    """Downscale GIF frames (area filter) to at most this width."""
    gif_max_bytes: int | None = None
    """Reduce colours, then size, until the GIF fits in this many bytes."""
    gif_max_fps: float | None = None
    """Keep every n-th frame so the GIF plays at most this fps (None: every frame)."""
    gif_optimize: bool = False
    """Unchanged pixels become transparent (needs one free palette slot: at most 255 colours)."""
    bit_depth: int = 8
    """PNG bits per channel (8 or 16); 16-bit frames arrive as uint16."""

    def __post_init__(self) -> None:
        _check_int_option("crf", self.crf, 0, 51)
        _check_choice_option("x264_preset", self.x264_preset, X264_PRESETS)
        _check_choice_option("pix_fmt", self.pix_fmt, MP4_PIX_FMTS)
        _check_int_option("gif_colors", self.gif_colors, 2, 256)
        for name in ("gif_dither", "gif_optimize"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"encoder option {name} must be true or false; got {getattr(self, name)!r}")
        GIF_METHODS.get(self.gif_method)
        if self.gif_max_width is not None:
            _check_int_option("gif_max_width", self.gif_max_width, 2, 16384)
        fps_cap = self.gif_max_fps
        if fps_cap is not None and (isinstance(fps_cap, bool) or not isinstance(fps_cap, (int, float))
                                    or not 1 <= fps_cap <= 50):
            raise ConfigError(f"encoder option gif_max_fps must be a number from 1 to 50; got {self.gif_max_fps!r}")
        if self.gif_max_bytes is not None:
            _check_int_option("gif_max_bytes", self.gif_max_bytes, 1024, 2**40)
        _check_choice_option("bit_depth", self.bit_depth, (8, 16))


def _check_int_option(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"encoder option {name} must be an integer from {low} to {high}; got {value!r}")


def _check_choice_option(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"encoder option {name} must be one of {', '.join(choices)}; got {value!r}")


class FrameWriter:
    """Streams uint8 RGB frames into one output file, written atomically.

    Subclasses implement `_write_batch`, `_finish` (complete the temp file) and
    `_release` (stop without finishing). Use as a context manager: `__exit__`
    calls close() on success and abort() on an exception.
    """

    extension: ClassVar[str]
    # Writers that store 16 bits a channel take uint16 frames when options.bit_depth is 16.
    accepts_uint16: ClassVar[bool] = False
    # A file of no frames is an error, except for a GIF segment whose range holds no kept frame.
    allows_empty: ClassVar[bool] = False

    def __init__(
        self,
        path: Path | str,
        *,
        fps: float,
        size: tuple[int, int],
        options: EncoderOptions,
        metadata: Mapping[str, str] | None,
        sidecar: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fps = fps
        self.size = size
        self.options = options
        self.metadata = dict(metadata or {})
        # Write <output>.yaml (provenance.py) in the same commit as the output itself.
        self.sidecar = sidecar and PRESET_KEY in self.metadata
        self.frames_written = 0
        # Folders this writer makes for its output: removed again if nothing is saved in them.
        self._made_folders = [folder for folder in (self.path.parent, *self.path.parent.parents)
                              if not folder.exists()]
        self._output = AtomicFile(self.path)
        self._open = True

    # ----- checks run by open_writer before any file exists

    @classmethod
    def check_settings(cls, *, fps: float, size: tuple[int, int], options: EncoderOptions) -> None:
        """Raise UserError for settings this format cannot honour. Size and fps are already sane."""

    @classmethod
    def check_metadata(cls, metadata: Mapping[str, str]) -> None:
        """Raise ValueError for metadata this format cannot store."""
        for key, value in metadata.items():
            if not isinstance(key, str) or not key or not isinstance(value, str):
                raise ValueError(f"metadata must map non-empty str keys to str values; got {key!r}: {type(value).__name__}")

    # ----- public API

    def write(self, frames: np.ndarray) -> None:
        """Append a (B, H, W, 3) batch or a single (H, W, 3) frame of uint8 RGB."""
        if not self._open:
            raise ValueError(f"{self.extension} writer for '{self.path}' is already closed")
        batch = self._as_batch(frames)
        if len(batch):
            try:
                self._write_batch(batch)
            except OSError as err:  # a full disk mid-sequence: the environment, one line
                self.abort()
                raise OutputError(f"writing '{self.path}' failed: {err.strerror or err}{free_space(self.path, err)}; "
                                  "nothing was saved there") from err
            self.frames_written += len(batch)

    def close(self) -> None:
        """Finish the file and rename it into place. Idempotent; on failure the temp file is removed."""
        if not self._open:
            return
        try:
            if self.frames_written == 0 and not self.allows_empty:
                raise ValueError(f"no frames were written to '{self.path}'; nothing saved")
            self._finish(self._output.temp)
        except OSError as err:  # disk full, quota, folder gone: the environment, not a bug
            self.abort()
            raise OutputError(f"writing '{self.path}' failed: {err.strerror or err}{free_space(self.path, err)}; "
                              "nothing was saved there") from err
        except BaseException:
            self.abort()
            raise
        self._open = False
        commit_with_sidecar([self._output], self.path, self._sidecar_metadata() if self.sidecar else None)

    def abort(self) -> None:
        """Stop, remove the temp file and leave any existing target untouched. Idempotent."""
        if not self._open:
            return
        self._open = False
        try:
            self._release()
        finally:
            self._output.discard()
            for folder in self._made_folders:  # deepest first; only if left empty
                try:
                    folder.rmdir()
                except OSError:
                    break

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # ----- subclass hooks

    def _write_batch(self, batch: np.ndarray) -> None:
        raise NotImplementedError

    def _finish(self, temp: Path) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        """Free resources without producing a file (default: nothing to free)."""

    def _sidecar_metadata(self) -> dict[str, str]:
        """What the sidecar records: the metadata, plus what only the finished file knows (a GIF's frames)."""
        return self.metadata

    # ----- helpers

    def _as_batch(self, frames: np.ndarray) -> np.ndarray:
        if not isinstance(frames, np.ndarray):
            raise TypeError(f"frames must be a numpy array; got {type(frames).__name__}")
        width, height = self.size
        batch = frames[None] if frames.ndim == 3 else frames
        dtype = np.uint16 if self.accepts_uint16 and self.options.bit_depth == 16 else np.uint8
        if batch.ndim != 4 or batch.shape[1:] != (height, width, 3) or batch.dtype != dtype:
            raise ValueError(
                f"expected {np.dtype(dtype).name} frames of shape (B, {height}, {width}, 3) or ({height}, {width}, 3)"
                f" for size {width}x{height}; got {frames.dtype} {frames.shape}"
            )
        # Pipes and Pillow read the raw buffer: a strided view would be misread.
        return np.ascontiguousarray(batch)


def free_space(path: Path, err: OSError) -> str:
    """For a full disk or quota: ' (12 MiB free in /data)', naming where; else ''."""
    if err.errno not in (errno.ENOSPC, errno.EDQUOT):
        return ""
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return f" ({free / 2**20:,.0f} MiB free in '{folder}')"


def commit_with_sidecar(outputs: Sequence[AtomicFile], path: Path, metadata: Mapping[str, str] | None) -> None:
    """Rename finished output files into place (one, or a PNG sequence's frames), with the sidecar
    of `path` when `metadata` is given: all are written first, then renamed together (sidecar
    first), so a full disk, an unwritable sidecar or a signal never leaves a new output beside an
    old sidecar. OutputError on failure; the earlier output and sidecar are then untouched."""
    files = list(outputs)
    if metadata is not None:
        side = sidecar_path(path)
        try:
            staged = AtomicFile(side)
            files.insert(0, staged)
            staged.temp.write_text(sidecar_text(dict(metadata)), encoding="utf-8")
        except OSError as err:
            for file in files:
                file.discard()
            raise OutputError(f"writing the sidecar '{side}' failed: {err.strerror or err}{free_space(side, err)}; "
                              "nothing was saved "
                              f"(the earlier '{path.name}' and its sidecar are untouched)") from err
    try:
        commit_together(files)
    except OSError as err:
        raise OutputError(f"moving the finished file to '{path}' failed: {err.strerror or err}; "
                          "the earlier files there are untouched") from err


WRITERS: Registry[type[FrameWriter]] = Registry("output format")


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """Return (width, height) as Python ints, or raise UserError."""
    try:
        width, height = size
    except (TypeError, ValueError):
        raise UserError(f"size must be (width, height); got {size!r}") from None
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in (width, height)):
        raise UserError(f"size must be two positive integers (width, height); got {size!r}")
    return int(width), int(height)


def check_fps(fps: float) -> float:
    """Return fps if it is a finite number > 0, else raise UserError."""
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise UserError(f"fps must be a number > 0; got {fps!r}")
    if not (math.isfinite(fps) and fps > 0):
        raise UserError(f"fps must be > 0; got {fps}")
    return fps
