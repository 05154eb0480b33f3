"""H.264 MP4 writer: streams frames into an ffmpeg (libx264) process via imageio-ffmpeg."""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import warnings
import weakref
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Generator, Iterator, Mapping

import imageio_ffmpeg
import numpy as np

from cppn_motion.encoders.base import WRITERS, EncoderOptions, FrameWriter
from cppn_motion.encoders.probe import UnreadableVideo, count_video_frames, ffmpeg_url
from cppn_motion.errors import ConfigError, OutputError, UserError
from cppn_motion.temps import owner_tag, sweep_stale

# Convert RGB->YUV with the BT.709 matrix into limited ("tv") range, and stamp
# the frames as BT.709. ffmpeg >= 7 takes the stream's colour tags from the
# frames, so -color_primaries/-color_trc alone end up "unknown" without setparams.
BT709_FILTER = (
    "scale=out_color_matrix=bt709:out_range=tv,"
    "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
)
# Frames that arrive already as BT.709 tv-range yuv420p (yuv.py) need no conversion, only the tags.
BT709_TAGS_FILTER = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
BT709_TAGS = ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"]

# Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); stay clear of it.
MAX_METADATA_ARG_BYTES = 100_000

# ffmpeg's largest picture: (w+128)*(h+128) must stay below INT_MAX/8 (libavutil imgutils.c).
MAX_FFMPEG_PICTURE = (2**31 - 1) // 8

# H.264's largest level (6.2) allows 139264 macroblocks a frame (8192x4320 is 138240) and, as
# the spec bounds each side by sqrt(8 * that), about 8448 pixels on a side; beyond it x264 still
# writes a file, but players and browsers refuse it.
H264_MAX_PIXELS = 139264 * 256
H264_MAX_SIDE = 8448

# How many lines of ffmpeg's log go into an error message.
LOG_TAIL_LINES = 12

# FFREPORT is read from the environment when ffmpeg starts; the lock keeps two
# writers starting at once from handing each other their log file.
_SPAWN_LOCK = threading.Lock()


class _Abandon(BaseException):
    """Thrown into imageio-ffmpeg's generator: a non-Exception makes it kill ffmpeg instead of waiting."""


