"""Complexity metrics on synthetic images with known answers, and on the seed figures."""
from __future__ import annotations

import functools
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from cppn_motion.study.complexity import (
    count_connected_regions,
    count_linear_regions,
    high_frequency_energy,
    mean_gradient,
    measure,
    pattern_keys,
    png_bits_per_pixel,
)

SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seed"

# FIELD_NOTES section 1: (mean gradient, PNG bpp) per seed figure.
FIELD_NOTES = {
    "1conv_relu": (0.84, 2.72),
    "10conv_relu": (3.00, 6.11),
    "1conv_sigmoid": (0.66, 2.00),
    "10conv_sigmoid": (2.27, 3.73),
}


def _grid(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:size, 0:size]
    return rows.astype(np.float64), cols.astype(np.float64)


def _checkerboard(size: int = 64) -> np.ndarray:
    rows, cols = _grid(size)
    return ((rows + cols) % 2 * 255).astype(np.uint8)


# --------------------------------------------------------------------------- gradient


def test_flat_image_has_zero_gradient_and_no_high_frequencies() -> None:
    flat = np.full((48, 64, 3), 77, dtype=np.uint8)
    assert mean_gradient(flat) == 0.0
    assert high_frequency_energy(flat) == 0.0


def test_ramp_gradient_is_its_slope() -> None:
    rows, cols = _grid()
    assert mean_gradient(3 * cols) == pytest.approx(3.0, abs=1e-12)
    assert mean_gradient(2 * cols + 5 * rows) == pytest.approx(7.0, abs=1e-12)
    # Same answer for every channel, and for uint8.
    rgb = np.repeat((3 * cols)[:, :, None], 3, axis=2).astype(np.uint8)
    assert mean_gradient(rgb) == pytest.approx(3.0, abs=1e-12)


def test_uint8_differences_do_not_wrap_around() -> None:
    descending = np.tile(np.arange(255, 0, -5, dtype=np.uint8), (4, 1))
    assert mean_gradient(descending) == pytest.approx(5.0)


def test_checkerboard_gradient_is_255_per_direction() -> None:
    # |dx| = |dy| = 255 everywhere; the two directions are summed.
    assert mean_gradient(_checkerboard()) == pytest.approx(510.0)


def test_single_row_image_counts_only_horizontal_steps() -> None:
    assert mean_gradient(np.array([[0.0, 10.0, 20.0]])) == pytest.approx(10.0)


def test_bad_shapes_and_dtypes_are_rejected() -> None:
    with pytest.raises(ValueError, match="expected an"):
        mean_gradient(np.zeros(5))
    with pytest.raises(TypeError, match="dtype"):
        mean_gradient(np.zeros((4, 4), dtype=bool))


# --------------------------------------------------------------------------- PNG


def test_png_flat_image_is_tiny_and_noise_costs_eight_bits_per_channel() -> None:
    rng = np.random.default_rng(0)
    assert png_bits_per_pixel(np.full((128, 128, 3), 200, dtype=np.uint8)) < 0.2
    noise_rgb = rng.integers(0, 256, (128, 128, 3), dtype=np.uint8)
    noise_grey = rng.integers(0, 256, (128, 128), dtype=np.uint8)
    assert 24.0 <= png_bits_per_pixel(noise_rgb) < 24.5
    assert 8.0 <= png_bits_per_pixel(noise_grey) < 8.5


def test_png_float_image_is_rounded_to_uint8_codes() -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert png_bits_per_pixel(codes.astype(np.float32) + 0.2) == png_bits_per_pixel(codes)


# --------------------------------------------------------------------------- spectrum


def test_smooth_ramp_has_no_high_frequencies_thanks_to_the_window() -> None:
    rows, cols = _grid(128)
    ramp = 255 * (rows + cols) / 254
    assert high_frequency_energy(ramp) < 1e-3
    # Without the window the wrap-around jump counts as an edge.
    assert high_frequency_energy(ramp, window=False) > 10 * high_frequency_energy(ramp)


def test_checkerboard_is_all_high_frequency() -> None:
    assert high_frequency_energy(_checkerboard()) > 0.99
    # The Hann window spreads the corner peak over +-1 bin, i.e. down to radius ~1.37.
    assert high_frequency_energy(_checkerboard(), cutoff=1.3) > 0.99


def test_high_frequency_energy_grows_with_detail_and_stays_in_unit_range() -> None:
    rng = np.random.default_rng(2)
    rows, cols = _grid(64)
    smooth = 128 + 100 * np.sin(2 * np.pi * cols / 64)
    noise = rng.normal(128, 40, (64, 64))
    low, high = high_frequency_energy(smooth), high_frequency_energy(noise)
    assert 0.0 <= low < 0.01 < 0.8 < high <= 1.0
    assert high_frequency_energy(noise, cutoff=0.0) == pytest.approx(1.0, abs=1e-3)


def test_negative_cutoff_is_rejected() -> None:
    with pytest.raises(ValueError, match="cutoff must be >= 0"):
        high_frequency_energy(np.zeros((8, 8)), cutoff=-0.1)


def test_measure_returns_the_three_metrics() -> None:
    result = measure(_checkerboard())
    assert set(result) == {"mean_gradient", "png_bpp", "high_freq_energy"}
    assert all(isinstance(value, float) for value in result.values())
    assert result["mean_gradient"] == pytest.approx(510.0)


# --------------------------------------------------------------------------- regions


def _two_blobs_of_one_pattern() -> np.ndarray:
    """Pattern A on a background B, in two separate squares: 2 patterns, 3 regions."""
    codes = np.zeros((12, 12, 3), dtype=bool)
    codes[..., 0] = True  # background pattern B = (1, 0, 0)
    for top, left in ((1, 1), (7, 7)):
        codes[top : top + 3, left : left + 3] = (False, True, True)  # pattern A
    return codes


