"""PNG writer: one frame, exact pixels, metadata in text chunks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cppn_motion.encoders import open_writer

WIDTH, HEIGHT = 64, 48


def frame(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def chunk_types(path: Path) -> list[bytes]:
    """The PNG's chunk types in file order (each chunk: 4-byte length, type, data, CRC)."""
    raw, position, types = path.read_bytes(), 8, []
    while position < len(raw):
        length = int.from_bytes(raw[position : position + 4], "big")
        types.append(raw[position + 4 : position + 8])
        position += 12 + length
    return types


def test_round_trip_keeps_pixels_and_text_chunks(tmp_path: Path) -> None:
    metadata = {
        "cppn_motion_config": "net:\n  layers: 8\n  act: 'tanh'  # a=b\n",
        "Title": "seed 7",
        "note": "grün → blau",  # not Latin-1: must go into an iTXt chunk
    }
    source = frame()
    path = tmp_path / "still.png"
    with open_writer(path, fps=30, size=(WIDTH, HEIGHT), metadata=metadata) as writer:
        writer.write(source[None])  # a batch of one works like a single frame
    with Image.open(path) as image:
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), source)
        assert image.text == metadata
    assert chunk_types(path).count(b"tEXt") == 2
    assert chunk_types(path).count(b"iTXt") == 1


def test_a_second_frame_is_refused_and_nothing_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "still.png"
    with pytest.raises(ValueError, match="a png holds one frame; got 2"):
        with open_writer(path, fps=30, size=(WIDTH, HEIGHT)) as writer:
            writer.write(frame(0))
            writer.write(frame(1))
    assert list(tmp_path.iterdir()) == []


def test_a_batch_of_two_is_refused(tmp_path: Path) -> None:
    with open_writer(tmp_path / "still.png", fps=30, size=(WIDTH, HEIGHT)) as writer:
        with pytest.raises(ValueError, match="a png holds one frame"):
            writer.write(np.stack([frame(0), frame(1)]))
        writer.write(frame(2))
    with Image.open(tmp_path / "still.png") as image:
        np.testing.assert_array_equal(np.asarray(image), frame(2))


def test_the_frame_is_copied_so_the_caller_may_reuse_its_buffer(tmp_path: Path) -> None:
    buffer = frame(0)
    with open_writer(tmp_path / "still.png", fps=30, size=(WIDTH, HEIGHT)) as writer:
        writer.write(buffer)
        buffer[:] = 0
    with Image.open(tmp_path / "still.png") as image:
        np.testing.assert_array_equal(np.asarray(image), frame(0))


@pytest.mark.parametrize("key", ["", "k" * 80, " padded", "schlüssel→"])
def test_keys_png_cannot_store_are_refused_up_front(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="metadata"):
        open_writer(tmp_path / "still.png", fps=30, size=(WIDTH, HEIGHT), metadata={key: "v"})
    assert list(tmp_path.iterdir()) == []
