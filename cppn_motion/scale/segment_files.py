"""Segment files on disk: write one, read and check its record, and join consecutive segments
into the final output (MP4 by ffmpeg stream copy, GIF from lossless frames). I/O only."""
from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import imageio_ffmpeg

from cppn_motion.atomic import AtomicFile
from cppn_motion.encoders import (
    WRITERS,
    EncoderOptions,
    FrameWriter,
    OutputTarget,
    open_writer,
)
from cppn_motion.encoders.base import check_fps, check_size, commit_with_sidecar
from cppn_motion.encoders.frames_npz import (
    NpzFramesWriter,
    read_npz_frames,
    read_npz_metadata,
)
from cppn_motion.encoders.gif import held_frames
from cppn_motion.encoders.probe import UnreadableVideo, count_video_frames, ffmpeg_url
from cppn_motion.encoders.provenance import PRESET_KEY, parse_ffmetadata
from cppn_motion.errors import OutputError, UserError
from cppn_motion.rendering.output import RenderOutput
from cppn_motion.rendering.preflight import report_notes
from cppn_motion.scale.plan import GIF_SEGMENT_SUFFIX, Segment

# The metadata key that marks a file as a segment and records which one it is.
SEGMENT_TAG = "cppn_motion_segment"

# Container tags the MP4 muxer writes by itself (not ours to copy into the joined file).
FFMPEG_OWN_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands", "encoder", "creation_time"})

# How many lines of ffmpeg's stderr go into an error message.
STDERR_TAIL_LINES = 12


