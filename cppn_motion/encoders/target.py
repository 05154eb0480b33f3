"""Where frames go, worked out once from the output path.

Every layer used to ask the path's suffix its own questions (is this a still? a video that wants
dither? a format that keeps 16 bits?); an OutputTarget answers them once, when the path comes in,
and is handed down from there."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cppn_motion.encoders.base import WRITERS
from cppn_motion.encoders.provenance import SEQUENCE_PATTERN
from cppn_motion.errors import UserError

# Formats whose clips join from segments: MP4 by stream copy, GIF as frames (scale/).
SEGMENTABLE = ("mp4", "gif")


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


@dataclass(frozen=True)
class OutputTarget:
    """An output path and its format ('mp4', 'webm', 'gif', 'png' or 'png_sequence')."""

    path: Path
    kind: str

    @classmethod
    def at(cls, path: Path | str) -> OutputTarget:
        """The target for `path`; an unsupported extension is a one-line UserError."""
        return cls(Path(path), writer_for(path))

    @property
    def still(self) -> bool:
        """One frame in one .png file."""
        return self.kind == "png"

    @property
    def sequence(self) -> bool:
        """One .png file per frame, named by a frame-number pattern."""
        return self.kind == "png_sequence"

    @property
    def video(self) -> bool:
        """An MP4 or WebM: 8-bit video that bands without dither (GIFs dither against their own
        palette, and PNGs are for editing, where exact values matter more than banding)."""
        return self.kind in ("mp4", "webm")

    @property
    def keeps_16_bit(self) -> bool:
        """PNG stills and sequences can hold output.bit_depth 16."""
        return self.kind in ("png", "png_sequence")

    @property
    def segmentable(self) -> bool:
        return self.kind in SEGMENTABLE

    def frames(self, clip_frames: int) -> int:
        """Frames this target holds for a clip of `clip_frames` (a still holds one)."""
        return 1 if self.still else clip_frames
