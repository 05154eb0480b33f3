"""The variations grid's pictures: each candidate rendered by the real renderer as a small still
(the frame `cppn-motion still PRESET --size WxH` writes, W x H within 192 x 108), in a background
thread, one round at a time, served as PNG. Server-side stills rather than nine live shaders:
browsers cap live WebGL contexts, and a software renderer (SwiftShader) would take minutes to
draw nine animated views; a 192 x 108 still of an 8 x 32 net is ~0.3 GFLOP on the CPU."""
from __future__ import annotations

import io
import threading
from typing import Any, Callable, Iterable

import numpy as np
from PIL import Image

from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.live.variations import COUNT, Candidate, looks_alike, looks_dull
from cppn_motion.rendering.scene import build_scene
from cppn_motion.rendering.tiles import render_tiled

BOX = (192, 108)    # the largest thumbnail: a 16:9 preset fills it; the grid is 3 x 3 of these
TIME = 0.0          # the moment shown: `still`'s default, so `still --size WxH` makes the same picture


def thumbnail_size(preset: Preset, box: tuple[int, int] = BOX) -> tuple[int, int]:
    """The preset's aspect ratio fitted into `box` (even sides, as a video of it would need)."""
    aspect = preset.canvas.width / preset.canvas.height
    width, height = box
    if width / height > aspect:
        width = round(height * aspect)
    else:
        height = round(width / aspect)
    return max(2, width - width % 2), max(2, height - height % 2)


def thumbnail_preset(preset: Preset) -> Preset:
    """The preset at thumbnail size, as `--size WxH` would set it (the picture does not depend on
    the size: a per-pixel net is resolution independent and its calibration depends on the aspect)."""
    width, height = thumbnail_size(preset)
    return preset.with_overrides({"canvas.width": width, "canvas.height": height})


def render_thumbnail(preset: Preset, device: str = "auto") -> np.ndarray:
    """What `still` writes for the thumbnail-sized preset: 8 bits, no dither (as api.render's PNG)."""
    return render_tiled(build_scene(thumbnail_preset(preset), device), TIME)


def png_bytes(frame: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


class Gallery:
    """One round of the grid, painted in a daemon thread: the current picture first (to judge
    against), then proposals in order, keeping the first `count` that look new (variations.py's
    judges). A new round replaces the old one; the old round's thread stops at its next picture."""

    def __init__(self, render: Callable[[Preset], np.ndarray] = render_thumbnail, count: int = COUNT) -> None:
        self._render = render
        self.count = count
        self._lock = threading.Lock()
        self.round = 0
        self.base = ""      # the YAML of the preset the round mutates (adopting needs it unchanged)
        self._kept: list[tuple[Candidate, Preset, bytes]] = []
        self._current_picture: bytes | None = None  # the preset the round mutates, for comparison
        self._skipped = 0
        self._done = True
        self._error: str | None = None

    def show(self, round_number: int, base: Preset, proposed: Iterable[tuple[Candidate, Preset]]) -> None:
        with self._lock:
            self.round, self.base = round_number, preset_to_yaml(base)
            self._kept, self._skipped, self._done, self._error = [], 0, False, None
            self._current_picture = None
        threading.Thread(target=self._paint, args=(round_number, base, proposed), name="cppn-motion-live-variations",
                         daemon=True).start()

    def _current(self, round_number: int) -> bool:
        with self._lock:
            return self.round == round_number

    def _paint(self, round_number: int, base: Preset, proposed: Iterable[tuple[Candidate, Preset]]) -> None:
        error = None
        try:
            shown = [self._render(base)]
            with self._lock:
                if self.round == round_number:
                    self._current_picture = png_bytes(shown[0])
            for candidate, preset in proposed:
                if not self._current(round_number) or len(shown) > self.count:
                    break
                frame = self._render(preset)
                if looks_dull(frame) or any(looks_alike(frame, other) for other in shown):
                    with self._lock:
                        self._skipped += 1
                    continue
                shown.append(frame)
                picture = png_bytes(frame)
                with self._lock:
                    if self.round == round_number:
                        self._kept.append((candidate, preset, picture))
        except Exception as exc:  # shown on the page, as the CLI would print it
            error = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            if self.round == round_number:
                self._done, self._error = True, error

    def status(self) -> dict[str, Any]:
        """For /version: the round, the candidates painted so far (label and edits, in grid order),
        whether the round is complete, how many proposals looked too alike or dull (flat or static), and an error."""
        with self._lock:
            return {"round": self.round, "count": self.count, "done": self._done, "skipped": self._skipped,
                    "error": self._error, "current": self._current_picture is not None,
                    "candidates": [{"label": candidate.label, "changes": candidate.changes}
                                   for candidate, _, _ in self._kept]}

    def candidate(self, round_number: Any, index: Any) -> tuple[Candidate, Preset]:
        """The candidate at (round, index), or a one-line UserError naming what is wrong."""
        with self._lock:
            _check_choice(round_number, index, self.round, len(self._kept))
            candidate, preset, _ = self._kept[index]
            return candidate, preset

    def picture(self, round_number: int, index: int | None) -> bytes | None:
        """The PNG of that cell (index None: the current preset's); None when it is not (or no
        longer, or not yet) there."""
        with self._lock:
            if round_number != self.round:
                return None
            if index is None:
                return self._current_picture
            return self._kept[index][2] if 0 <= index < len(self._kept) else None


def _check_choice(round_number: Any, index: Any, current: int, count: int) -> None:
    if current == 0 or count == 0:
        raise UserError("adopt: no variations yet; press 'variations' first")
    if not isinstance(round_number, int) or isinstance(round_number, bool) or round_number != current:
        raise UserError(f"adopt: round: expected the round on show ({current}); got {round_number!r} "
                        "(press 'variations' again)")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < count:
        raise UserError(f"adopt: index: expected a whole number 0-{count - 1} (one of the {count} variations "
                        f"shown); got {index!r}")
