"""Named video quality levels: one word for crf, encoder speed and pixel format together."""
from __future__ import annotations

from typing import NamedTuple


class Level(NamedTuple):
    crf: int
    x264_preset: str
    pix_fmt: str


# draft: fast previews. standard: crf 18 looks lossless and plays everywhere (the defaults).
# high: 10-bit 4:2:0 keeps smooth gradients at ~44 dB instead of ~42 dB for 8-bit
# (FIELD_NOTES 4) at a similar size. archival: 10-bit 4:4:4, full colour resolution, near
# lossless, for editing and re-encoding. 10-bit and 4:4:4 H.264 do not play in browsers or
# QuickTime (VLC, mpv, ffmpeg-based editors do); a WebM keeps 10-bit playable in Chrome/Firefox.
LEVELS: dict[str, Level] = {
    "draft": Level(28, "veryfast", "yuv420p"),
    "standard": Level(18, "medium", "yuv420p"),
    "high": Level(14, "slow", "yuv420p10le"),
    "archival": Level(8, "slower", "yuv444p10le"),
}
