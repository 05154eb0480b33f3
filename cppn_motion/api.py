"""The Python API: the same things the CLI does, in a few calls from a notebook.

    import cppn_motion as cm
    preset = cm.load_preset("default", {"net.depth": 12})
    cm.render(preset, "outputs/deep.mp4")
    frames = cm.render_array(preset.with_overrides({"canvas.width": 320, "canvas.height": 180}))
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch

from . import __version__
from .config import Preset
from .dull import DullnessCheck
from .encoders import EncoderOptions, open_writer
from .encoders.levels import LEVELS
from .highbit import iter_frames_16bit
from .pipeline import should_overlap, write_all
from .preflight import prepare_render, report_notes
from .presets import load_preset, preset_to_yaml
from .provenance import (COMMAND_KEY, FRAMES_KEY, PRESET_KEY, SEQUENCE_KEY, TIME_KEY, VERSION_KEY, format_frames,
                         write_sidecar)
from .render import Scene, build_scene, iter_frames
from .tiles import render_tiled

Notify = Callable[[str], None]

PresetLike = Preset | str | Path


def _as_preset(preset: PresetLike, overrides: dict[str, Any] | None = None) -> Preset:
    if isinstance(preset, Preset) and not overrides:
        return preset
    return load_preset(preset, overrides)


def default_output_path(preset: Preset, extension: str | None = None) -> Path:
    """Where a render goes when no path is given: output.path, else outputs/<name>.<format>."""
    if extension is None and preset.output.path:
        return Path(preset.output.path)
    return Path("outputs") / f"{preset.name}.{extension or preset.output.format}"


def metadata_for(preset: Preset, time: float | None = None, indices: Sequence[int] | None = None,
                 sequence: str | None = None, command: str | None = None) -> dict[str, str]:
    """What every output records about how it was made, enough for `render --from` to make it
    again: `time` a still's loop phase, `indices` the clip's frames it holds (when not all),
    `sequence` a PNG sequence's frame pattern; `command` the command and flags (after the
    preset) that made it when not render or still, e.g. 'grow --mode depth --hold 6'."""
    metadata = {VERSION_KEY: f"cppn_motion {__version__}", PRESET_KEY: preset_to_yaml(preset)}
    if time is not None:
        metadata[TIME_KEY] = repr(float(time))  # repr: the exact float comes back
    frames = None if indices is None else format_frames(indices, preset.timeline.frames)
    if frames is not None:
        metadata[FRAMES_KEY] = frames
    if sequence is not None:
        metadata[SEQUENCE_KEY] = sequence
    if command is not None:
        metadata[COMMAND_KEY] = command
    return metadata


def encoder_options(preset: Preset) -> EncoderOptions:
    out = preset.output
    crf, x264_preset, pix_fmt = LEVELS[out.quality] if out.quality in LEVELS else (out.crf, out.x264_preset, out.pix_fmt)
    return EncoderOptions(crf=crf, x264_preset=x264_preset, pix_fmt=pix_fmt, gif_colors=out.gif_colors,
                          gif_method=out.gif_method, gif_max_width=out.gif_max_width,
                          gif_max_bytes=out.gif_max_bytes, gif_optimize=out.gif_optimize, bit_depth=out.bit_depth)


def render(preset: PresetLike, output: str | Path | None = None, *, device: str | torch.device = "auto",
           batch_size: int | None = None, progress: Callable[[int], None] | None = None,
           time: float = 0.0, indices: Sequence[int] | None = None, fps: float | None = None,
           observe: Callable[[np.ndarray], None] | None = None, notify: Notify | None = None,
           sidecar: bool = True, tile_rows: int | None = None) -> Path:
    """Render a clip (or, for a .png path, the still at phase `time`) to a file; returns its path.

    `progress(n)` is called with 0 once everything is validated and built, then
    with the number of frames finished after each batch. `indices` renders only those
    frames of the clip (each exactly as in the full render), written at `fps` (default
    the preset's); `observe(batch)` sees every batch written (e.g. a motion meter).
    `notify(message)` receives advice (a dull-looking render, limits the GIF writer
    had to apply); default: warnings.

    The file appears only when complete: it is written to a temporary name and
    renamed into place, so an interrupted render leaves any earlier file intact.
    Then a sidecar `<file>.yaml` records the resolved preset (see provenance.py).
    Stills are rendered in bands of `tile_rows` rows (default: sized from the frame).
    """
    preset = _as_preset(preset)
    path = Path(output) if output is not None else default_output_path(preset)
    prepared = prepare_render(preset, path, device)  # refuse what cannot fit, before any file or compute
    kind, device = prepared.kind, prepared.device
    canvas = preset.canvas
    fps = preset.timeline.fps if fps is None else fps
    still = kind == "png"
    sequence = kind == "png_sequence"
    metadata = metadata_for(preset, time if still else None, None if still else indices,
                            path.name if sequence else None)
    # Validate the destination (even sizes, GIF fps, ...) before any compute. A sequence's files
    # are numbered by frame index in the clip, so two ranges of one clip fit in one folder.
    numbers = {"frame_numbers": list(range(preset.timeline.frames)) if indices is None else list(indices)}
    writer = open_writer(path, fps=fps, size=(canvas.width, canvas.height),
                         options=encoder_options(preset), metadata=metadata, **(numbers if sequence else {}))
    # Video only: GIFs dither against their own palette (noise before that only costs bytes),
    # and PNGs are for editing, where exact, mirror-symmetric values matter more than banding.
    dither = preset.output.dither and kind in ("mp4", "webm")
    sixteen = preset.output.bit_depth == 16 and kind in ("png", "png_sequence")
    check = DullnessCheck()
    with writer:
        scene = build_scene(preset, device)
        scene.dither = dither
        if progress is not None:
            progress(0)  # everything validated and built: rendering starts now
        if still:
            frame = render_tiled(scene, time, tile_rows, bit_depth=16 if sixteen else 8, dither=dither)
            check.observe(frame)
            writer.write(frame)
            if progress is not None:
                progress(1)
        else:
            batches = (iter_frames_16bit if sixteen else iter_frames)(scene, indices, batch_size=batch_size,
                                                                      progress=progress)
            write_all(_observed(batches, check, observe), writer, overlap=should_overlap(scene.device.type))
    report_notes(preset, notify, check, getattr(writer, "notes", []))
    if sidecar:
        write_sidecar(path, metadata)
    return path


def _observed(batches: Iterator[np.ndarray], check: DullnessCheck,
              observe: Callable[[np.ndarray], None] | None) -> Iterator[np.ndarray]:
    """Pass batches through, letting the dull-output check and the caller's observer see each."""
    for batch in batches:
        check.observe(batch)
        if observe is not None:
            observe(batch)
        yield batch


def render_frames(preset: PresetLike, *, device: str | torch.device = "auto",
                  batch_size: int | None = None, indices: Sequence[int] | None = None) -> Iterator[np.ndarray]:
    """Yield the clip's frames (or those at `indices`) one at a time as (H, W, 3) uint8 arrays,
    without holding the clip."""
    scene = build_scene(_as_preset(preset), device)
    for batch in iter_frames(scene, indices, batch_size=batch_size):
        yield from batch


def render_array(preset: PresetLike, *, device: str | torch.device = "auto",
                 batch_size: int | None = None, indices: Sequence[int] | None = None) -> np.ndarray:
    """The whole clip (or the frames at `indices`) as one (N, H, W, 3) uint8 array (mind the memory)."""
    return np.stack(list(render_frames(preset, device=device, batch_size=batch_size, indices=indices)))


def render_still(preset: PresetLike, time: float = 0.0, *, device: str | torch.device = "auto",
                 tile_rows: int | None = None, bit_depth: int = 8, dither: bool = False) -> np.ndarray:
    """The frame at loop phase `time` (0-1) as an (H, W, 3) uint8 array (uint16 for bit_depth 16).

    Rendered in bands of `tile_rows` rows (default: sized so any poster fits in memory).
    """
    scene: Scene = build_scene(_as_preset(preset), device)
    return render_tiled(scene, time, tile_rows, bit_depth=bit_depth, dither=dither)
