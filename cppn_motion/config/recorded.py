"""`render --from`: rebuild the exact preset an output recorded (provenance.py) and choose
where the re-render goes. Preset I/O only."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cppn_motion.config.output_place import check_name
from cppn_motion.config.presets import parse_yaml
from cppn_motion.config.schema import Preset, set_dotted, validate_preset
from cppn_motion.encoders.provenance import SEQUENCE_PATTERN, Recorded, read_recorded
from cppn_motion.errors import UserError


def recorded_preset(source: Path | str, overrides: dict[str, Any] | None = None) -> tuple[Preset, Recorded]:
    """The preset recorded in `source` (an output or its sidecar), with overrides applied."""
    recorded = read_recorded(source)
    data = parse_yaml(recorded.preset_yaml, recorded.source) or {}
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value)
    return validate_preset(data, f"--from '{source}'"), recorded


def rerender_path(source: Path | str, preset: Preset, recorded: Recorded) -> Path:
    """Beside the source, never over it: x.png -> x-rerender.png, or x-3840x2160.png at a new size;
    a PNG sequence f_%04d.png (from any of its frames or its sidecar) -> f-rerender_%04d.png."""
    source = Path(source)
    kind = recorded.kind or preset.output.format
    canvas = (parse_yaml(recorded.preset_yaml, recorded.source) or {}).get("canvas", {})
    same_size = (canvas.get("width"), canvas.get("height")) == (preset.canvas.width, preset.canvas.height)
    tag = "rerender" if same_size else f"{preset.canvas.width}x{preset.canvas.height}"
    pattern = SEQUENCE_PATTERN.search(recorded.sequence or "")
    if pattern is not None:
        name = recorded.sequence
        try:  # the pattern comes from the file: a plain name, so the re-render stays beside it
            check_name(name)
        except ValueError as exc:
            raise UserError(f"--from '{source}': its recorded PNG sequence pattern must be {exc}") from None
        stem = name[:pattern.start()].rstrip("_-. ") or "frames"
        return source.with_name(f"{stem}-{tag}_{pattern.group()}{name[pattern.end():]}")
    name = SEQUENCE_PATTERN.sub("", source.name)
    stem = name.split(".")[0].rstrip("_-. ") or "rerender"
    return source.with_name(f"{stem}-{tag}.{kind}")


def sequence_frame(source: Path | str, recorded: Recorded) -> int | None:
    """The clip frame a single file of a PNG sequence holds (f_0003.png of f_%04d.png -> 3), or
    None when `source` is not one file of a recorded sequence (its sidecar, another output)."""
    pattern = SEQUENCE_PATTERN.search(recorded.sequence or "")
    if pattern is None:
        return None
    name = recorded.sequence
    shape = re.escape(name[:pattern.start()]) + r"(\d+)" + re.escape(name[pattern.end():])
    match = re.fullmatch(shape, Path(source).name)
    return int(match.group(1)) if match else None
