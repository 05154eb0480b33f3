"""Validation found by auditing bad input: each case is one clear line, never a traceback."""
from __future__ import annotations

import pytest
import torch
from tiny import tiny_preset

from cppn_motion.cli.main import main
from cppn_motion.config.presets import load_preset, parse_set, parse_yaml
from cppn_motion.errors import ConfigError, UserError
from cppn_motion.rendering.budget import check_memory, estimate
from cppn_motion.rendering.device import resolve_device


def test_yaml_12_floats_and_hex_colours_in_set():
    assert parse_set("canvas.scale=1e-3") == ("canvas.scale", 0.001)
    assert parse_set("latent.scale=2E2") == ("latent.scale", 200.0)
    assert parse_set("colour.palette=#ffffff") == ("colour.palette", "#ffffff")
    assert load_preset("default", ["canvas.scale=1e-3"]).canvas.scale == 0.001
    # Plain YAML 1.1 forms are unchanged.
    assert parse_yaml("a: 12\nb: 1.5\nc: '1e3'\nd: 0x10\n", "t") == {"a": 12, "b": 1.5, "c": "1e3", "d": 16}


def test_yaml_merge_keys_may_override_without_a_duplicate_error():
    data = parse_yaml("base: &b {depth: 3}\nnet:\n  <<: *b\n  depth: 4\n", "t")
    assert data["net"] == {"depth": 4}


@pytest.mark.parametrize("override, message", [
    ("canvas.scale=.nan", r"canvas\.scale: input should be a finite number; got nan"),
    ("timeline.fps=-.inf", r"timeline\.fps: input should be a finite number; got -inf"),
    ("net.depth=on", r"net\.depth: input should be a valid integer; got true \(a boolean, not a number\)"),
    ("timeline.latent=3", r"timeline\.latent: expected a section of keys"),
])
def test_bad_overrides(override, message):
    with pytest.raises(ConfigError, match=message):
        load_preset("default", [override])


def test_a_folder_given_as_preset(tmp_path):
    (tmp_path / "p.yaml").mkdir()
    with pytest.raises(UserError, match=r"is a folder; give a \.yaml file"):
        load_preset(str(tmp_path / "p.yaml"))


def test_a_section_that_is_a_value_in_the_file_is_reported_against_the_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("canvas: 5\n")
    with pytest.raises(ConfigError, match=r"p\.yaml: canvas: expected a section of keys.*got 5"):
        load_preset(str(path), {"canvas.width": 64})


def test_an_empty_preset_file_means_all_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing changed\n")
    from cppn_motion.config.schema import Preset
    assert load_preset(str(path)) == Preset()


@pytest.mark.parametrize("name, message", [
    ("cuda:x", r"expected one of auto, cpu, cuda, mps"),
    ("cpu:0", r"expected one of auto, cpu, cuda, mps"),
    ("gpu", r"expected one of auto, cpu, cuda, mps"),
])
def test_malformed_devices(name, message):
    with pytest.raises(UserError, match=message):
        resolve_device(name)


def test_memory_estimate_refuses_with_numbers():
    preset = tiny_preset(canvas={"width": 8192, "height": 8192})
    need = estimate(preset, "mp4")
    assert 4 * 2**30 < need.total < 7 * 2**30  # ~5.4 GiB: coordinates 1.3, one frame 4.1
    with pytest.raises(UserError, match=r"8192x8192 mp4 needs about 5\.\d GiB of memory \(coordinates .*"
                                        r"but only 1\.0 GiB is free on cpu; use a smaller --size"):
        check_memory(preset, "mp4", torch.device("cpu"), free=2**30)
    assert check_memory(preset, "mp4", torch.device("cpu"), free=2**34).total == need.total


def test_a_long_gif_is_refused_for_its_frames_with_a_hint():
    preset = tiny_preset(canvas={"width": 1920, "height": 1080}, timeline={"frames": 2000})
    with pytest.raises(UserError, match=r"gif frames 3\.9 GiB.*write an \.mp4 instead"):
        check_memory(preset, "gif", torch.device("cpu"), free=2**32)
    check_memory(preset, "mp4", torch.device("cpu"), free=2**32)


def test_an_mp4_larger_than_ffmpeg_allows_is_refused_before_rendering(tmp_path, capsys):
    assert main(["render", "--size", "16384x16384", "-o", str(tmp_path / "x.mp4"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "memory" in err or "too large for ffmpeg" in err
    assert not any(tmp_path.iterdir())
