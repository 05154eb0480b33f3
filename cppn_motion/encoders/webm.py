"""WebM writer: VP9 at constant quality through the same ffmpeg pipeline as the MP4 writer."""
from __future__ import annotations

from cppn_motion.encoders.base import WRITERS
from cppn_motion.encoders.mp4 import Mp4Writer

# libvpx-vp9 -cpu-used per x264 preset name: 0 is slowest/best, 5 fast enough for drafts.
VP9_SPEED = {"ultrafast": 5, "superfast": 5, "veryfast": 4, "faster": 4, "fast": 3,
             "medium": 2, "slow": 1, "slower": 1, "veryslow": 0, "placebo": 0}
# x264's crf 18 and VP9's crf 31 are each codec's "visually lossless" point (VP9's scale
# runs to 63); the map keeps one quality knob meaning the same look in both formats.
CRF_TO_VP9 = 31 / 18


@WRITERS.register("webm")
class WebmWriter(Mp4Writer):
    """WebM (VP9, constant quality) via ffmpeg: plays in every current browser, smaller than H.264."""

    extension = "webm"
    codec = "libvpx-vp9"

    def _codec_params(self) -> list[str]:
        return [
            "-f", "webm",
            # -b:v 0 makes -crf a pure constant-quality target (otherwise it caps a default bitrate).
            "-crf", str(min(63, round(self.options.crf * CRF_TO_VP9))), "-b:v", "0",
            "-deadline", "good", "-cpu-used", str(VP9_SPEED[self.options.x264_preset]),
            "-row-mt", "1",  # rows in parallel: several times faster on multi-core machines
        ]