@dataclass(frozen=True)
class SegmentRecord:
    """What a segment file says about itself (stored as JSON under SEGMENT_TAG)."""

    fingerprint: str
    index: int
    count: int
    start: int
    stop: int
    total: int

    @staticmethod
    def of(segment: Segment, fingerprint: str) -> "SegmentRecord":
        return SegmentRecord(fingerprint, segment.index, segment.count, segment.start, segment.stop, segment.total)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @staticmethod
    def from_json(text: str, path: Path) -> "SegmentRecord":
        try:
            fields = json.loads(text)
            return SegmentRecord(**{key: fields[key] for key in SegmentRecord.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            raise UserError(f"segment '{path}': its {SEGMENT_TAG} record is damaged; render this segment again") from None


def is_gif_segment(path: Path) -> bool:
    return path.name.lower().endswith(GIF_SEGMENT_SUFFIX)


def open_segment_writer(path: Path, record: SegmentRecord, output: RenderOutput) -> FrameWriter:
    """A writer for one segment file of `output`: an MP4 encoded exactly like the final file, or
    (for GIF output) lossless frames. The segment record is added to the metadata."""
    fps, size, options = output.fps, output.size, output.options
    tagged = {**output.metadata, SEGMENT_TAG: record.to_json()}
    if is_gif_segment(path):
        # Check the GIF's own limits (e.g. fps) now, not at the join after all the rendering.
        writer_class = WRITERS.get("gif")
        writer_class.check_settings(fps=check_fps(fps), size=check_size(size), options=options)
        tagged[GIF_OPTIONS_KEY] = json.dumps(asdict(options), sort_keys=True)
        tagged[GIF_FPS_KEY] = repr(float(fps))
        return NpzFramesWriter(path, fps=fps, size=check_size(size), options=options, metadata=tagged)
    return open_writer(path, fps=fps, size=size, options=options, metadata=tagged)


# ---------------------------------------------------------------------------
# Reading segments back


def read_metadata(path: Path) -> dict[str, str]:
    """A segment's metadata: container tags of an MP4, or the JSON of a GIF segment."""
    if is_gif_segment(path):
        try:
            return read_npz_metadata(path)
        except (OSError, ValueError, KeyError) as err:
            raise UserError(f"segment '{path}': not a readable segment file ({err})") from None
    result = _ffmpeg(["-i", ffmpeg_url(path), "-f", "ffmetadata", "-"], f"reading metadata of '{path}'")
    return parse_ffmetadata(result.stdout.decode("utf-8", errors="replace"))


def read_record(path: Path) -> SegmentRecord:
    metadata = read_metadata(path)
    if SEGMENT_TAG not in metadata:
        raise UserError(f"'{path}' is not a cppn_motion segment (no {SEGMENT_TAG} tag); "
                        "segments are made by `cppn-motion render --shard I/N`")
    return SegmentRecord.from_json(metadata[SEGMENT_TAG], path)


def count_frames(path: Path) -> int:
    """Frames actually stored in a segment or an MP4 (MP4: counted by stream copy, no decoding)."""
    if is_gif_segment(path):
        return int(read_npz_frames(path).shape[0])
    try:
        return count_video_frames(path)
    except UnreadableVideo as err:
        raise UserError(f"'{path}': {err}") from None


def stream_duration(path: Path) -> Fraction:
    """Seconds of video in an MP4: the sum of its packets' durations, exact in the stream's time base."""
    result = _ffmpeg(["-i", ffmpeg_url(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"],
                     f"reading packet durations of '{path}'")
    time_base, ticks = None, 0
    for line in result.stdout.decode(errors="replace").splitlines():
        if line.startswith("#tb 0:"):
            numerator, _, denominator = line.split(":", 1)[1].strip().partition("/")
            time_base = Fraction(int(numerator), int(denominator))
        elif line and not line.startswith("#"):
            ticks += int(line.split(",")[3])  # stream, dts, pts, duration, size, crc
    if time_base is None:
        raise UserError(f"'{path}': ffmpeg found no video stream in it")
    return ticks * time_base


def held_count(path: Path, record: SegmentRecord) -> int:
    """Frames a complete segment file holds: its whole range, or for a GIF's segment the frames of
    the range the GIF keeps (output.gif_max_fps, counted from the clip's frame 0)."""
    if not is_gif_segment(path):
        return record.stop - record.start
    options, fps = _gif_settings(read_metadata(path), path)
    return len(held_frames(range(record.start, record.stop), record.total, fps, options.gif_max_fps)[0])


def _gif_settings(metadata: Mapping[str, str], path: Path) -> tuple[EncoderOptions, float]:
    try:
        return EncoderOptions(**json.loads(metadata[GIF_OPTIONS_KEY])), float(metadata[GIF_FPS_KEY])
    except (KeyError, TypeError, ValueError):
        raise UserError(f"segment '{path}': its GIF settings are missing or damaged; render this segment again") from None


def segment_is_complete(path: Path, expected: SegmentRecord) -> bool:
    """True when `path` holds exactly this segment of this preset, with all its frames."""
    if not path.is_file():
        return False
    try:
        return read_record(path) == expected and count_frames(path) == held_count(path, expected)
    except (UserError, RuntimeError):
        return False


# ---------------------------------------------------------------------------
# Joining


def check_consecutive(records: Sequence[tuple[Path, SegmentRecord]]) -> list[tuple[Path, SegmentRecord]]:
    """Sort segments by start frame and check they are one clip's complete, non-overlapping cover."""
    if not records:
        raise UserError("join: no segments given")
    first_path, first = records[0]
    for path, record in records:
        if record.fingerprint != first.fingerprint:
            raise UserError(f"join: '{path}' was rendered from a different preset or version than '{first_path}' "
                            f"(preset hash {record.fingerprint} vs {first.fingerprint}); render all segments from one preset")
        if record.total != first.total:
            raise UserError(f"join: '{path}' belongs to a {record.total}-frame clip, '{first_path}' to a {first.total}-frame one")
    ordered = sorted(records, key=lambda item: item[1].start)
    expected_start = 0
    for path, record in ordered:
        if record.start != expected_start:
            if record.start > expected_start:
                raise UserError(f"join: frames {expected_start}-{record.start - 1} of {first.total} are missing "
                                f"(no segment covers them; next is '{path}'); render the missing shard and join again")
            raise UserError(f"join: '{path}' overlaps the segment before it (starts at frame {record.start}, "
                            f"expected {expected_start}); give each shard once")
        expected_start = record.stop
    if expected_start != first.total:
        raise UserError(f"join: frames {expected_start}-{first.total - 1} of {first.total} are missing "
                        f"(the last segment ends at frame {expected_start - 1}); render the missing shard and join again")
    return ordered


def join_segments(segments: Iterable[Path], output: Path, *, check_counts: bool = True,
                  notify: Callable[[str], None] | None = None, sidecar: bool = True) -> Path:
    """Join segment files (any order) into `output`, which appears only when complete.

    Checks first that they are consecutive segments of one preset covering the whole
    clip and that each holds all its frames, and afterwards that the output holds
    exactly the clip's frame count: never a silently short video. `notify` receives what
    the GIF writer changed to meet its limits, as a plain render reports it (default: warnings).
    `sidecar`: also write the <output>.yaml a plain render writes.
    """
    paths = [Path(p) for p in segments]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UserError(f"join: segment file not found: {', '.join(missing)}")
    kinds = {is_gif_segment(p) for p in paths}
    if len(kinds) > 1:
        raise UserError("join: segments mix MP4 and GIF frame files; join one output's segments at a time")
    gif = kinds.pop()
    target_kind = OutputTarget.at(output).kind
    if target_kind != ("gif" if gif else "mp4"):
        want = ".gif" if gif else ".mp4"
        raise UserError(f"join: these segments make a {want} file; -o must end in {want}; got '{output}'")
    ordered = check_consecutive([(p, read_record(p)) for p in paths])
    if check_counts:
        for path, record in ordered:
            found, expected = count_frames(path), held_count(path, record)
            if found != expected:
                raise UserError(f"join: segment '{path}' holds {found} frames, but frames {record.start}-{record.stop - 1} "
                                f"should give {expected}; it is incomplete: render it again")
    total = ordered[0][1].total
    # The same sidecar a plain render writes, from what the segments recorded; it is committed
    # together with the joined file, after that file's frame count is checked.
    recorded = {key: value for key, value in read_metadata(ordered[0][0]).items() if key != SEGMENT_TAG}
    side = recorded if sidecar and PRESET_KEY in recorded else None
    if gif:
        notes = _join_gif([p for p, _ in ordered], output, total, sidecar=side is not None)
        report_notes(None, notify, writer_notes=notes)
    else:
        _join_mp4([p for p, _ in ordered], output, expected=total, sidecar=side)
    return output


def join_fresh_mp4(paths: Sequence[Path], output: Path, *, frames: Sequence[int], fps: float,
                   metadata: Mapping[str, str], sidecar: bool = False) -> Path:
    """Join MP4 segments this process has just written and closed (parallel_encoders.py): their
    records, frame counts, durations and tags are known, so only the join and the final frame
    count run ffmpeg (join_segments reads all of that back: ~3 ffmpeg runs a segment).
    `sidecar`: commit <output>.yaml (from `metadata`) together with the joined file."""
    rate = Fraction(fps).limit_denominator(1_000_000)
    tags = {key: value for key, value in metadata.items() if key != SEGMENT_TAG}
    _join_mp4(paths, output, expected=sum(frames), durations=[count / rate for count in frames], tags=tags,
              sidecar=tags if sidecar and PRESET_KEY in tags else None)
    return output


def _join_mp4(paths: Sequence[Path], output: Path, *, expected: int, durations: Sequence[Fraction] | None = None,
              tags: Mapping[str, str] | None = None, sidecar: Mapping[str, str] | None = None) -> None:
    """ffmpeg's concat demuxer with stream copy: no re-encoding, so no generation loss and
    no seam. Segments were encoded with identical settings, so their streams are compatible.

    Each file's exact duration goes into the listing: without it the demuxer offsets the next
    segment by the container's duration, which x264's B-frame delay shortens (measured: 4 ticks
    of 1/12288 s lost at every join at 24 fps), so later frames drifted off the frame grid."""
    # The concat demuxer drops the segments' global tags: restate the first one's
    # (the preset, the software), less the segment record and the tags ffmpeg writes itself.
    if tags is None:
        tags = {key: value for key, value in read_metadata(paths[0]).items()
                if key != SEGMENT_TAG and key not in FFMPEG_OWN_TAGS}
    if durations is None:
        durations = [stream_duration(p) for p in paths]
    metadata_args = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
    with tempfile.TemporaryDirectory(prefix="cppn_motion-join-") as folder:
        listing = Path(folder) / "segments.ffconcat"
        listing.write_text("ffconcat version 1.0\n" + "".join(
            f"file {_concat_quote(p.resolve())}\nduration {_concat_seconds(seconds)}\n"
            for p, seconds in zip(paths, durations)))
        joined = AtomicFile(output)
        try:
            _ffmpeg([
                "-f", "concat", "-safe", "0", "-i", ffmpeg_url(listing),
                "-map", "0:v:0", "-c", "copy",
                "-map_metadata", "-1", *metadata_args,
                "-movflags", "+faststart+use_metadata_tags",
                "-f", "mp4", "-y", ffmpeg_url(joined.temp),
            ], f"joining segments into '{output}'")
            # Counted BEFORE the rename: a short join (another run removing segments under it,
            # a full disk) must never replace a good earlier file.
            found = count_video_frames(joined.temp)
        except UnreadableVideo as err:
            joined.discard()
            raise OutputError(f"join: the joined file is {err}; nothing was saved at '{output}' "
                              "(an earlier file there is untouched)") from None
        except BaseException:
            joined.discard()
            raise
        if found != expected:
            joined.discard()
            raise OutputError(f"join: the joined file came out with {found} frames instead of {expected}; "
                              f"nothing was saved at '{output}' (an earlier file there is untouched)")
        commit_with_sidecar([joined], output, sidecar)


def _join_gif(paths: Sequence[Path], output: Path, total: int, sidecar: bool = False) -> list[str]:
    """Palettise the exact frames of each segment in turn through the ordinary GIF writer, timed
    as the kept frames of the whole `total`-frame clip, so the result is byte-identical to a
    single-process GIF render; returns the writer's notes."""
    metadata = read_npz_metadata(paths[0])
    metadata.pop(SEGMENT_TAG, None)
    frames = read_npz_frames(paths[0])
    options, fps = _gif_settings(metadata, paths[0])
    metadata.pop(GIF_OPTIONS_KEY)
    metadata.pop(GIF_FPS_KEY)
    timing = held_frames(range(total), total, fps, options.gif_max_fps)[1]
    with open_writer(output, fps=fps, size=(frames.shape[2], frames.shape[1]), options=options,
                     metadata=metadata, gif_timing=timing, sidecar=sidecar) as writer:
        writer.write(frames)
        del frames
        for path in paths[1:]:
            writer.write(read_npz_frames(path))  # one segment in memory at a time
    return list(getattr(writer, "notes", []))


# A GIF segment also records what the GIF writer needs at the join (an MP4 segment
# carries these in its stream already).
GIF_OPTIONS_KEY = "cppn_motion_gif_options"
GIF_FPS_KEY = "cppn_motion_gif_fps"


def _concat_seconds(seconds: Fraction) -> str:
    # ffconcat durations are read to the microsecond: rounding there moves a join by < 1 us,
    # far below any video time base's tick.
    micro = round(seconds * 1_000_000)
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def _concat_quote(path: Path) -> str:
    # ffconcat quoting: inside single quotes everything is literal; a quote is '\''.
    return "'" + str(path).replace("'", "'\\''") + "'"


def _ffmpeg(arguments: list[str], doing: str) -> subprocess.CompletedProcess:
    """Run the bundled ffmpeg; on failure raise with the tail of its stderr."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments]
    result = subprocess.run(command, capture_output=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.decode(errors="replace").splitlines() if line.strip()]
        tail = "\n".join(lines[-STDERR_TAIL_LINES:]) or "(ffmpeg printed nothing)"
        raise RuntimeError(f"{doing} failed: ffmpeg exited with code {result.returncode}; its output ends:\n{tail}")
    return result


