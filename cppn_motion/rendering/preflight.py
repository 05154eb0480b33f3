"""What every render does around its frames, whichever path renders them (api.render, a shard,
a resumable or torchrun render): the checks before any file or compute (output format, device,
memory) and the notes for the user afterwards (dull frames, limits the GIF writer applied)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import torch

from cppn_motion.config.schema import Preset
from cppn_motion.encoders import OutputTarget
from cppn_motion.errors import UserError
from cppn_motion.rendering.budget import MemoryEstimate, check_memory
from cppn_motion.rendering.device import resolve_device
from cppn_motion.rendering.dull import DullnessCheck
from cppn_motion.rendering.hooks import Notify


@dataclass(frozen=True)
class PreparedRender:
    """A render that passed the checks: its output target, device and memory estimate."""

    target: OutputTarget
    device: torch.device
    memory: MemoryEstimate


def prepare_render(preset: Preset, output: OutputTarget | Path | str, device: str | torch.device = "auto",
                   frames_kept: int | None = None) -> PreparedRender:
    """Refuse, with one line, what cannot be rendered before anything is built or written.

    `frames_kept`: frames the writer holds at once when not the whole clip (a GIF shard keeps
    only its own; the join, wherever it runs, checks the whole clip then)."""
    target = output if isinstance(output, OutputTarget) else OutputTarget.at(output)
    if target.path.is_dir():  # segmented renders would otherwise find out at the final rename
        raise UserError(f"output path '{target.path}' is a folder; give a file name ending in .{target.kind}")
    resolved = resolve_device(device)
    return PreparedRender(target, resolved, check_memory(preset, target.kind, resolved, frames=frames_kept))


def warn(message: str) -> None:
    """The default `notify`: a warning (the CLI passes its own one-line printer)."""
    warnings.warn(message, stacklevel=3)


def report_notes(preset: Preset, notify: Notify | None, check: DullnessCheck | None = None,
                 writer_notes: Iterable[str] = ()) -> None:
    """Hand the user the advice a finished render produced: dull frames first, then what the
    writer changed to meet its limits (GIF size and colours)."""
    notify = notify or warn
    for note in [*(check.warnings(preset) if check is not None else []), *writer_notes]:
        notify(note)
