"""What made an output: the sidecar `.yaml` written beside each file, and reading the
resolved preset back out of a PNG, MP4, WebM, GIF or sidecar for `render --from`. I/O only."""
from __future__ import annotations

import base64
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cppn_motion.atomic import atomic_output
from cppn_motion.encoders.probe import ffmpeg_url
from cppn_motion.errors import UserError

# Keys every output carries (rendering.output.metadata_for writes them).
PRESET_KEY = "cppn_motion_preset"
TIME_KEY = "cppn_motion_time"
VERSION_KEY = "Software"
# Which frames of the clip the output holds, when not all of them (--frames-range, --preview):
# 'A:B' or 'A:B:S' (range syntax), or 'i,j,k'; `render --from` renders the same frames.
FRAMES_KEY = "cppn_motion_frames"
# A GIF that kept every n-th frame (output.gif_max_fps): what it holds, for the sidecar's
# reader (the file itself is unchanged: its frames and delays say it too).
GIF_FRAMES_KEY = "cppn_motion_gif_frames"
# The frame-number pattern of a PNG sequence (f_%04d.png), so `--from` re-renders a sequence.
SEQUENCE_KEY = "cppn_motion_sequence"
# For outputs of other commands (grow, compare): the command and flags that made it from the
# recorded preset, e.g. 'grow --mode depth --hold 6 --blend 0 --time 0.0 --calibration stage'.
COMMAND_KEY = "cppn_motion_command"

# The sidecar is itself a preset file; these comment lines carry what the schema has no
# key for (version, the still's phase), so `cppn-motion render x.png.yaml` also works.
_HEADER_TIME = re.compile(r"^# still at loop phase: (\S+)\s*$", re.MULTILINE)
_HEADER_FRAMES = re.compile(r"^# frames of the clip: (\S+)\s*$", re.MULTILINE)
_HEADER_SEQUENCE = re.compile(r"^# png sequence: (.+?)\s*$", re.MULTILINE)
_HEADER_COMMAND = re.compile(r"^# made with: cppn-motion (\S+) <this file> ?(.*?)\s*$", re.MULTILINE)

# A frame-number pattern such as frames/f_%04d.png names a PNG sequence.
SEQUENCE_PATTERN = re.compile(r"%0?\d*d")


@dataclass(frozen=True)
class Recorded:
    """A preset recovered from an output: its YAML text, where it came from, and for a
    still the loop phase it was rendered at."""

    preset_yaml: str
    source: str
    time: float | None = None
    kind: str | None = None  # the output's format (mp4, gif, png, webm) when known
    frames: range | list[int] | None = None  # the frames it holds, when not the whole clip
    sequence: str | None = None  # a PNG sequence's frame pattern (f_%04d.png)
    command: str | None = None  # COMMAND_KEY: made by another command than render/still


def format_frames(indices: Sequence[int], frames: int) -> str | None:
    """FRAMES_KEY's value for these frame indices of a `frames`-frame clip; None for the whole clip."""
    indices = list(indices)
    if indices == list(range(frames)):
        return None
    steps = {b - a for a, b in zip(indices, indices[1:])}
    if len(steps) <= 1 and (not steps or steps.pop() > 0):
        step = indices[1] - indices[0] if len(indices) > 1 else 1
        stop = indices[-1] + 1
        return f"{indices[0]}:{stop}" if step == 1 else f"{indices[0]}:{stop}:{step}"
    return ",".join(str(index) for index in indices)


def parse_frames(text: str) -> range | list[int]:
    """format_frames' text back to a range (A:B[:S]) or a list of indices; ValueError if malformed."""
    if ":" in text:
        return range(*(int(part) for part in text.split(":")))
    return [int(part) for part in text.split(",")]


def sidecar_path(output: Path | str) -> Path:
    """outputs/x.mp4 -> outputs/x.mp4.yaml; a sequence frames/f_%04d.png -> frames/f_%04d.png.yaml.

    The whole name, so no two outputs share a sidecar: x.png and x.gif, clip.mp4, clip_.mp4 and
    'clip .mp4', a still f.png and a sequence f_%04d.png each get their own.
    """
    path = Path(output)
    return path.with_name(f"{path.name}.yaml")


