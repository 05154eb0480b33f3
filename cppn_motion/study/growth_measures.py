"""Does a growth animation read as one picture growing? Measures between its stages: rank
correlation of complexity with depth, blurred-luminance correlation and hue-histogram distance
of consecutive stages. Pure numpy on uint8 (H, W, 3) frames."""
from __future__ import annotations

import numpy as np

from cppn_motion.study.complexity import high_frequency_energy, mean_gradient

# Box blur side as a fraction of the frame height: keeps the composition (big shapes), drops
# the detail a new layer adds, so a picture that only gained folds still correlates highly.
BLUR_FRACTION = 1 / 12
HUE_BINS = 24
# Pixels with less chroma than this (0-1) have no meaningful hue and are left out.
MIN_CHROMA = 0.08
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 with ties sharing their mean rank."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    result = np.empty(len(values))
    result[order] = np.arange(len(values))
    for value in np.unique(values):
        tied = values == value
        result[tied] = result[tied].mean()
    return result


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (Pearson of the ranks); 0 when either side is constant."""
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def _box_blur(image: np.ndarray, k: int) -> np.ndarray:
    summed = np.pad(image, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return (summed[k:, k:] - summed[:-k, k:] - summed[k:, :-k] + summed[:-k, :-k]) / k**2


def blurred_luminance(frame: np.ndarray) -> np.ndarray:
    luma = frame[..., :3].astype(np.float64) @ _LUMA
    return _box_blur(luma, max(1, round(frame.shape[0] * BLUR_FRACTION)))


def luminance_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the two frames' box-blurred luminance (1: same composition)."""
    la, lb = blurred_luminance(a).ravel(), blurred_luminance(b).ravel()
    if la.std() == 0 or lb.std() == 0:
        return 1.0 if la.std() == lb.std() else 0.0
    return float(np.corrcoef(la, lb)[0, 1])


def hue_histogram(frame: np.ndarray) -> np.ndarray:
    """Chroma-weighted histogram of hue (HUE_BINS bins, sums to 1; all zeros for a grey frame)."""
    rgb = frame[..., :3].reshape(-1, 3).astype(np.float64) / 255.0
    high, low = rgb.max(axis=1), rgb.min(axis=1)
    chroma = high - low
    keep = chroma > MIN_CHROMA
    r, g, b = rgb[keep].T
    c, h = chroma[keep], high[keep]
    hue = np.where(h == r, ((g - b) / c) % 6, np.where(h == g, (b - r) / c + 2, (r - g) / c + 4)) / 6
    hist = np.bincount(np.minimum((hue * HUE_BINS).astype(int), HUE_BINS - 1), weights=c, minlength=HUE_BINS)
    total = hist.sum()
    return hist / total if total > 0 else hist


def hue_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Total-variation distance (0-1) between the frames' hue histograms: 0 = the same colours."""
    ha, hb = hue_histogram(a), hue_histogram(b)
    if ha.sum() == 0 or hb.sum() == 0:
        return 0.0 if ha.sum() == hb.sum() else 1.0
    return float(0.5 * np.abs(ha - hb).sum())


def growth_summary(frames: list[np.ndarray]) -> dict[str, float]:
    """For one growth (a frame per stage, shallow to deep): Spearman of mean gradient and of
    high-frequency energy against the stage index, and the mean over consecutive stages of the
    luminance correlation and hue distance."""
    depth = np.arange(len(frames))
    gradient = [mean_gradient(f) for f in frames]
    high = [high_frequency_energy(f) for f in frames]
    pairs = list(zip(frames[:-1], frames[1:]))
    return {
        "rho_gradient": spearman(depth, np.array(gradient)),
        "rho_high_freq": spearman(depth, np.array(high)),
        "luma_corr": float(np.mean([luminance_correlation(a, b) for a, b in pairs])),
        "luma_corr_min": float(np.min([luminance_correlation(a, b) for a, b in pairs])),
        "hue_dist": float(np.mean([hue_distance(a, b) for a, b in pairs])),
    }
