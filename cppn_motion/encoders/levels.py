"""Named video quality levels: one word for crf, encoder speed and pixel format together."""
from __future__ import annotations

from typing import NamedTuple


class Level(NamedTuple):
    crf: int
    x264_preset: str
    pix_fmt: str


# draft: fast previews. standard: crf 18 looks lossless and plays everywhere (the defaults).
# high: 4:4:4, because chroma subsampling, not bit depth, limits CPPN colour gradients:
# bench/dither_study.py measured 41.5 dB (yuv420p), 41.2 dB (yuv420p10le) and ~51 dB with
# 4:4:4 on the default clip. archival: 10-bit 4:4:4 near lossless, for editing and
# re-encoding. 4:4:4 and 10-bit H.264 do not play in browsers or QuickTime (VLC, mpv,
# ffmpeg-based editors do); as WebM (VP9 profiles 1-3) Chrome and Firefox play them.
LEVELS: dict[str, Level] = {
    "draft": Level(28, "veryfast", "yuv420p"),
    "standard": Level(18, "medium", "yuv420p"),
    "high": Level(14, "slow", "yuv444p"),
    "archival": Level(8, "slower", "yuv444p10le"),
}
