"""Looping GIF writer (Pillow): palette + dither by a measured method, exact total loop time,
optional downscaling, a size target and transparency for unchanged pixels."""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image

from cppn_motion.encoders.base import WRITERS, EncoderOptions, FrameWriter
from cppn_motion.encoders.gif_methods import GIF_METHODS, global_palette
from cppn_motion.encoders.provenance import GIF_FRAMES_KEY
from cppn_motion.errors import UserError

# GIF delays are whole centiseconds and browsers turn delays of 10 ms or less
# into 100 ms, so 50 fps (20 ms) is the fastest rate that plays as written.
MAX_GIF_FPS = 50

# Octree builds the palette ~40x faster than median cut (2 ms vs 90 ms at
# 480x270) and, once Floyd-Steinberg dithering is applied, matched or beat it
# on box-blurred PSNR for smooth gradients and busy CPPN-like frames alike.
PALETTE_METHOD = Image.Quantize.FASTOCTREE

# gif_max_bytes: colours are halved down to this before the frame size is reduced,
# since 64 dithered colours still look smooth but fewer start to show grain.
MIN_COLORS_BEFORE_SHRINKING = 64
# Each size step keeps this fraction of the width (area ~ 0.64x, roughly the bytes).
SHRINK_STEP = 0.8
MIN_WIDTH = 32


def gif_delays_cs(frame_count: int, fps: float) -> list[int]:
    """Per-frame delays in centiseconds whose running sum tracks i/fps exactly (to the nearest cs).

    delay_i = round(100*(i+1)/fps) - round(100*i/fps): 30 fps gives 3, 4, 3, 3, 4, 3, ...
    and 60 frames at 30 fps sum to exactly 200 cs.
    """
    def centiseconds_at(i: int) -> int:
        return math.floor(100 * i / fps + 0.5)  # round half up; Python's round() is half-even

    return [centiseconds_at(i + 1) - centiseconds_at(i) for i in range(frame_count)]


def frame_step(fps: float, max_fps: float | None) -> int:
    """Keep every n-th frame so that the GIF plays at most `max_fps` (1: keep all)."""
    return 1 if max_fps is None or fps <= max_fps else math.ceil(fps / max_fps - 1e-9)


def kept_delays_cs(frame_count: int, fps: float, step: int) -> list[int]:
    """Delays of frames 0, step, 2*step, ... of a clip: each kept frame lasts until the next one
    (or the loop's end) would have started, so the loop length stays exactly frame_count/fps."""
    return timed_delays_cs(range(0, frame_count, step), frame_count, fps, step)


def timed_delays_cs(positions: Sequence[int], length: int, fps: float, step: int) -> list[int]:
    """Delays of the kept frames at `positions` of a `length`-frame grid at `fps`: each lasts
    until the next kept position (p + step) or the loop's end. The same for a frame whether the
    GIF holds the whole loop or a part of it, so parts put together give the whole's timing."""
    def centiseconds_at(i: int) -> int:
        return math.floor(100 * i / fps + 0.5)  # as gif_delays_cs

    return [centiseconds_at(min(p + step, length)) - centiseconds_at(p) for p in positions]


