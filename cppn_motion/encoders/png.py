"""Still-image PNG writer (Pillow): the one frame written, with metadata as text chunks."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .base import WRITERS, FrameWriter

# The PNG spec limits a text chunk keyword to 1-79 Latin-1 characters.
MAX_PNG_KEYWORD = 79


@WRITERS.register("png")
class PngWriter(FrameWriter):
    """One RGB frame as PNG; metadata as tEXt chunks (iTXt when a value is not Latin-1)."""

    extension = "png"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._frame: np.ndarray | None = None

    @classmethod
    def check_metadata(cls, metadata: Mapping[str, str]) -> None:
        super().check_metadata(metadata)
        for key in metadata:
            if len(key) > MAX_PNG_KEYWORD or not _is_latin1(key) or key != key.strip():
                raise ValueError(
                    f"png metadata key {key!r}: must be 1-{MAX_PNG_KEYWORD} Latin-1 characters"
                    " without leading or trailing spaces"
                )

    def _write_batch(self, batch: np.ndarray) -> None:
        if self.frames_written + len(batch) > 1:
            raise ValueError(f"a png holds one frame; got {self.frames_written + len(batch)} for '{self.path}'")
        self._frame = batch[0].copy()  # the caller may reuse its buffer before close()

    def _finish(self, temp: Path) -> None:
        assert self._frame is not None
        info = PngInfo()
        for key, value in self.metadata.items():
            info.add_text(key, value)  # Pillow switches to iTXt for non-Latin-1 values
        # optimize would try every zlib filter strategy: slow for little gain on large renders.
        Image.fromarray(self._frame).save(temp, format="PNG", pnginfo=info, optimize=False)
        self._frame = None

    def _release(self) -> None:
        self._frame = None


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
