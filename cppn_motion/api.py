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

from cppn_motion.config.presets import load_preset
from cppn_motion.config.schema import Preset
from cppn_motion.encoders import check_writer, open_writer
from cppn_motion.encoders.provenance import write_sidecar
from cppn_motion.errors import UserError
from cppn_motion.rendering.dull import DullnessCheck
from cppn_motion.rendering.highbit import iter_frames_16bit
from cppn_motion.rendering.hooks import Hooks
from cppn_motion.rendering.output import default_output_path, encoder_options, metadata_for
from cppn_motion.rendering.pipeline import should_overlap, usable_cores, write_all
from cppn_motion.rendering.preflight import prepare_render, report_notes
from cppn_motion.rendering.scene import Scene, build_scene, iter_frames
from cppn_motion.rendering.tiles import render_tiled
from cppn_motion.rendering.write import observed, write_clip
from cppn_motion.scale.parallel_encode import resolve_encoders, write_clip_segments

PresetLike = Preset | str | Path


def _as_preset(preset: PresetLike, overrides: dict[str, Any] | None = None) -> Preset:
    if isinstance(preset, Preset) and not overrides:
        return preset
    return load_preset(preset, overrides)


def render(preset: PresetLike, output: str | Path | None = None, *, device: str | torch.device = "auto",
           hooks: Hooks | None = None, batch_size: int | None = None,
           time: float = 0.0, indices: Sequence[int] | None = None, fps: float | None = None,
           sidecar: bool = True, tile_rows: int | None = None, encoders: int | None = None,
           device_yuv: bool | None = None) -> Path:
    """Render a clip (or, for a .png path, the still at phase `time`) to a file; returns its path.

    `hooks` (rendering/hooks.py): `progress(n)` is called with 0 once everything is validated and
    built, then with the number of frames finished after each batch; `observe(batch)` sees every
    batch written (e.g. a motion meter); `notify(message)` receives advice (a dull-looking render,
    limits the GIF writer had to apply; default: warnings). `indices` renders only those
    frames of the clip (each exactly as in the full render), written at `fps` (default
    the preset's).

    The file appears only when complete: it is written to a temporary name and
    renamed into place, so an interrupted render leaves any earlier file intact.
    Then a sidecar `<file>.yaml` records the resolved preset (see encoders/provenance.py).
    Stills are rendered in bands of `tile_rows` rows (default: sized from the frame).

    `encoders`: parallel segment encoders for an MP4 (None: auto, see scale/parallel_encode.py;
    one while `observe` is given, which needs the frames in order).
    `device_yuv`: convert MP4 frames to yuv420p on the render device (None: on for GPUs).
    """
    preset = _as_preset(preset)
    hooks = hooks or Hooks()
    progress, notify, observe = hooks.progress, hooks.notify, hooks.observe
    if indices is not None and len(indices) == 0:
        raise UserError("indices: expected at least one frame of the clip to render; got none")
    path = Path(output) if output is not None else default_output_path(preset)
    prepared = prepare_render(preset, path, device)  # refuse what cannot fit, before any file or compute
    kind, device = prepared.kind, prepared.device
    canvas = preset.canvas
    fps = preset.timeline.fps if fps is None else fps
    still = kind == "png"
    sequence = kind == "png_sequence"
    metadata = metadata_for(preset, time if still else None, None if still else indices,
                            path.name if sequence else None)
    options = encoder_options(preset)
    size = (canvas.width, canvas.height)
    clip = list(range(preset.timeline.frames)) if indices is None else list(indices)
    count = 1
    if not still:
        count = resolve_encoders(encoders, kind=kind, frames=len(clip), device_type=device.type,
                                 cores=usable_cores())
        if observe is not None:  # an observer (motion meter) needs the frames in order
            count = 1
    # Video only: GIFs dither against their own palette (noise before that only costs bytes),
    # and PNGs are for editing, where exact, mirror-symmetric values matter more than banding.
    dither = preset.output.dither and kind in ("mp4", "webm")
    sixteen = preset.output.bit_depth == 16 and kind in ("png", "png_sequence")
    check = DullnessCheck()
    notes: list[str] = []
    if count > 1:
        # Validate the destination (even sizes, ...) before any compute; the segment writers open later.
        check_writer(path, fps=fps, size=size, options=options, metadata=metadata)
        scene = _built(preset, device, dither, progress)
        write_clip_segments(scene, path, count, clip, fps=fps, options=options, metadata=metadata,
                            batch_size=batch_size, progress=progress, device_yuv=device_yuv, check=check)
    else:
        # Validate the destination (even sizes, GIF fps, ...) before any compute. A sequence's files
        # are numbered by frame index in the clip, so two ranges of one clip fit in one folder.
        numbers = {"frame_numbers": clip} if sequence else {}
        writer = open_writer(path, fps=fps, size=size, options=options, metadata=metadata, **numbers)
        with writer:
            scene = _built(preset, device, dither, progress)
            if still:
                frame = render_tiled(scene, time, tile_rows, bit_depth=16 if sixteen else 8, dither=dither)
                check.observe(frame)
                writer.write(frame)
                if progress is not None:
                    progress(1)
            elif sixteen:
                batches = iter_frames_16bit(scene, indices, batch_size=batch_size, progress=progress)
                write_all(observed(batches, check, observe), writer, overlap=should_overlap(scene.device.type))
            else:
                write_clip(scene, writer, indices, batch_size=batch_size, progress=progress, observe=observe,
                           device_yuv=device_yuv, check=check)
        notes = list(getattr(writer, "notes", []))
    report_notes(preset, notify, check, notes)
    if sidecar:
        write_sidecar(path, metadata)
    return path


def _built(preset: Preset, device: torch.device, dither: bool, progress: Callable[[int], None] | None) -> Scene:
    scene = build_scene(preset, device)
    scene.dither = dither
    if progress is not None:
        progress(0)  # everything validated and built: rendering starts now
    return scene


def render_frames(preset: PresetLike, *, device: str | torch.device = "auto",
                  batch_size: int | None = None, indices: Sequence[int] | None = None) -> Iterator[np.ndarray]:
    """Yield the clip's frames (or those at `indices`) one at a time as (H, W, 3) uint8 arrays,
    without holding the clip."""
    scene = build_scene(_as_preset(preset), device, in_memory=True)
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
    scene: Scene = build_scene(_as_preset(preset), device, in_memory=True)
    return render_tiled(scene, time, tile_rows, bit_depth=bit_depth, dither=dither)
