"""How complex is a rendered picture? Gradient, PNG size, spectral and linear-region metrics.

Pure computation on numpy arrays (Pillow only to measure a compressed PNG in memory).
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

__all__ = [
    "mean_gradient",
    "png_bits_per_pixel",
    "high_frequency_energy",
    "pattern_keys",
    "count_linear_regions",
    "count_connected_regions",
    "measure",
]

# Rec. 709 / sRGB luma weights (ITU-R BT.709-6, item 3.2), applied to the
# gamma-encoded values as video luma is; the sRGB primaries are the BT.709 ones.
_LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])

# Rows per block when hashing activation codes: bounds the temporary memory to
# about rows * W * words * 8 bytes whatever K is.
_HASH_BLOCK_PIXELS = 1 << 16


# --------------------------------------------------------------------------- images


def _as_image(image: np.ndarray) -> np.ndarray:
    """An (H, W) or (H, W, C) array as float64, values kept in the caller's 0-255 units."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) or (H, W, C) image, got shape {array.shape}")
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise TypeError(f"expected a uint8 or float image, got dtype {array.dtype}")
    # float64 before differencing: uint8 differences would wrap around.
    return array.astype(np.float64, copy=False)


def mean_gradient(image: np.ndarray) -> float:
    """Mean absolute gradient in 0-255 units per pixel step: mean|dx| + mean|dy|.

    dx and dy are forward differences between horizontally and vertically
    adjacent pixels; each mean runs over all of its pairs and all channels, and
    the two directions are *summed* (a ramp rising by s per column scores s; a
    1-pixel black/white checkerboard scores 255 + 255 = 510). Floats are read as
    0-255 values: scale a [0, 1] image by 255 first.

    This is the definition that reproduces the seed experiment (FIELD_NOTES
    section 1) on shared/seed/*.png, read as RGB:

    ==================  ======  ==========
    figure              here    FIELD_NOTES
    ==================  ======  ==========
    1conv_relu          0.845   0.84
    10conv_relu         2.997   3.00
    1conv_sigmoid       0.658   0.66
    10conv_sigmoid      2.267   2.27
    ==================  ======  ==========

    All four agree to the notes' two decimals (|error| <= 0.005). Rejected
    candidates: (|dx|+|dy|)/2 is exactly half the table; the Euclidean magnitude
    sqrt(dx^2+dy^2) gives 0.74 / 2.41 / 0.56 / 1.83; central differences
    (np.gradient) give 0.85 / 2.91 / 0.66 / 2.26; luma-only versions are further off.
    A direction with no pixel pairs (width or height 1) contributes 0.
    """
    pixels = _as_image(image)
    total = 0.0
    for axis in (0, 1):
        if pixels.shape[axis] > 1:
            total += float(np.abs(np.diff(pixels, axis=axis)).mean())
    return total