@dataclass(frozen=True)
class GifTiming:
    """Where the frames a GIF writer receives sit in their loop: `positions` on a grid of the
    writer's fps holding `length` frames (the loop ends at length/fps). A GIF keeps the grid's
    positions 0, n, 2n, ... (output.gif_max_fps), counted from the loop's start, not the part's."""

    positions: tuple[int, ...]
    length: int

    @staticmethod
    def of(indices: Sequence[int], clip_frames: int) -> GifTiming:
        """The timing of a clip's frames `indices`: a run A, A+s, A+2s, ... (a range, a preview's
        every s-th frame) sits on the grid of every s-th frame of the clip from A mod s; other
        lists are timed as frames 0, 1, 2, ... of a loop as long as they are."""
        indices = list(indices)
        steps = {b - a for a, b in zip(indices, indices[1:])} or {1}
        if len(steps) > 1 or min(steps) < 1 or not indices or not 0 <= indices[0] <= indices[-1] < clip_frames:
            return GifTiming(tuple(range(len(indices))), len(indices))
        step = steps.pop()
        residue = indices[0] % step
        return GifTiming(tuple((i - residue) // step for i in indices), len(range(residue, clip_frames, step)))

    def kept(self, step: int) -> list[int]:
        """Which of the frames (by their order here) a GIF keeping every `step`-th position holds."""
        return [k for k, position in enumerate(self.positions) if position % step == 0]


def held_frames(indices: Sequence[int], clip_frames: int, fps: float,
                max_fps: float | None) -> tuple[list[int], GifTiming]:
    """The frames of `indices` (of a `clip_frames`-frame clip, written at `fps`) that a GIF playing
    at most `max_fps` holds, and where they sit in its loop (possibly none, for a short part)."""
    indices = list(indices)
    timing = GifTiming.of(indices, clip_frames)
    kept = timing.kept(frame_step(fps, max_fps))
    return [indices[k] for k in kept], GifTiming(tuple(timing.positions[k] for k in kept), timing.length)


def quantize_frame(frame: np.ndarray, colors: int, dither: bool) -> Image.Image:
    """An (H, W, 3) uint8 frame as a P-mode image with its own palette of at most `colors` colours.

    Pillow's quantize(colors) alone maps pixels to its palette without dithering;
    remapping against that palette with quantize(palette=...) is what dithers.
    """
    image = Image.fromarray(frame)
    palette = image.quantize(colors, method=PALETTE_METHOD)
    return image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE)


def downscale(frame: np.ndarray, width: int) -> np.ndarray:
    """Area-filter (box) downscale to `width`, keeping the aspect ratio."""
    height = max(1, round(frame.shape[0] * width / frame.shape[1]))
    return np.asarray(Image.fromarray(frame).resize((width, height), Image.Resampling.BOX))


@WRITERS.register("gif")
class GifWriter(FrameWriter):
    """Animated GIF that loops forever. Frames are palettised as they arrive (1 byte a pixel
    kept) unless the method needs a clip-wide palette or a size target may re-encode them:
    then the (already downscaled) RGB frames are kept until close."""

    extension = "gif"

    def __init__(self, *args: Any, timing: GifTiming | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._frames: list[Image.Image] = []
        self._rgb: list[np.ndarray] = []
        self.method = GIF_METHODS.get(self.options.gif_method)
        self._keep_rgb = self.method.global_palette or self.options.gif_max_bytes is not None
        # Every `_step`-th position of the loop's grid is kept (output.gif_max_fps). Without a
        # timing, the frames are the loop's 0, 1, 2, ... in the order they arrive; a renderer
        # that knows the timing renders only the kept frames and says where they sit.
        self._step = frame_step(self.fps, self.options.gif_max_fps)
        self._timing = timing
        self._received = 0
        self._positions: list[int] = []  # of the frames kept
        self.notes: list[str] = []  # what the writer changed to meet the limits, for the user

    @classmethod
    def check_settings(cls, *, fps: float, size: tuple[int, int], options: EncoderOptions) -> None:
        if fps / frame_step(fps, options.gif_max_fps) > MAX_GIF_FPS:
            raise UserError(
                f"gif fps must be <= {MAX_GIF_FPS} (browsers slow shorter frame delays down to 100 ms); got {fps}"
            )

    def _colors(self, requested: int) -> int:
        # Optimisation marks unchanged pixels with a transparent index, which needs a free palette slot.
        return min(requested, 255) if self.options.gif_optimize else requested

    def _write_batch(self, batch: np.ndarray) -> None:
        max_width = self.options.gif_max_width
        for frame in batch:
            position = self._position(self._received)
            self._received += 1
            if position % self._step:
                continue
            self._positions.append(position)
            if max_width is not None and frame.shape[1] > max_width:
                frame = downscale(frame, max_width)
            if self._keep_rgb:
                self._rgb.append(frame.copy())
            else:
                self._frames.append(self._quantize(frame, self.options.gif_colors, None))

    def _position(self, received: int) -> int:
        if self._timing is None:
            return received
        if received >= len(self._timing.positions):
            raise ValueError(f"gif writer for '{self.path}': its timing places {len(self._timing.positions)} "
                             "frames; got more")
        return self._timing.positions[received]

    def _loop_length(self) -> int:
        return self._received if self._timing is None else self._timing.length

    def _sidecar_metadata(self) -> dict[str, str]:
        if self._step == 1:
            return self.metadata
        held = (f"{len(self._positions)} frames at {self.fps / self._step:g} fps: one in every {self._step} "
                f"frames of the {self.fps:g} fps clip (output.gif_max_fps {self.options.gif_max_fps:g})")
        return {**self.metadata, GIF_FRAMES_KEY: held}

    def _quantize(self, frame: np.ndarray, colors: int, palette: Image.Image | None) -> Image.Image:
        if not self.options.gif_dither:  # the old switch: no dither at all
            return quantize_frame(frame, self._colors(colors), False)
        return self.method.quantize(frame, self._colors(colors), palette)

    def _encode(self, frames: list[np.ndarray], colors: int) -> list[Image.Image]:
        palette = global_palette(frames, self._colors(colors)) if self.method.global_palette else None
        return [self._quantize(frame, colors, palette) for frame in frames]

    def _finish(self, temp: Path) -> None:
        if self._keep_rgb:
            data = self._fit(self._rgb)
            temp.write_bytes(data)
        else:
            self._save(self._frames, temp)
        self._frames, self._rgb = [], []

    def _fit(self, frames: list[np.ndarray]) -> bytes:
        """Encode; with gif_max_bytes, halve colours then shrink frames until the file fits."""
        limit = self.options.gif_max_bytes
        colors = self.options.gif_colors
        width = frames[0].shape[1]
        current = frames
        while True:
            buffer = io.BytesIO()
            self._save(self._encode(current, colors), buffer)
            data = buffer.getvalue()
            if limit is None or len(data) <= limit:
                break
            if colors > MIN_COLORS_BEFORE_SHRINKING:
                colors = max(MIN_COLORS_BEFORE_SHRINKING, colors // 2)
            elif int(width * SHRINK_STEP) >= MIN_WIDTH:
                width = int(width * SHRINK_STEP)
                current = [downscale(frame, width) for frame in frames]
            else:
                self.notes.append(f"gif_max_bytes={limit}: could not fit; smallest was {len(data)} bytes "
                                  f"at {colors} colours, {width} px wide")
                return data
        if limit is not None and (colors != self.options.gif_colors or width != frames[0].shape[1]):
            self.notes.append(f"gif_max_bytes={limit}: reduced to {colors} colours and {width}x"
                              f"{current[0].shape[0]} px to fit ({len(data)} bytes)")
        return data

    def _save(self, images: list[Image.Image], target: Path | io.BytesIO) -> None:
        first, *rest = images
        extra = {"comment": gif_comment(self.metadata)} if self.metadata else {}
        first.save(
            target,
            format="GIF",
            save_all=True,
            append_images=rest,
            # Pillow merges a frame identical to the one before into it and adds
            # the delays, so the loop length stays exact even then.
            duration=[10 * cs for cs in timed_delays_cs(self._positions, self._loop_length(), self.fps, self._step)],
            loop=0,  # forever; without it Pillow writes no loop block and the GIF plays once
            # 1 = leave each frame in place: Pillow stores only the changed rectangle
            # of a frame, drawn over the previous one.
            disposal=1,
            # optimize turns pixels whose colour did not change into the transparent
            # index (the previous frame shows through), which LZW packs into runs.
            optimize=self.options.gif_optimize,
            **extra,
        )

    def _release(self) -> None:
        self._frames, self._rgb = [], []


def gif_comment(metadata: Mapping[str, str]) -> str:
    """Metadata as one JSON object: the GIF has a single comment, and values may span lines."""
    return json.dumps(metadata, ensure_ascii=False)
