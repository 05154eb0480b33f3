"""Every output records its preset (embedded and in a sidecar); `render --from` reproduces it."""
from __future__ import annotations

import numpy as np
import pytest
import yaml
from PIL import Image
from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.cli.main import main
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.recorded import recorded_preset
from cppn_motion.encoders.provenance import (
    parse_ffmetadata,
    read_recorded,
    sidecar_path,
)
from cppn_motion.rendering.hooks import Hooks

TINY = ["--size", "32x18", "--set", "timeline.frames=3", "--quiet"]


def gif_frames(path) -> np.ndarray:
    with Image.open(path) as image:
        frames = []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(np.asarray(image.convert("RGB")))
    return np.stack(frames)


def test_render_from_a_gif_or_its_sidecar_reproduces_identical_frames(tmp_path) -> None:
    first = tmp_path / "loop.gif"
    assert main(["render", "sin_waves", "-o", str(first), "--seed", "11", *TINY]) == 0
    sidecar = tmp_path / "loop.gif.yaml"
    text = sidecar.read_text()
    assert text.startswith(f"# made by cppn_motion {cm.__version__}")
    assert yaml.safe_load(text)["seed"] == 11  # the sidecar is itself a preset file
    for source in (first, sidecar):
        again = tmp_path / f"again-{source.suffix[1:]}.gif"
        assert main(["render", "--from", str(source), "-o", str(again), "--quiet"]) == 0
        assert np.array_equal(gif_frames(again), gif_frames(first))


@pytest.mark.parametrize("extension", ["mp4", "webm"])
def test_video_metadata_round_trips_to_the_same_preset_and_frames(tmp_path, extension) -> None:
    preset = tiny_preset(seed=4, net={"activation": "sin"}, output={"quality": "draft"})
    path = cm.render(preset, tmp_path / f"clip.{extension}", device="cpu")
    sidecar_path(path).unlink()  # the container's own metadata must suffice
    recovered, recorded = recorded_preset(path)
    assert preset_to_yaml(recovered) == preset_to_yaml(preset)
    assert recorded.kind == extension
    assert np.array_equal(cm.render_array(recovered, device="cpu"), cm.render_array(preset, device="cpu"))


def test_a_still_is_re_rendered_at_its_recorded_time_and_at_a_new_size(tmp_path) -> None:
    still = tmp_path / "still.png"
    assert main(["still", "default", "-o", str(still), "--time", "0.3", *TINY]) == 0
    assert read_recorded(still).time == pytest.approx(0.3)
    assert main(["render", "--from", str(still), "--quiet"]) == 0
    again = tmp_path / "still-rerender.png"  # beside the source, never over it
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(still)))
    assert main(["render", "--from", str(still), "--size", "64x36", "--quiet"]) == 0
    assert Image.open(tmp_path / "still-64x36.png").size == (64, 36)


