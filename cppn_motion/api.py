"""The Python API: the same things the CLI does, in a few calls from a notebook.

    import cppn_motion as cm
    preset = cm.load_preset("default", {"net.depth": 12})
    cm.render(preset, "outputs/deep.mp4")
    frames = cm.render_array(preset.with_overrides({"canvas.width": 320, "canvas.height": 180}))
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from cppn_motion.config.presets import load_preset
from cppn_motion.config.schema import Preset
from cppn_motion.encoders import GifTiming
from cppn_motion.errors import UserError
from cppn_motion.rendering.dull import DullnessCheck
from cppn_motion.rendering.highbit import iter_frames_16bit
from cppn_motion.rendering.hooks import Hooks, Progress
from cppn_motion.rendering.output import RenderOutput, resolve_output
from cppn_motion.rendering.pipeline import should_overlap, usable_cores, write_all
from cppn_motion.rendering.preflight import prepare_render, report_notes
from cppn_motion.rendering.scene import Scene, build_scene, iter_frames
from cppn_motion.rendering.tiles import render_tiled
from cppn_motion.rendering.tuning import Tuning
from cppn_motion.rendering.write import observed, write_clip
from cppn_motion.scale.parallel_encode import resolve_encoders, write_clip_segments

PresetLike = Preset | str | Path


def _as_preset(preset: PresetLike, overrides: dict[str, Any] | None = None) -> Preset:
    if isinstance(preset, Preset) and not overrides:
        return preset
    return load_preset(preset, overrides)


def render(preset: PresetLike, output: str | Path | None = None, *, device: str | torch.device = "auto",
           hooks: Hooks | None = None, time: float = 0.0, indices: Sequence[int] | None = None,
           fps: float | None = None, sidecar: bool = True, tuning: Tuning | None = None) -> Path:
    """Render a clip (or, for a .png path, the still at phase `time`) to a file; returns its path.

    `hooks` (rendering/hooks.py): `progress(n)` is called with 0 once everything is validated and
    built, then with each batch's frame count as that batch finishes (a running total is the caller's); `observe(batch)` sees every
    batch written (e.g. a motion meter); `notify(message)` receives advice (a dull-looking render,
    limits the GIF writer had to apply; default: warnings). `indices` renders only those
    frames of the clip (each exactly as in the full render), written at `fps` (default
    the preset's). A GIF renders only the frames it keeps (one in every n, counted from the
    clip's first frame, to play at most output.gif_max_fps), each lasting as in the whole loop.
    `tuning` (rendering/tuning.py): batch size, a still's band height, parallel MP4 encoders
    (one while `observe` is given, which needs the frames in order) and yuv420p on the device;
    they change speed and memory, never a frame.

    The file appears only when complete: it is written to a temporary name and
    renamed into place, so an interrupted render leaves any earlier file intact.
    A sidecar `<file>.yaml` records the resolved preset (see encoders/provenance.py); it is
    renamed into place in the same step as the file, so the two always describe one render.
    """
    preset = _as_preset(preset)
    hooks, tuning = hooks or Hooks(), tuning or Tuning()
    if indices is not None and len(indices) == 0:
        raise UserError("indices: expected at least one frame of the clip to render; got none")
    out = resolve_output(preset, output, time=time, indices=indices, fps=fps)
    # A GIF renders only the frames it keeps (output.gif_max_fps), each timed as in the whole loop.
    clip, gif_timing = out.frames_held(range(preset.timeline.frames) if indices is None else indices)
    device = prepare_render(preset, out.target, device).device  # refuse what cannot fit, before any file or compute
    check = DullnessCheck()
    encoders = _encoders(out, tuning, hooks, len(clip), device)
    if encoders > 1:
        out.check()  # even sizes etc. before any compute; the segment writers open later
        scene = _built(preset, out, device, hooks.progress)
        write_clip_segments(scene, out, encoders, clip, tuning=tuning, progress=hooks.progress, check=check,
                            sidecar=sidecar)
        notes: list[str] = []
    else:
        notes = _write_serially(preset, out, device, clip, gif_timing, time, hooks, tuning, check, sidecar)
    report_notes(preset, hooks.notify, check, notes)
    return out.path


def _encoders(out: RenderOutput, tuning: Tuning, hooks: Hooks, frames: int, device: torch.device) -> int:
    """Parallel MP4 encoders for this render (an observer, a motion meter, needs frames in order: one)."""
    if out.target.still or hooks.observe is not None:
        return 1
    return resolve_encoders(tuning.encoders, kind=out.target.kind, frames=frames, device_type=device.type,
                            cores=usable_cores())


def _write_serially(preset: Preset, out: RenderOutput, device: torch.device, clip: list[int],
                    gif_timing: GifTiming | None, time: float, hooks: Hooks, tuning: Tuning, check: DullnessCheck,
                    sidecar: bool) -> list[str]:
    """One writer, opened (so validated: even sizes, GIF fps, ...) before any compute. A sequence's
    files are numbered by frame index in the clip, so two ranges of one clip fit in one folder.
    Returns the writer's notes (limits a GIF writer applied)."""
    # The sidecar commits with the output.
    writer = out.open(frame_numbers=clip, gif_timing=gif_timing, sidecar=sidecar)
    sixteen = preset.output.bit_depth == 16 and out.target.keeps_16_bit
    with writer:
        scene = _built(preset, out, device, hooks.progress)
        if out.target.still:
            frame = render_tiled(scene, time, tuning.tile_rows, bit_depth=16 if sixteen else 8, dither=scene.dither)
            check.observe(frame)
            writer.write(frame)
            if hooks.progress is not None:
                hooks.progress(1)
        elif sixteen:
            batches = iter_frames_16bit(scene, clip, batch_size=tuning.batch_size, progress=hooks.progress)
            write_all(observed(batches, check, hooks.observe), writer, overlap=should_overlap(scene.device.type))
        else:
            write_clip(scene, writer, clip, batch_size=tuning.batch_size, progress=hooks.progress,
                       observe=hooks.observe, device_yuv=tuning.device_yuv, check=check)
    return list(getattr(writer, "notes", []))


def _built(preset: Preset, out: RenderOutput, device: torch.device, progress: Progress | None) -> Scene:
    scene = build_scene(preset, device)
    # Video only: GIFs dither against their own palette (noise before that only costs bytes),
    # and PNGs are for editing, where exact, mirror-symmetric values matter more than banding.
    scene.dither = preset.output.dither and out.target.video
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
