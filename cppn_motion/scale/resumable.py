"""Rendering a clip in segments: one shard of a job array (--shard), a resumable render that
checkpoints segments and continues after an interruption (--resume), and a rank's share of a
torchrun job. Each segment goes through the atomic writers into its own file; joining is join.py's."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from cppn_motion.config.schema import Preset
from cppn_motion.encoders import OutputTarget
from cppn_motion.encoders.gif import held_frames
from cppn_motion.errors import UserError
from cppn_motion.rendering.dull import DullnessCheck
from cppn_motion.rendering.hooks import Notify
from cppn_motion.rendering.hooks import Progress as ProgressFn
from cppn_motion.rendering.output import RenderOutput, resolve_output
from cppn_motion.rendering.preflight import prepare_render, report_notes
from cppn_motion.rendering.scene import Scene, build_scene
from cppn_motion.rendering.write import write_clip
from cppn_motion.scale.plan import (
    DEFAULT_SEGMENTS,
    Segment,
    checkpoint_path,
    checkpoint_plan,
    fingerprint,
    shard_path,
    split_frames,
    work_folder,
)
from cppn_motion.scale.segment_files import (
    SegmentRecord,
    is_gif_segment,
    join_segments,
    open_segment_writer,
    segment_is_complete,
)


@dataclass
class SegmentedRender:
    """What a segmented render did: the file it produced and which segments it rendered or reused."""

    path: Path
    rendered: list[Segment] = field(default_factory=list)
    reused: list[Segment] = field(default_factory=list)


def check_segmentable(preset: Preset, output: Path, flag: str) -> None:
    """Segments are frame ranges of a clip that join by stream copy (MP4) or as frames (GIF)."""
    target = OutputTarget.at(output)
    if target.still:
        raise UserError(f"{flag}: a .png still is one frame and cannot be split into segments; "
                        f"use -o with .mp4 or .gif; got '{output}'")
    if not target.segmentable:
        raise UserError(f"{flag}: segments can be joined into .mp4 or .gif only; got '{output}'")


def render_segments(scene: Scene, output: RenderOutput, jobs: Sequence[tuple[Segment, Path]], *, resume: bool = False,
                    batch_size: int | None = None, progress: ProgressFn | None = None,
                    result: SegmentedRender | None = None, check: DullnessCheck | None = None) -> SegmentedRender:
    """Render each (segment, file) of `output` in turn. With `resume`, a file that already holds exactly
    that segment of this preset (checked: record and frame count) is kept, not rendered again.
    `check` sees every frame rendered (the dull-output advice a plain render gives)."""
    preset = scene.preset
    print_hash = fingerprint(preset)
    result = result if result is not None else SegmentedRender(Path())
    for segment, path in jobs:
        record = SegmentRecord.of(segment, print_hash)
        if resume and segment_is_complete(path, record):
            result.reused.append(segment)
            if progress is not None:
                progress(segment.frames)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        # As in a plain render: video is dithered, GIF frames (palettised later) are not.
        scene.dither = preset.output.dither and not is_gif_segment(path)
        # A GIF's segment renders only the frames the GIF keeps (counted from the clip's frame 0).
        held = (held_frames(segment.indices, segment.total, output.fps, output.options.gif_max_fps)[0]
                if is_gif_segment(path) else list(segment.indices))
        with open_segment_writer(path, record, output) as writer:
            if held:  # a short GIF segment may hold none: an empty file, still complete
                # The render command's pipeline: yuv420p on the GPU, pinned copies, a writer thread.
                write_clip(scene, writer, held, batch_size=batch_size, progress=progress, check=check)
        if progress is not None and len(held) < segment.frames:
            progress(segment.frames - len(held))  # progress counts the clip's frames covered
        result.rendered.append(segment)
    return result


def render_shard(preset: Preset, output: str | Path, index: int, count: int, *,
                 device: str | torch.device = "auto", batch_size: int | None = None,
                 progress: ProgressFn | None = None, resume: bool = False,
                 notify: Notify | None = None) -> SegmentedRender:
    """Render shard `index` of `count` (counting from 0) to out.part-IIII-of-NNNN.<ext>, for
    `cppn-motion join` to put together. With `resume`, a complete shard file is kept.
    The same checks and advice as a plain render (preflight.py); the GIF limits' notes come at the join."""
    output = Path(output)
    check_segmentable(preset, output, "--shard")
    segments = split_frames(preset.timeline.frames, count)
    if index >= len(segments):
        raise UserError(f"--shard {index}/{count}: the clip has only {preset.timeline.frames} frames, "
                        f"so there are only {len(segments)} non-empty shards; use at most {preset.timeline.frames} shards")
    segment = segments[index]
    path = shard_path(output, index, len(segments))
    device = prepare_render(preset, output, device, frames_kept=segment.frames).device
    scene = build_scene(preset, device)
    if progress is not None:
        progress(0)
    check = DullnessCheck()
    result = render_segments(scene, resolve_output(preset, output), [(segment, path)], resume=resume, batch_size=batch_size, progress=progress,
                             result=SegmentedRender(path), check=check)
    report_notes(preset, notify, check)
    return result


def checkpoint_jobs(preset: Preset, output: Path, segments: int = DEFAULT_SEGMENTS,
                    world_size: int = 1) -> list[tuple[Segment, Path]]:
    """Every checkpoint segment of a resumable render and the file it goes to."""
    plan = checkpoint_plan(preset.timeline.frames, segments, world_size)
    return [(segment, checkpoint_path(output, segment)) for segment in plan]


def render_resumable(preset: Preset, output: str | Path, *, segments: int = DEFAULT_SEGMENTS,
                     device: str | torch.device = "auto", batch_size: int | None = None,
                     progress: ProgressFn | None = None, notify: Notify | None = None) -> SegmentedRender:
    """Render in checkpoint segments kept in a hidden folder beside the output (.out.mp4.parts/),
    skipping segments a previous, interrupted run completed; join them and remove the folder.

    The output depends only on the preset and `segments`: an interrupted and resumed
    render is byte-identical to an uninterrupted one (and to a torchrun render of it).
    It is not byte-identical to a plain render: each segment starts a fresh H.264 stream
    (its own keyframe and rate control), so frames agree within codec tolerance only.
    """
    output = Path(output)
    check_segmentable(preset, output, "--resume")
    device = prepare_render(preset, output, device).device  # the checks a plain render runs
    jobs = checkpoint_jobs(preset, output, segments)
    result = SegmentedRender(output)
    print_hash = fingerprint(preset)
    pending = [(segment, path) for segment, path in jobs
               if not segment_is_complete(path, SegmentRecord.of(segment, print_hash))]
    for segment, _path in jobs:
        if all(segment != other for other, _ in pending):
            result.reused.append(segment)
    scene = build_scene(preset, device) if pending else None
    if progress is not None:
        progress(0)  # validated and built: rendering starts now
        progress(sum(segment.frames for segment in result.reused))
    check = DullnessCheck()
    if scene is not None:
        render_segments(scene, resolve_output(preset, output), pending, batch_size=batch_size, progress=progress, result=result, check=check)
    finish_join([path for _, path in jobs], output, notify)
    report_notes(preset, notify, check)
    return result


def finish_join(paths: Sequence[Path], output: Path, notify: Notify | None = None) -> None:
    """Join the checkpoint segments into `output`, then remove the work folder."""
    join_segments(paths, output, notify=notify)
    shutil.rmtree(work_folder(output), ignore_errors=True)