def _to_uint8(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {array.shape}")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    # Floats are 0-255 values; PNG stores 8-bit codes, so round to the nearest one.
    return np.clip(np.rint(_as_image(array)), 0, 255).astype(np.uint8)


def png_bits_per_pixel(image: np.ndarray) -> float:
    """Size in bits of the lossless PNG (Pillow, optimize=True) divided by H * W.

    A proxy for Kolmogorov complexity: smooth fields compress, detail does not.
    Uniform noise costs about 8 bits per channel, a flat image almost nothing.
    The PNG is built in memory; nothing touches the disk. Floats are rounded to
    8-bit codes (0-255 units).

    Re-encoding shared/seed/*.png (as RGB) this way gives 2.719 / 6.108 /
    2.003 / 3.726 bpp for 1conv_relu / 10conv_relu / 1conv_sigmoid /
    10conv_sigmoid against FIELD_NOTES' 2.72 / 6.11 / 2.00 / 3.73 (|error| <= 0.003).
    Without optimize=True the sizes are 3-26% larger, so the notes used it. The
    exact byte count depends on the zlib inside Pillow; expect drift of a few
    hundredths between builds.
    """
    pixels = _to_uint8(image)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return len(buffer.getvalue()) * 8.0 / (pixels.shape[0] * pixels.shape[1])


def _luminance(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return pixels
    if pixels.shape[2] < 3:
        raise ValueError(f"expected 1, 3 or 4 channels, got {pixels.shape[2]}")
    return pixels[:, :, :3] @ _LUMA_WEIGHTS  # alpha, if any, is ignored


def high_frequency_energy(image: np.ndarray, cutoff: float = 0.25, *, window: bool = True) -> float:
    """Share (0-1) of the luminance's spectral energy above `cutoff` x Nyquist, radially.

    The luma (BT.709 weights on the encoded values) has its mean removed, is
    multiplied by a 2-D Hann window and transformed with a 2-D FFT; the result
    is sum |F|^2 over frequencies with sqrt((fx/0.5)^2 + (fy/0.5)^2) > cutoff,
    divided by sum |F|^2 (fx, fy in cycles per pixel, Nyquist = 0.5). Corners
    of the spectrum reach sqrt(2) x Nyquist, so a 1-pixel checkerboard scores
    about 1.

    Why the window: the FFT treats the image as periodic, so without it the
    jump from the right edge back to the left looks like a sharp edge and a
    smooth ramp would score about 0.1 at the default cutoff; with it the ramp
    scores below 0.001. The window's mean is removed too (a weighted mean, so a
    flat image gives exactly 0, and 0 is returned when there is no energy at all).
    `window=False` is there for comparison only.

    Scale: CPPN pictures are smooth, so at the default cutoff they sit near the
    8-bit quantisation floor. On shared/seed/*.png (1conv_relu, 10conv_relu,
    1conv_sigmoid, 10conv_sigmoid) cutoff 0.25 gives 0.0004 / 0.0005 / 0.00003
    / 0.00006, while cutoff 0.05 separates depth clearly: 0.0028 / 0.018 /
    0.00003 / 0.024. Pick the cutoff for the pictures being compared.
    """
    if cutoff < 0:
        raise ValueError(f"cutoff must be >= 0 (a fraction of the Nyquist frequency), got {cutoff}")
    luma = _luminance(_as_image(image))
    height, width = luma.shape
    if window:
        weights = np.outer(np.hanning(height), np.hanning(width))
        if weights.sum() == 0:  # np.hanning(1) and (2) are all zeros
            weights = np.ones_like(luma)
    else:
        weights = np.ones_like(luma)
    centred = luma - (weights * luma).sum() / weights.sum()
    power = np.abs(np.fft.fft2(centred * weights)) ** 2
    total = power.sum()
    # Relative threshold: float rounding leaves ~1e-20 of "energy" in a flat image.
    if total <= 1e-12 * max(1.0, float((luma**2).sum())):
        return 0.0
    fy = np.fft.fftfreq(height)[:, None] / 0.5
    fx = np.fft.fftfreq(width)[None, :] / 0.5
    radius = np.sqrt(fy**2 + fx**2)
    return float(power[radius > cutoff].sum() / total)


# --------------------------------------------------------------------------- linear regions


def _splitmix64(words: np.ndarray) -> np.ndarray:
    """Steele, Lea & Flood's SplitMix64 finaliser (JDK 8 SplittableRandom): a bijection on uint64."""
    z = words.copy()
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _pattern_words(block: np.ndarray) -> np.ndarray:
    """(N, K) codes -> (N, M) uint64 words holding each row's bytes (bools packed 8 per byte)."""
    if block.dtype == bool:
        raw = np.packbits(block, axis=1)
    else:
        raw = np.ascontiguousarray(block).view(np.uint8).reshape(block.shape[0], -1)
    pad = (-raw.shape[1]) % 8
    if pad:
        raw = np.pad(raw, ((0, 0), (0, pad)))
    return np.ascontiguousarray(raw).view(np.uint64)


def pattern_keys(codes: np.ndarray) -> np.ndarray:
    """(H, W, K) activation codes -> (H, W) uint64 keys, equal exactly when patterns are equal.

    Each 64-bit word of a pattern is offset by its position (so order matters),
    scrambled by SplitMix64 and the results summed mod 2^64. Patterns differing
    in one word never collide (the scrambler is a bijection); otherwise a
    collision is a 2^-64 event per pair, negligible for a few million pixels.
    Bool codes are packed to bits first; integer codes are hashed by their bytes,
    so only identical values (and dtypes) match. (H, W) codes are treated as K = 1.
    """
    array = np.asarray(codes)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(f"expected (H, W, K) activation codes, got shape {array.shape}")
    if not (array.dtype == bool or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(f"expected bool or integer activation codes, got dtype {array.dtype}")
    height, width, units = array.shape
    flat = array.reshape(height * width, units)
    keys = np.empty(height * width, dtype=np.uint64)
    for start in range(0, flat.shape[0], _HASH_BLOCK_PIXELS):
        words = _pattern_words(flat[start : start + _HASH_BLOCK_PIXELS])
        # Golden-ratio increments (SplitMix64's gamma) give every word position its own offset.
        offsets = np.arange(1, words.shape[1] + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        keys[start : start + words.shape[0]] = _splitmix64(words + offsets).sum(axis=1, dtype=np.uint64)
    return keys.reshape(height, width)


def count_linear_regions(codes: np.ndarray) -> int:
    """Number of distinct activation patterns (which ReLU units are on) over all pixels.

    Each distinct pattern is one linear piece of the network's function, however
    many separate places it shows up in. See `pattern_keys` for accepted input.
    """
    return int(np.unique(pattern_keys(codes)).size)


def _equal_neighbour_edges(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat index pairs (u, v) of 4-neighbours with equal keys, u < v."""
    height, width = keys.shape
    index = np.arange(height * width).reshape(height, width)
    right = keys[:, :-1] == keys[:, 1:]
    down = keys[:-1, :] == keys[1:, :]
    u = np.concatenate([index[:, :-1][right], index[:-1, :][down]])
    v = np.concatenate([index[:, 1:][right], index[1:, :][down]])
    return u, v


def _compress(parent: np.ndarray) -> np.ndarray:
    """Pointer jumping until every node points at its root (log(depth) passes)."""
    while True:
        grandparent = parent[parent]
        if np.array_equal(grandparent, parent):
            return parent
        parent = grandparent


def _component_roots(size: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised union-find: hook the larger root under the smaller, compress, repeat.

    Roots only ever point to smaller indices, so no cycles form; each round
    merges every edge whose ends still have different roots at least once, and
    edges already inside one component are dropped, so the work shrinks fast
    (a handful of rounds on 512 x 512 images, even for long snaking regions).
    """
    parent = np.arange(size)
    while u.size:
        root_u, root_v = parent[u], parent[v]
        open_edges = root_u != root_v
        u, v = u[open_edges], v[open_edges]
        root_u, root_v = root_u[open_edges], root_v[open_edges]
        if not u.size:
            break
        # When several edges hook the same root, one assignment wins; the others
        # stay open and are merged in a later round.
        parent[np.maximum(root_u, root_v)] = np.minimum(root_u, root_v)
        parent = _compress(parent)
    return parent


def count_connected_regions(codes: np.ndarray) -> int:
    """Number of 4-connected regions of equal activation pattern.

    Unlike `count_linear_regions`, a pattern that appears in two separate
    places counts twice. Patterns are hashed to 64-bit keys (`pattern_keys`)
    and merged with a vectorised union-find: a 512 x 512 image with K = 1000
    units (bool) takes about 0.2 s on one CPU core.
    """
    keys = pattern_keys(codes)
    u, v = _equal_neighbour_edges(keys)
    roots = _component_roots(keys.size, u, v)
    return int(np.count_nonzero(roots == np.arange(keys.size)))


# --------------------------------------------------------------------------- summary


def measure(image: np.ndarray) -> dict[str, float]:
    """The image metrics in one dict: mean_gradient, png_bpp, high_freq_energy (default cutoff)."""
    return {
        "mean_gradient": mean_gradient(image),
        "png_bpp": png_bits_per_pixel(image),
        "high_freq_energy": high_frequency_energy(image),
    }
