"""What an output file records and how it is encoded, worked out from the preset once:
the default path, the provenance metadata, the encoder options, and the RenderOutput that
bundles them with the target for every writer below."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cppn_motion._version import __version__
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.schema import Preset
from cppn_motion.encoders import EncoderOptions, FrameWriter, GifTiming, OutputTarget, check_writer, open_writer
from cppn_motion.encoders.gif import frame_step, held_frames
from cppn_motion.encoders.levels import LEVELS
from cppn_motion.encoders.provenance import (
    COMMAND_KEY,
    FRAMES_KEY,
    PRESET_KEY,
    SEQUENCE_KEY,
    TIME_KEY,
    VERSION_KEY,
    format_frames,
)
from cppn_motion.errors import UserError


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
                          gif_max_bytes=out.gif_max_bytes, gif_max_fps=out.gif_max_fps,
                          gif_optimize=out.gif_optimize, bit_depth=out.bit_depth)


@dataclass(frozen=True)
class RenderOutput:
    """One output, resolved once: the target (path and format), its frame rate and size, the
    encoder options and the provenance metadata it records. Writers are opened from it."""

    target: OutputTarget
    fps: float
    size: tuple[int, int]
    options: EncoderOptions
    metadata: dict[str, str]
    clip_frames: int | None = None  # the whole clip's frame count: a GIF part is timed within it

    @property
    def path(self) -> Path:
        return self.target.path

    def check(self) -> None:
        """Every check opening the writer runs (even sizes, GIF fps, ...), without creating anything."""
        check_writer(self.path, fps=self.fps, size=self.size, options=self.options, metadata=self.metadata)

    def frames_held(self, clip: Sequence[int]) -> tuple[list[int], GifTiming | None]:
        """The frames of `clip` this output holds, the only ones to render, and for a GIF where they
        sit in its loop: a GIF keeps one frame in every n of the loop (output.gif_max_fps), counted
        from the clip's first frame, so a part holds exactly the whole GIF's frames in its range.
        Other formats hold every frame. UserError for a part that holds none."""
        clip = list(clip)
        if self.target.kind != "gif":
            return clip, None
        total = self.clip_frames if self.clip_frames is not None else len(clip)
        held, timing = held_frames(clip, total, self.fps, self.options.gif_max_fps)
        if not held:
            raise UserError(f"frames {format_frames(clip, -1)}: a GIF keeps one frame in every "
                            f"{frame_step(self.fps, self.options.gif_max_fps)} of the {self.fps:g} fps clip "
                            f"(output.gif_max_fps {self.options.gif_max_fps:g}) and these hold none of them; "
                            "choose a longer range or --set output.gif_max_fps=null")
        return held, timing

    def open(self, frame_numbers: Sequence[int] | None = None, sidecar: bool = False,
             gif_timing: GifTiming | None = None) -> FrameWriter:
        """The writer (a PNG sequence numbers its files by `frame_numbers`, default 0, 1, ...; a GIF
        places its frames in the loop by `gif_timing`, from frames_held); `sidecar`: the writer
        commits <output>.yaml together with the output."""
        numbers: dict[str, object] = {"frame_numbers": frame_numbers} if self.target.sequence else {}
        if gif_timing is not None:
            numbers["gif_timing"] = gif_timing
        return open_writer(self.path, fps=self.fps, size=self.size, options=self.options, metadata=self.metadata,
                           sidecar=sidecar, **numbers)


def resolve_output(preset: Preset, path: Path | str | None = None, *, time: float | None = None,
                   indices: Sequence[int] | None = None, fps: float | None = None,
                   size: tuple[int, int] | None = None, command: str | None = None) -> RenderOutput:
    """The RenderOutput for rendering `preset` to `path` (default: default_output_path).

    `time`: a still's loop phase (recorded for a .png); `indices`: the clip's frames the file holds,
    when not all; `fps`, `size`: when not the preset's (a contact sheet, a comparison grid);
    `command`: the command that made it when not render or still (see metadata_for)."""
    target = OutputTarget.at(path if path is not None else default_output_path(preset))
    metadata = metadata_for(preset, time if target.still else None, None if target.still else indices,
                            target.path.name if target.sequence else None, command)
    canvas = preset.canvas
    return RenderOutput(target, preset.timeline.fps if fps is None else fps,
                        (canvas.width, canvas.height) if size is None else size, encoder_options(preset), metadata,
                        preset.timeline.frames)
