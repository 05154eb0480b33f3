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
from .dull import FRAMES_CHECKED, DullnessCheck
from .errors import UserError
from .encoders import EncoderOptions, FrameWriter, check_writer, open_writer
from .encoders.levels import LEVELS
from .highbit import iter_frames_16bit
from .device import frames_per_batch
from .feed import host_batches, ring_batch, ring_for, use_device_yuv
from .host_copy import HostBatch
from .parallel_encoders import encode_in_segments, resolve_encoders
from .pipeline import QUEUE_DEPTH, should_overlap, usable_cores, write_all
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
           sidecar: bool = True, tile_rows: int | None = None, encoders: int | None = None,
           device_yuv: bool | None = None) -> Path:
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

    `encoders`: parallel segment encoders for an MP4 (None: auto, see parallel_encoders.py;
    one while `observe` is given, which needs the frames in order).
    `device_yuv`: convert MP4 frames to yuv420p on the render device (None: on for GPUs).
    """
    preset = _as_preset(preset)
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
                write_all(_observed(batches, check, observe), writer, overlap=should_overlap(scene.device.type))
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


def write_clip(scene: Scene, writer: FrameWriter, indices: Sequence[int] | None = None, *,
               batch_size: int | None = None, progress: Callable[[int], None] | None = None,
               observe: Callable[[np.ndarray], None] | None = None, device_yuv: bool | None = None,
               check: DullnessCheck | None = None) -> None:
    """Render the clip's frames (or those at `indices`) into an open 8-bit writer through the
    pipeline: yuv420p on the device where the writer takes it, pinned copies on CUDA, and a
    writer thread where there are cores to spare."""
    takes_yuv = getattr(writer, "takes_yuv420p", None)
    # Observers see every frame in RGB: then the frames stay RGB.
    yuv = observe is None and use_device_yuv(scene.device, bool(takes_yuv and takes_yuv(writer.options)), device_yuv)
    batches = host_batches(scene, indices, batch_size=batch_size, yuv=yuv, ring=ring_for(scene.device),
                           rgb_frames=FRAMES_CHECKED if check is not None else 0, progress=progress)
    write_all(_observed(batches, check or DullnessCheck(), observe), writer, overlap=should_overlap(scene.device.type))


def write_clip_segments(scene: Scene, path: Path, count: int, clip: Sequence[int] | None = None, *, fps: float,
                        options: EncoderOptions, metadata: dict[str, str], batch_size: int | None = None,
                        progress: Callable[[int], None] | None = None, device_yuv: bool | None = None,
                        check: DullnessCheck | None = None, sidecar: bool = False) -> None:
    """Render the clip's frames (or `clip`'s) into an MP4 at `path` with `count` parallel segment
    encoders joined by stream copy (parallel_encoders.py), through the same pipeline as write_clip."""
    from .encoders.mp4 import Mp4Writer
    from .segmented import fingerprint

    clip = list(range(scene.preset.timeline.frames)) if clip is None else list(clip)
    check = check or DullnessCheck()
    yuv = use_device_yuv(scene.device, Mp4Writer.takes_yuv420p(options), device_yuv)
    ring = ring_for(scene.device, held_by_consumer=count * (QUEUE_DEPTH + 1))
    if ring is None:
        batch = frames_per_batch(scene.device, *scene.render_size, scene.net.spec.out_channels, batch_size)
    else:  # the segments' batch size must be the one host_batches will render
        batch = ring_batch(scene, ring, yuv, batch_size)

    def render_order(order: list[int]) -> Iterator[HostBatch]:
        """Batches of the clip's positions `order`, labelled by position (what segments cover)."""
        batches = host_batches(scene, [clip[position] for position in order], batch_size=batch, yuv=yuv,
                               ring=ring, rgb_frames=FRAMES_CHECKED, progress=progress)
        return _by_position(_observed(batches, check, None), order)

    encode_in_segments(path, count, len(clip), fps=fps, size=scene.size, options=options, metadata=metadata,
                       fingerprint=fingerprint(scene.preset), render=render_order, batch=batch, sidecar=sidecar)


def _by_position(batches: Iterator[HostBatch], order: list[int]) -> Iterator[HostBatch]:
    """Relabel batches of clip frames with their positions in the clip, taken from `order` in turn."""
    cursor = 0
    for batch in batches:
        batch.indices = order[cursor:cursor + len(batch.indices)]
        cursor += len(batch.indices)
        yield batch


def _observed(batches: Iterator[np.ndarray | HostBatch], check: DullnessCheck,
              observe: Callable[[np.ndarray], None] | None) -> Iterator[np.ndarray | HostBatch]:
    """Pass batches through, letting the dull-output check and the caller's observer see each
    (in RGB: a yuv420p HostBatch carries RGB of the clip's first frames for the check)."""
    for batch in batches:
        frames = batch if isinstance(batch, np.ndarray) else batch.frames
        check.observe(frames)
        if observe is not None:
            observe(frames)
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