def legacy_sidecar_path(output: Path | str) -> Path:
    """Where earlier versions put a sequence's sidecar (frames/f_%04d.png -> frames/f.png.yaml);
    read only, as a fallback for a sequence pattern."""
    path = Path(output)
    stem, dot, suffix = SEQUENCE_PATTERN.sub("", path.name).rpartition(".")
    return path.with_name(f"{stem.rstrip('_-. ') or 'frames'}{dot}{suffix}.yaml")


def sidecar_text(metadata: dict[str, str]) -> str:
    """The sidecar's text: a comment header (software, still phase) and the resolved preset."""
    header = [f"# made by {metadata.get(VERSION_KEY, 'cppn_motion')}"]
    if COMMAND_KEY in metadata:
        name, _, flags = metadata[COMMAND_KEY].partition(" ")
        header.append(f"# made with: cppn-motion {name} <this file> {flags}".rstrip())
    else:
        header.append("# re-render with: cppn-motion render --from <this file or the output beside it>")
    if TIME_KEY in metadata:
        header.append(f"# still at loop phase: {metadata[TIME_KEY]}")
    if FRAMES_KEY in metadata:
        header.append(f"# frames of the clip: {metadata[FRAMES_KEY]}")
    if GIF_FRAMES_KEY in metadata:
        header.append(f"# the gif holds: {metadata[GIF_FRAMES_KEY]}")
    if SEQUENCE_KEY in metadata:
        header.append(f"# png sequence: {metadata[SEQUENCE_KEY]}")
    return "\n".join(header) + "\n" + metadata[PRESET_KEY]


def write_sidecar(output: Path | str, metadata: dict[str, str]) -> Path:
    """Write the sidecar beside `output` atomically; call only once the output exists."""
    path = sidecar_path(output)
    with atomic_output(path) as temp:
        temp.write_text(sidecar_text(metadata), encoding="utf-8")
    return path


def read_recorded(path: Path | str) -> Recorded:
    """The preset recorded in an output file or a sidecar, or a one-line UserError."""
    path = Path(path)
    if not path.is_file() and SEQUENCE_PATTERN.search(path.name):
        # A sequence's pattern (frames/f_%04d.png) names no file; its sidecar tells its story.
        side = sidecar_path(path)
        if not side.is_file() and legacy_sidecar_path(path).is_file():
            side = legacy_sidecar_path(path)
        if not side.is_file():
            raise UserError(f"--from: no sidecar '{side}' for the PNG sequence '{path}'; give one of its frames")
        return _checked(_from_sidecar, side)
    if not path.is_file():
        raise UserError(f"--from: '{path}' does not exist")
    suffix = path.suffix.lower()
    readers = {".png": _from_png, ".gif": _from_gif, ".mp4": _from_ffmpeg, ".webm": _from_ffmpeg,
               ".html": _from_html, ".htm": _from_html}
    if suffix not in readers and suffix not in (".yaml", ".yml"):
        raise UserError(f"--from: expected a .png, .gif, .mp4, .webm, .html or .yaml written by cppn-motion; "
                        f"got '{path}'")
    try:
        if suffix in (".yaml", ".yml"):
            return _checked(_from_sidecar, path)
        metadata = readers[suffix](path)
    except (OSError, ValueError) as exc:
        raise UserError(f"--from: cannot read '{path}': {exc}") from None
    if PRESET_KEY not in metadata:
        # An output whose metadata was stripped (e.g. by an image optimiser) may still have its sidecar.
        side = sidecar_path(path)
        if side.is_file():
            return _checked(_from_sidecar, side)
        raise UserError(f"--from: '{path}' has no cppn_motion preset in its metadata and no sidecar '{side.name}'")
    # A page is a whole loop, not a format to render again: its re-render is the preset's own format.
    kind = None if readers[suffix] is _from_html else suffix[1:]
    return _checked(lambda p: _recorded(metadata[PRESET_KEY], p, metadata.get(TIME_KEY), kind,
                                        metadata.get(FRAMES_KEY), metadata.get(SEQUENCE_KEY),
                                        metadata.get(COMMAND_KEY)), path)


