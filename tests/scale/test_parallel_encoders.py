"""Parallel segment encoders (--encoders): planning, routing, and the joined MP4 against a
single-encoder render: exact frame count and timestamps, same tags, no leftovers after Ctrl-C."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.main import main
from cppn_motion.errors import UserError
from cppn_motion.rendering.hooks import Hooks
from cppn_motion.rendering.host_copy import HostBatch
from cppn_motion.scale.parallel_encode import (
    MAX_AUTO_ENCODERS,
    parse_encoders,
    resolve_encoders,
    round_robin_order,
    route,
)
from cppn_motion.scale.plan import split_frames
from cppn_motion.scale.segment_files import FFMPEG_OWN_TAGS, read_metadata

CLI = ["--size", "32x18", "--quiet", "--device", "cpu"]


@pytest.mark.parametrize("text, expected", [("auto", None), ("AUTO", None), ("1", 1), ("8", 8)])
def test_parse_encoders(text, expected):
    assert parse_encoders(text) == expected


@pytest.mark.parametrize("text", ["0", "-2", "x", "2.5", "65", ""])
def test_bad_encoder_counts_are_one_clear_line(text):
    with pytest.raises(UserError, match=rf"--encoders: expected auto or a whole number from 1 to 64; got '{text}'"):
        parse_encoders(text)


def test_auto_is_one_encoder_on_small_machines_and_cpu_renders():
    assert resolve_encoders(None, kind="mp4", frames=10_000, device_type="cpu", cores=2) == 1
    assert resolve_encoders(None, kind="mp4", frames=10_000, device_type="cuda", cores=4) == 1
    assert resolve_encoders(None, kind="mp4", frames=10_000, device_type="cpu", cores=64) == 1  # the net is the bottleneck
    assert resolve_encoders(None, kind="mp4", frames=10_000, device_type="cuda", cores=16) == MAX_AUTO_ENCODERS
    assert resolve_encoders(None, kind="mp4", frames=300, device_type="cuda", cores=16) == 2  # short clip: few
    assert resolve_encoders(None, kind="gif", frames=10_000, device_type="cuda", cores=16) == 1


def test_explicit_counts_are_honoured_for_mp4_only():
    assert resolve_encoders(4, kind="mp4", frames=100, device_type="cpu", cores=2) == 4
    assert resolve_encoders(9, kind="mp4", frames=3, device_type="cpu", cores=2) == 3  # never an empty segment
    assert resolve_encoders(1, kind="gif", frames=100, device_type="cpu", cores=2) == 1
    with pytest.raises(UserError, match=r"--encoders: parallel encoders write .mp4 only; got 3 for a .gif output"):
        resolve_encoders(3, kind="gif", frames=100, device_type="cpu", cores=2)


def test_round_robin_keeps_each_segment_in_order_and_covers_every_frame():
    segments = split_frames(23, 3)
    order = round_robin_order(segments, 4)
    assert sorted(order) == list(range(23))
    assert order[:12] == [0, 1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 18]  # a batch of each in turn
    for segment in segments:
        mine = [i for i in order if segment.start <= i < segment.stop]
        assert mine == list(segment.indices)


def test_batches_spanning_segments_are_split():
    segments = split_frames(6, 3)  # [0,2) [2,4) [4,6)
    batch = HostBatch([1, 2, 3, 4], np.arange(4).reshape(4, 1))
    routed = [(owner, part.indices, part.array[:, 0].tolist()) for owner, part in route([batch], segments)]
    assert routed == [(0, [1], [0]), (1, [2, 3], [1, 2]), (2, [4], [3])]


def packets(path: Path) -> list[tuple[int, int]]:
    """(pts, duration) of every video packet, by stream copy."""
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy",
                          "-f", "framecrc", "-"], capture_output=True, check=True).stdout.decode()
    rows = [line.split(",") for line in out.splitlines() if not line.startswith("#")]
    return sorted((int(row[2]), int(row[3])) for row in rows)


def decoded(path: Path) -> np.ndarray:
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    return np.stack([np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader]).astype(np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a - b) ** 2)))


def stream_line(path: Path) -> str:
    err = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True).stderr
    line = next(line for line in err.decode().splitlines() if "Video:" in line)
    return line.split("Video:")[1].split(" kb/s")[0].rsplit(",", 1)[0]


@pytest.mark.parametrize("device_yuv", [False, True])
def test_joined_segments_match_a_single_encoder(tmp_path, device_yuv):
    preset = tiny_preset(canvas={"width": 64, "height": 36}, timeline={"frames": 25, "fps": 24})
    single = cm.render(preset, tmp_path / "single.mp4", device="cpu", tuning=cm.Tuning(encoders=1, device_yuv=device_yuv))
    joined = cm.render(preset, tmp_path / "joined.mp4", device="cpu",
                       tuning=cm.Tuning(encoders=3, batch_size=2, device_yuv=device_yuv))
    assert imageio_ffmpeg.count_frames_and_secs(str(joined)) == imageio_ffmpeg.count_frames_and_secs(str(single))
    assert packets(joined) == packets(single)  # identical timestamps: the joins keep the frame grid
    assert stream_line(joined) == stream_line(single)  # profile, yuv420p, tv range, BT.709 tags, size
    ours = {key: value for key, value in read_metadata(single).items() if key not in FFMPEG_OWN_TAGS}
    assert ours and {key: value for key, value in read_metadata(joined).items() if key not in FFMPEG_OWN_TAGS} == ours
    source = cm.render_array(preset, device="cpu").astype(np.float64)
    a, b = decoded(single), decoded(joined)
    # Measured at this size: 34.9 dB between the two, each 26.2 dB from the source; no frame at a
    # join (8, 16) is worse than the rest.
    assert psnr(a, b) > 30
    per_frame = [psnr(frame, original) for frame, original in zip(b, source)]
    assert min(per_frame[7:10] + per_frame[15:18]) > np.median(per_frame) - 2
    assert abs(psnr(b, source) - psnr(a, source)) < 1
    # Only the outputs and their sidecars remain: segment folder and temp files are gone.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["joined.mp4", "joined.mp4.yaml", "single.mp4",
                                                          "single.mp4.yaml"]
    assert (tmp_path / "joined.mp4.yaml").read_text() == (tmp_path / "single.mp4.yaml").read_text()


def ffmpeg_children() -> list[int]:
    """Our child processes that are ffmpeg (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if int(rest.split()[1]) == os.getpid() and "ffmpeg" in name:
            found.append(int(entry))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_kills_every_encoder_and_leaves_nothing(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"earlier")
    seen = [0]

    def interrupt(done: int) -> None:
        seen[0] += done
        if seen[0] >= 9:
            raise KeyboardInterrupt

    preset = tiny_preset(timeline={"frames": 24})
    with pytest.raises(KeyboardInterrupt):
        cm.render(preset, tmp_path / "clip.mp4", device="cpu", tuning=cm.Tuning(encoders=3, batch_size=2),
                  hooks=Hooks(progress=interrupt))
    assert (tmp_path / "clip.mp4").read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]
    assert ffmpeg_children() == []


def test_cli_flag(tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    assert main(["render", "-o", str(out), *CLI, "--frames", "8", "--encoders", "2"]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8
    for bad, message in [(["--encoders", "0"], "--encoders: expected auto or a whole number from 1 to 64; got '0'"),
                         (["--encoders", "2", "-o", str(tmp_path / "a.gif")], "parallel encoders write .mp4 only"),
                         (["--encoders", "2", "--resume"], "--encoders 2: not with --shard/--resume"),
                         (["--encoders", "2", "--report"], "--encoders 2: not with --report")]:
        capsys.readouterr()
        args = ["render", "-o", str(tmp_path / "b.mp4"), *CLI, "--frames", "4", *bad]
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "clip.mp4.yaml"]