def test_two_halves_are_two_regions() -> None:
    codes = np.zeros((8, 10, 4), dtype=bool)
    codes[:, 5:, 2] = True
    assert count_linear_regions(codes) == 2
    assert count_connected_regions(codes) == 2


def test_repeated_pattern_counts_once_as_pattern_twice_as_region() -> None:
    codes = _two_blobs_of_one_pattern()
    assert count_linear_regions(codes) == 2
    assert count_connected_regions(codes) == 3


def test_diagonal_neighbours_are_not_connected() -> None:
    codes = np.array([[1, 0], [0, 1]], dtype=np.int8)[:, :, None]
    assert count_linear_regions(codes) == 2
    assert count_connected_regions(codes) == 4


def test_int_codes_match_bool_codes_and_2d_labels_are_accepted() -> None:
    codes = _two_blobs_of_one_pattern()
    assert count_connected_regions(codes.astype(np.int32)) == 3
    labels = codes.astype(np.uint8) @ np.array([1, 2, 4], dtype=np.uint8)
    assert count_linear_regions(labels) == 2
    assert count_connected_regions(labels) == 3


def test_pattern_keys_depend_on_unit_order_and_every_bit() -> None:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2, 300).astype(bool)
    variants = [base, base[::-1], np.roll(base, 1)]
    for bit in range(0, 300, 37):
        flipped = base.copy()
        flipped[bit] ^= True
        variants.append(flipped)
    keys = pattern_keys(np.stack(variants)[None])
    assert np.unique(keys).size == len(variants)


def _flood_fill_count(labels: np.ndarray) -> int:
    """Reference: breadth-first flood fill over 4-neighbours, one pixel at a time."""
    height, width = labels.shape
    seen = np.zeros(labels.shape, dtype=bool)
    regions = 0
    for start in np.ndindex(height, width):
        if seen[start]:
            continue
        regions += 1
        seen[start] = True
        queue = deque([start])
        while queue:
            row, col = queue.popleft()
            for nr, nc in ((row + 1, col), (row - 1, col), (row, col + 1), (row, col - 1)):
                inside = 0 <= nr < height and 0 <= nc < width
                if inside and not seen[nr, nc] and labels[nr, nc] == labels[row, col]:
                    seen[nr, nc] = True
                    queue.append((nr, nc))
    return regions


@pytest.mark.parametrize("seed", range(4))
def test_connected_regions_agree_with_a_flood_fill(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Few units on a coarse grid, upsampled: blobs of varied shape that touch and repeat.
    coarse = rng.integers(0, 2, (8, 8, 2)).astype(bool)
    codes = np.kron(coarse, np.ones((3, 4, 1), dtype=bool))[:23, :30]
    labels = codes[..., 0].astype(int) + 2 * codes[..., 1]
    assert count_connected_regions(codes) == _flood_fill_count(labels)
    assert count_linear_regions(codes) == np.unique(labels).size


def test_snaking_region_is_one_region() -> None:
    # Rows of 0 joined at alternating ends into one long snake; each row of 1 is cut off.
    size = 64
    labels = np.zeros((size, size), dtype=np.int64)
    for row in range(1, size, 2):
        labels[row] = 1
        labels[row, -1 if (row // 2) % 2 == 0 else 0] = 0
    assert count_connected_regions(labels) == 1 + size // 2


def test_relu_layer_regions_at_full_size() -> None:
    """A 128-unit ReLU layer on 512 x 512 coordinates; a crop is checked exactly."""
    rng = np.random.default_rng(4)
    units = 128
    axis = np.linspace(-1, 1, 512, dtype=np.float32)[:, None, None]
    weights = rng.normal(size=(2, units)).astype(np.float32)
    bias = rng.normal(scale=0.5, size=units).astype(np.float32)
    # Broadcast instead of a (H*W, 2) @ (2, K) matmul, which numpy runs slowly.
    codes = (axis * weights[0] + bias) + axis.transpose(1, 0, 2) * weights[1] > 0
    distinct, connected = count_linear_regions(codes), count_connected_regions(codes)
    # Lines cut the plane into convex cells, but a cell thinner than a pixel that
    # runs diagonally falls apart into several 4-connected pieces.
    assert 1000 < distinct <= connected

    crop = codes[200:264, 300:364]
    _, labels = np.unique(crop.reshape(-1, units), axis=0, return_inverse=True)  # exact, no hashing
    labels = labels.reshape(crop.shape[:2])
    assert count_linear_regions(crop) == labels.max() + 1
    assert count_connected_regions(crop) == _flood_fill_count(labels)


# --------------------------------------------------------------------------- seed figures


@functools.lru_cache(maxsize=None)
def _load_seed(name: str) -> np.ndarray:
    from PIL import Image

    path = SEED_DIR / f"{name}.png"
    if not path.exists():
        pytest.skip(f"seed figure {path} not available")
    return np.asarray(Image.open(path).convert("RGB"))


def test_deep_relu_net_is_more_than_2_5_times_as_rough_as_shallow() -> None:
    ratio = mean_gradient(_load_seed("10conv_relu")) / mean_gradient(_load_seed("1conv_relu"))
    assert ratio > 2.5


@pytest.mark.parametrize("name", sorted(FIELD_NOTES))
def test_seed_figures_reproduce_field_notes(name: str) -> None:
    gradient, bpp = FIELD_NOTES[name]
    image = _load_seed(name)
    assert mean_gradient(image) == pytest.approx(gradient, abs=0.006)
    # PNG size depends on Pillow's zlib build: allow a little drift.
    assert png_bits_per_pixel(image) == pytest.approx(bpp, abs=0.05)