def test_from_a_file_without_a_recorded_preset_is_one_line_exit_2(tmp_path, capsys) -> None:
    plain = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(plain)
    assert main(["render", "--from", str(plain), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no cppn_motion preset" in err
    assert main(["render", "ink", "--from", str(plain), "--quiet"]) == 2
    assert "give a preset or --from, not both" in capsys.readouterr().err


def test_no_sidecar_when_the_render_fails(tmp_path) -> None:
    def fail(done: int) -> None:
        if done:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        cm.render(tiny_preset(), tmp_path / "x.gif", device="cpu", hooks=Hooks(progress=fail))
    assert list(tmp_path.iterdir()) == []


def test_ffmetadata_unescapes_newlines_and_specials() -> None:
    text = ";FFMETADATA1\nkey=a\\=b\\;c\\#d\\\\e\\\nsecond line\nother=1\n[CHAPTER]\nx=y\n"
    assert parse_ffmetadata(text) == {"key": "a=b;c#d\\e\nsecond line", "other": "1"}


def test_a_frames_range_or_preview_is_re_rendered_as_it_was_not_as_the_whole_clip(tmp_path) -> None:
    args = ["render", "default", *TINY, "--set", "net.depth=3", "--set", "timeline.frames=8"]
    part, preview = tmp_path / "part.gif", tmp_path / "preview.gif"
    assert main([*args, "--frames-range", "3:7", "-o", str(part)]) == 0
    assert main([*args, "--preview", "-o", str(preview)]) == 0
    assert read_recorded(part).frames == range(3, 7) and "# frames of the clip: 3:7" in sidecar_path(part).read_text()
    for source in (part, preview, sidecar_path(preview)):
        again = tmp_path / f"again-{source.name}.gif"
        assert main(["render", "--from", str(source), "-o", str(again), "--quiet"]) == 0
        original = part if source == part else preview
        assert np.array_equal(gif_frames(again), gif_frames(original))
        with Image.open(again) as a, Image.open(original) as b:  # same timing too (a preview runs at fps/4)
            assert [a.seek(i) or a.info["duration"] for i in range(a.n_frames)] == \
                   [b.seek(i) or b.info["duration"] for i in range(b.n_frames)]
    # --frames-range still picks other frames of the recorded clip (a 30 fps GIF keeps every
    # other frame: output.gif_max_fps 15).
    assert main(["render", "--from", str(part), "--frames-range", "0:4", "-o", str(tmp_path / "two.gif"), "--quiet"]) == 0
    assert len(gif_frames(tmp_path / "two.gif")) == 2


def test_from_a_part_that_no_longer_fits_the_clip_is_one_line_exit_2(tmp_path, capsys) -> None:
    part = tmp_path / "part.gif"
    assert main(["render", "default", *TINY, "--set", "timeline.frames=8", "--frames-range", "5:8", "-o", str(part)]) == 0
    out = tmp_path / "again.gif"
    assert main(["render", "--from", str(part), "--frames", "4", "-o", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it holds frames 5:8 of its clip, which do not fit a 4-frame clip" in err
    assert not out.exists()
    assert main(["render", "--from", str(part), "--resume", "-o", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "(it holds part of a clip): not available with --shard, --resume" in err
    assert "use the sidecar as the preset: cppn-motion render" in err and err.count("\n") == 1


def test_a_still_from_one_file_of_a_sequence_is_that_frame(tmp_path) -> None:
    frames = tmp_path / "frames"
    assert main(["render", "default", *TINY, "--set", "timeline.frames=6", "-o", str(frames / "f_%04d.png"),
                 "--quiet"]) == 0
    still = tmp_path / "one.png"
    assert main(["render", "--from", str(frames / "f_0003.png"), "-o", str(still), "--quiet"]) == 0
    assert np.array_equal(np.asarray(Image.open(still)), np.asarray(Image.open(frames / "f_0003.png")))


def test_from_a_png_sequence_re_renders_the_sequence(tmp_path) -> None:
    frames = tmp_path / "frames"
    args = ["render", "default", *TINY, "--set", "timeline.frames=6"]
    assert main([*args, "--frames-range", "1:4", "-o", str(frames / "f_%04d.png")]) == 0
    for source in (frames / "f_0002.png", frames / "f_%04d.png.yaml", frames / "f_%04d.png"):
        for old in frames.glob("f-rerender*"):
            old.unlink()
        assert main(["render", "--from", str(source), "--quiet"]) == 0
        names = sorted(p.name for p in frames.glob("f-rerender*"))
        assert names == ["f-rerender_%04d.png.yaml"] + [f"f-rerender_{i:04d}.png" for i in (1, 2, 3)]
        for i in (1, 2, 3):
            assert np.array_equal(np.asarray(Image.open(frames / f"f-rerender_{i:04d}.png")),
                                  np.asarray(Image.open(frames / f"f_{i:04d}.png")))


def test_sidecar_names_are_unique_per_output(tmp_path) -> None:
    # clip_.mp4, 'clip .mp4' and clip%d.mp4 all wrote clip.mp4.yaml, so `render --from clip.mp4.yaml`
    # silently rendered a different clip; a still f.png and a sequence f_%04d.png shared f.png.yaml.
    names = ["clip.mp4", "clip_.mp4", "clip .mp4", "clip%d.mp4", "clip-.mp4", "f.png", "f_%04d.png", "f%03d.png"]
    sidecars = {sidecar_path(tmp_path / name) for name in names}
    assert len(sidecars) == len(names)
    assert sidecar_path(tmp_path / "clip_.mp4") == tmp_path / "clip_.mp4.yaml"


def test_a_sequence_sidecar_written_by_an_earlier_version_is_still_found(tmp_path) -> None:
    frames = tmp_path / "frames"
    assert main(["render", "default", *TINY, "--set", "timeline.frames=2", "-o", str(frames / "f_%04d.png")]) == 0
    (frames / "f_%04d.png.yaml").rename(frames / "f.png.yaml")  # the old name
    assert read_recorded(frames / "f_%04d.png").source == str(frames / "f.png.yaml")