@WRITERS.register("mp4")
class Mp4Writer(FrameWriter):
    """MP4 (H.264, BT.709, faststart) via one ffmpeg process opened on the first frame."""

    extension = "mp4"
    codec = "libx264"
    # Set when the first frame arrives.
    _encoder: Generator[None, np.ndarray | None, None] | None = None
    _process: subprocess.Popen | None = None
    _log: _FfmpegLog | None = None
    _stop_encoder: weakref.finalize | None = None
    # What ffmpeg reads from the pipe, fixed by the first batch: "rgb24" or "yuv420p".
    _pix_fmt_in: str | None = None

    @classmethod
    def takes_yuv420p(cls, options: EncoderOptions) -> bool:
        """True when frames may come as ready-made yuv420p planes (write_yuv420p): only for
        8-bit 4:2:0 output; 10-bit and 4:4:4 go through ffmpeg's own conversion from rgb24."""
        return options.pix_fmt == "yuv420p"

    def write_yuv420p(self, planes: np.ndarray) -> None:
        """Append a (B, W*H*3/2) uint8 batch of BT.709 tv-range yuv420p frames (yuv.rgb_to_yuv420p)."""
        if not self._open:
            raise ValueError(f"{self.extension} writer for '{self.path}' is already closed")
        width, height = self.size
        if not self.takes_yuv420p(self.options):
            raise ValueError(f"yuv420p frames need pix_fmt yuv420p; this writer encodes {self.options.pix_fmt}")
        expected = width * height + 2 * (width // 2) * (height // 2)
        if not isinstance(planes, np.ndarray) or planes.ndim != 2 or planes.shape[1] != expected \
                or planes.dtype != np.uint8:
            got = f"{planes.dtype} {planes.shape}" if isinstance(planes, np.ndarray) else type(planes).__name__
            raise ValueError(f"expected uint8 yuv420p frames of shape (B, {expected}) for size {width}x{height}; got {got}")
        if len(planes):
            self._send(np.ascontiguousarray(planes), "yuv420p")
            self.frames_written += len(planes)

    @classmethod
    def check_settings(cls, *, fps: float, size: tuple[int, int], options: EncoderOptions) -> None:
        width, height = size
        # 4:2:0 stores one chroma sample per 2x2 block; x264 rejects odd sizes.
        if options.pix_fmt.startswith("yuv420p") and (width % 2 or height % 2):
            even = f"{max(2, width - width % 2)}x{max(2, height - height % 2)}"
            raise UserError(f"{cls.extension} needs even width and height ({options.pix_fmt}); got {width}x{height}; "
                            f"try --size {even}")
        ffmpeg_executable()  # missing ffmpeg: say so now, not after the first batch is rendered
        if cls.codec == "libx264" and (width * height > H264_MAX_PIXELS or max(width, height) > H264_MAX_SIDE):
            warnings.warn(f"{width}x{height} is beyond H.264's largest level (6.2: about 8192x4320); most players, "
                          "browsers and hardware decoders will not open it: use --size 7680x4320 or smaller, "
                          "or a .png sequence", stacklevel=3)
        # ffmpeg refuses any picture with (w+128)*(h+128) >= INT_MAX/8 (av_image_check_size).
        if (width + 128) * (height + 128) >= MAX_FFMPEG_PICTURE:
            raise UserError(
                f"mp4 frames of {width}x{height} are too large for ffmpeg (at most about "
                f"{MAX_FFMPEG_PICTURE // 2**20} million pixels, e.g. 16384x8192); got {width * height / 1e6:.0f} million"
            )

    @classmethod
    def check_metadata(cls, metadata: Mapping[str, str]) -> None:
        super().check_metadata(metadata)
        for key, value in metadata.items():
            if "=" in key or "\0" in key or "\0" in value:
                raise ValueError(f"mp4 metadata key {key!r}: keys cannot contain '=', nor keys or values NUL")
            size = len(f"{key}={value}".encode())
            if size > MAX_METADATA_ARG_BYTES:  # a ValueError, and one line for the CLI (ConfigError)
                raise ConfigError(f"{cls.extension} metadata {key!r} is {size:,} bytes, over the "
                                  f"{MAX_METADATA_ARG_BYTES:,} one {cls.extension} tag can take here; shorten the "
                                  "preset (its description, keyframe lists) or write a .gif or .png")

    def _write_batch(self, batch: np.ndarray) -> None:
        self._send(batch, "rgb24")

    def _send(self, batch: np.ndarray, pix_fmt_in: str) -> None:
        if self._encoder is None:
            self._pix_fmt_in = pix_fmt_in
            self._start_encoder()
        elif pix_fmt_in != self._pix_fmt_in:
            raise ValueError(f"'{self.path}' was started with {self._pix_fmt_in} frames; got {pix_fmt_in}")
        assert self._encoder is not None
        try:
            # One pipe write for the whole batch: imageio-ffmpeg writes any buffer as is.
            self._encoder.send(batch)
        except OSError as err:  # imageio-ffmpeg turns BrokenPipeError into a bare OSError
            failure = self._failure("ffmpeg stopped accepting frames")  # read the log before abort() removes it
            self.abort()  # ffmpeg is gone: the writer cannot go on
            raise failure from err

    def _finish(self, temp: Path) -> None:
        encoder, self._encoder = self._encoder, None
        assert encoder is not None
        try:
            encoder.close()  # closes ffmpeg's stdin and waits for it to flush and exit
            assert self._stop_encoder is not None
            self._stop_encoder.detach()
            exit_code = self._process.returncode if self._process is not None else None
            if exit_code not in (0, None):
                raise self._failure(f"ffmpeg exited with code {exit_code}")
            self._verify(temp)
        finally:
            self._remove_log()

    def _verify(self, temp: Path) -> None:
        """Read the finished temp file back before it may replace anything: it must be a video
        holding every frame sent. One line, exit 1; the earlier file at the target stays."""
        problem = None
        if temp.stat().st_size == 0:
            problem = "ffmpeg wrote an empty file"
        else:
            try:
                found = count_video_frames(temp)
            except UnreadableVideo as err:
                problem = f"ffmpeg's file is {err}"
            else:
                if found != self.frames_written:
                    problem = f"ffmpeg's file holds {found} frames of the {self.frames_written} sent"
        if problem is not None:
            raise OutputError(f"writing '{self.path}' failed: {problem}; nothing was saved there "
                              "(an earlier file at that path is untouched)")

    def _release(self) -> None:
        self._encoder = None
        if self._stop_encoder is not None:
            self._stop_encoder()
        self._remove_log()

    def _start_encoder(self) -> None:
        self._log = _FfmpegLog()
        fps = self.fps if isinstance(self.fps, Fraction) else float(self.fps)
        with _SPAWN_LOCK, _environ("FFREPORT", self._log.ffreport_value()):
            encoder = imageio_ffmpeg.write_frames(
                ffmpeg_url(self._output.temp),
                self.size,
                pix_fmt_in=self._pix_fmt_in or "rgb24",
                pix_fmt_out=self.options.pix_fmt,
                fps=fps,
                quality=None,  # rate control comes from -crf below
                codec=self.codec,  # naming it skips imageio-ffmpeg's encoder probing
                macro_block_size=1,  # the default 16 silently rescales e.g. 1080 -> 1088
                ffmpeg_log_level="quiet",  # the log goes to the FFREPORT file instead of the terminal
                output_params=self._output_params(),
            )
            encoder.send(None)  # runs the generator to its first yield, which starts ffmpeg
        self._encoder = encoder
        self._process = _ffmpeg_process(encoder)
        # Runs on abort, or if the writer is dropped unclosed. ffmpeg must be dead
        # before its temp file is deleted: +faststart reopens the file by name at
        # the end and would bring it back.
        self._stop_encoder = weakref.finalize(self, _kill_encoder, encoder, self._process, self._output.temp)

    def _output_params(self) -> list[str]:
        tags_only = self._pix_fmt_in == "yuv420p"
        params = [*self._codec_params(), "-vf", BT709_TAGS_FILTER if tags_only else BT709_FILTER, *BT709_TAGS]
        for key, value in self.metadata.items():
            params += ["-metadata", f"{key}={value}"]  # argv, not a shell: newlines and quotes pass intact
        return params

    def _codec_params(self) -> list[str]:
        return [
            "-f", "mp4",  # name the container outright instead of trusting the temp name's suffix
            "-crf", str(self.options.crf),
            "-preset", self.options.x264_preset,
            # faststart: index at the front so browsers play before the download ends.
            # use_metadata_tags: keep arbitrary keys (without it the muxer silently drops all but
            # a fixed list such as title/comment); every key is then stored as an mdta key.
            "-movflags", "+faststart+use_metadata_tags",
        ]

    def _failure(self, reason: str) -> RuntimeError:
        status = _exit_status(self._process)
        reason = f"{reason} ({status})" if status and "exited" not in reason else reason
        tail = self._log.tail(after=self._output.temp.name) if self._log is not None else ""
        said = f"; ffmpeg's log ends:\n{tail}" if tail else "; ffmpeg wrote no log (anything it printed is above)"
        return RuntimeError(f"writing '{self.path}' failed: {reason}{said}")

    def _remove_log(self) -> None:
        if self._log is not None:
            self._log.remove()
            self._log = None


class _FfmpegLog:
    """A temp file that ffmpeg writes its log into (FFREPORT), because imageio-ffmpeg lets
    ffmpeg's stderr go straight to ours and never captures it."""

    def __init__(self) -> None:
        sweep_stale(tempfile.gettempdir())  # logs of killed runs
        fd, name = tempfile.mkstemp(prefix=f"cppn_motion-ffmpeg-{owner_tag()}", suffix=".log")
        os.close(fd)
        self.path = Path(name)
        self._delete = weakref.finalize(self, self.path.unlink, missing_ok=True)  # also if never removed

    def ffreport_value(self) -> str:
        # FFREPORT is 'key=value:key=value'; '%' starts a filename template, '\' escapes.
        escaped = str(self.path).replace("%", "%%")
        for char in "\\:'":
            escaped = escaped.replace(char, "\\" + char)
        return f"file={escaped}:level=24"  # 24 = warning

    def tail(self, after: str, lines: int = LOG_TAIL_LINES) -> str:
        """The last log lines, skipping the echoed command line (it ends with the output name
        and may hold long metadata)."""
        try:
            text = self.path.read_text(errors="replace")
        except OSError:
            return ""
        command_end = text.find(after)
        if command_end >= 0:
            line_end = text.find("\n", command_end)
            text = text[line_end + 1 :] if line_end >= 0 else ""
        kept = [line for line in text.splitlines() if line.strip()]
        return "\n".join(kept[-lines:])

    def remove(self) -> None:
        self._delete()


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """Set one environment variable for the duration of the block (child processes inherit it)."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _kill_encoder(encoder: Generator, process: subprocess.Popen | None, temp: Path) -> None:
    """Kill ffmpeg without letting it finish the file, wait for it to exit, delete the temp file."""
    try:
        encoder.throw(_Abandon())
    except _Abandon:
        pass
    if process is not None:
        process.wait()
    temp.unlink(missing_ok=True)


def ffmpeg_executable() -> str:
    """Path of the ffmpeg that imageio-ffmpeg will run, or OutputError saying how to get one."""
    override = os.environ.get("IMAGEIO_FFMPEG_EXE")
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as err:  # no bundled binary and none on PATH
        raise OutputError(f"mp4 needs ffmpeg, which was not found ({err}); "
                          "pip install imageio-ffmpeg, or write a .gif or .png") from None
    if override and not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise OutputError(f"mp4 needs ffmpeg: IMAGEIO_FFMPEG_EXE={override!r} is not an executable file; "
                          "fix or unset it")
    return exe


def _exit_status(process: subprocess.Popen | None) -> str:
    """'ffmpeg ended with status N' / 'ffmpeg was killed by SIGSEGV', once it has exited (waits 2 s)."""
    if process is None:
        return ""
    try:
        code = process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        return ""
    if code < 0:
        try:
            return f"ffmpeg was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"ffmpeg was killed by signal {-code}"
    return f"ffmpeg ended with status {code}"


def _ffmpeg_process(encoder: Generator) -> subprocess.Popen | None:
    """The ffmpeg Popen inside imageio-ffmpeg's suspended generator, for its exit code.

    imageio-ffmpeg never checks ffmpeg's exit status: if ffmpeg dies after a few
    small frames (they fit in the pipe buffer), close() returns as if all went well.
    The handle is a local of the generator, so this may find nothing in other versions.
    """
    frame = getattr(encoder, "gi_frame", None)
    process = frame.f_locals.get("p") if frame is not None else None
    return process if isinstance(process, subprocess.Popen) else None

