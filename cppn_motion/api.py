"""The Python API: the same things the CLI does, in a few calls from a notebook.

    import cppn_motion as cm
    preset = cm.load_preset("default", {"net.depth": 12})
    cm.render(preset, "outputs/deep.mp4")
    frames = cm.render_array(preset.with_overrides({"canvas.width": 320, "canvas.height": 180}))
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

from . import __version__
from .config import Preset
from .encoders import EncoderOptions, open_writer, writer_for
from .pipeline import should_overlap, write_all
from .presets import load_preset, preset_to_yaml
from .render import Scene, build_scene, iter_frames

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


def metadata_for(preset: Preset) -> dict[str, str]:
    """What every output records about how it was made."""
    return {"Software": f"cppn_motion {__version__}", "cppn_motion_preset": preset_to_yaml(preset)}


def encoder_options(preset: Preset) -> EncoderOptions:
    out = preset.output
    return EncoderOptions(crf=out.crf, x264_preset=out.x264_preset, pix_fmt=out.pix_fmt, gif_colors=out.gif_colors)


def render(preset: PresetLike, output: str | Path | None = None, *, device: str | torch.device = "auto",
           batch_size: int | None = None, progress: Callable[[int], None] | None = None,
           time: float = 0.0) -> Path:
    """Render a clip (or, for a .png path, the still at phase `time`) to a file; returns its path.

    `progress(n)` is called with 0 once everything is validated and built, then
    with the number of frames finished after each batch.

    The file appears only when complete: it is written to a temporary name and
    renamed into place, so an interrupted render leaves any earlier file intact.
    """
    preset = _as_preset(preset)
    path = Path(output) if output is not None else default_output_path(preset)
    kind = writer_for(path)
    canvas = preset.canvas
    fps = preset.timeline.fps
    # Validate the destination (even sizes, GIF fps, ...) before any compute.
    writer = open_writer(path, fps=fps, size=(canvas.width, canvas.height),
                         options=encoder_options(preset), metadata=metadata_for(preset))
    with writer:
        scene = build_scene(preset, device)
        if progress is not None:
            progress(0)  # everything validated and built: rendering starts now
        if kind == "png":
            writer.write(scene.render_phases(torch.tensor([float(time)], dtype=torch.float64)).cpu().numpy())
            if progress is not None:
                progress(1)
        else:
            write_all(iter_frames(scene, batch_size=batch_size, progress=progress), writer,
                      overlap=should_overlap(scene.device.type))
    return path


def render_frames(preset: PresetLike, *, device: str | torch.device = "auto",
                  batch_size: int | None = None) -> Iterator[np.ndarray]:
    """Yield the clip's frames one at a time as (H, W, 3) uint8 arrays, without holding the clip."""
    scene = build_scene(_as_preset(preset), device)
    for batch in iter_frames(scene, batch_size=batch_size):
        yield from batch


def render_array(preset: PresetLike, *, device: str | torch.device = "auto",
                 batch_size: int | None = None) -> np.ndarray:
    """The whole clip as one (N, H, W, 3) uint8 array (mind the memory for long clips)."""
    return np.stack(list(render_frames(preset, device=device, batch_size=batch_size)))


def render_still(preset: PresetLike, time: float = 0.0, *, device: str | torch.device = "auto") -> np.ndarray:
    """The frame at loop phase `time` (0-1) as an (H, W, 3) uint8 array."""
    scene: Scene = build_scene(_as_preset(preset), device)
    return scene.render_phases(torch.tensor([float(time)], dtype=torch.float64))[0].cpu().numpy()
