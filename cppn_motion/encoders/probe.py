"""Read back what ffmpeg wrote before it replaces anything: ffmpeg exiting 0 is not proof of a
playable file (a full disk, a broken build or a wrapper script can leave 0 bytes or garbage)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

# Counting by stream copy reads the packets without decoding: ~0.1 s for a short clip, seconds
# for hours of 4K; past this something is wrong with ffmpeg itself.
PROBE_TIMEOUT_S = 300


def ffmpeg_url(path: Path | str) -> str:
    """`path` as ffmpeg must see it: 'file:' and absolute, so a name such as a:b.mp4 is a file,
    not the protocol 'a' ('Protocol not found' after the whole render)."""
    return f"file:{Path(path).absolute()}"


class UnreadableVideo(Exception):
    """The file is not a video ffmpeg can read back; the message says why in a few words."""


def count_video_frames(path: Path | str) -> int:
    """Frames in the first video stream of `path`, counted by stream copy (no decoding)."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", ffmpeg_url(path),
               "-map", "0:v:0", "-c", "copy", "-f", "null", "-"]
    try:
        result = subprocess.run(command, capture_output=True, timeout=PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise UnreadableVideo(f"ffmpeg could not read it back ({err})") from None
    log = result.stderr.decode(errors="replace").replace("\r", "\n")
    if result.returncode != 0:
        lines = [line.strip() for line in log.splitlines() if line.strip()]
        raise UnreadableVideo(f"not a readable video ({lines[-1] if lines else f'ffmpeg status {result.returncode}'})")
    # The last progress line reads 'frame=  123 fps=...'.
    counts = [line.split("frame=")[1].split()[0] for line in log.splitlines() if "frame=" in line]
    if not counts or not counts[-1].isdigit():
        raise UnreadableVideo("no video frames in it")
    return int(counts[-1])
