"""What an output file records and how it is encoded, worked out from the preset once:
the default path, the provenance metadata, and the encoder options."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from cppn_motion._version import __version__
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.schema import Preset
from cppn_motion.encoders import EncoderOptions
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