def _recorded(preset_yaml: str, path: Path, time: str | None, kind: str | None, frames: str | None,
              sequence: str | None, command: str | None = None) -> Recorded:
    """A Recorded from the raw recorded strings; ValueError for a malformed one."""
    return Recorded(preset_yaml, str(path), float(time) if time is not None else None, kind,
                    parse_frames(frames) if frames is not None else None, sequence, command)


def _checked(read, path: Path) -> Recorded:
    try:
        return read(path)
    except (OSError, ValueError) as exc:
        raise UserError(f"--from: cannot read '{path}': {exc}") from None


def _from_sidecar(path: Path) -> Recorded:
    text = path.read_text(encoding="utf-8")
    kind = Path(path.stem).suffix.lstrip(".").lower() or None  # x.png.yaml -> png
    found = [match.group(1) if match else None
             for match in (pattern.search(text) for pattern in (_HEADER_TIME, _HEADER_FRAMES, _HEADER_SEQUENCE))]
    command = _HEADER_COMMAND.search(text)
    return _recorded(text, path, found[0], kind, found[1], found[2],
                     " ".join(command.groups()).strip() if command else None)


# The element a live page (live/page.py) keeps its resolved preset in; base64 when marked so.
_HTML_PRESET = re.compile(r'<script type="application/yaml" id="cppn-motion-preset"( data-encoding="base64")?>'
                          r"(.*?)</script>", re.DOTALL)


def _from_html(path: Path) -> dict[str, str]:
    """The preset a live page embeds (`cppn-motion export`)."""
    match = _HTML_PRESET.search(path.read_text(encoding="utf-8"))
    if match is None:
        return {}
    text = match.group(2)
    if match.group(1):
        text = base64.b64decode(text).decode("utf-8")
    return {PRESET_KEY: text.lstrip("\n")}


def _from_png(path: Path) -> dict[str, str]:
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return {str(k): str(v) for k, v in image.text.items()}


def _from_gif(path: Path) -> dict[str, str]:
    from PIL import Image

    with Image.open(path) as image:
        comment = image.info.get("comment", b"")
    if not comment:
        return {}
    data = json.loads(comment.decode("utf-8") if isinstance(comment, bytes) else comment)
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _from_ffmpeg(path: Path) -> dict[str, str]:
    """Container tags via ffmpeg's ffmetadata dump (imageio-ffmpeg bundles ffmpeg, not ffprobe)."""
    import imageio_ffmpeg

    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", ffmpeg_url(path), "-f", "ffmetadata", "-"],
        capture_output=True, timeout=60,
    )
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise ValueError(lines[-1] if lines else f"ffmpeg exited with code {result.returncode}")
    return parse_ffmetadata(result.stdout.decode("utf-8", errors="replace"))


def parse_ffmetadata(text: str) -> dict[str, str]:
    """ffmpeg's ffmetadata format: key=value lines where '=', ';', '#', '\\' and newlines are
    escaped with a backslash. Only the global section (before any [SECTION]) is read."""
    out: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if line.startswith("["):
            break
        if not line or line.startswith((";", "#")):
            continue
        # A value ending in an odd number of backslashes continues on the next line.
        while _ends_escaped(line):
            line = line[:-1] + "\n" + next(lines, "")
        key, value = _split_unescaped(line)
        out[key] = value
    # Matroska (WebM) stores tag names upper-cased.
    for key in list(out):
        if key.lower() in (PRESET_KEY, TIME_KEY) and key != key.lower():
            out[key.lower()] = out.pop(key)
    return out


def _ends_escaped(line: str) -> bool:
    run = len(line) - len(line.rstrip("\\"))
    return run % 2 == 1


def _split_unescaped(line: str) -> tuple[str, str]:
    key: list[str] = []
    value: list[str] = []
    target = key
    chars = iter(line)
    for char in chars:
        if char == "\\":
            target.append(next(chars, ""))
        elif char == "=" and target is key:
            target = value
        else:
            target.append(char)
    return "".join(key), "".join(value)
