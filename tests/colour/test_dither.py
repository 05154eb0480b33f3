"""MP4 dither: keeps the mean colour, stays within a code, is deterministic and batch-independent."""
from __future__ import annotations

import torch

from cppn_motion.colour.dither import NOISE_TABLE_SIZE, dither_quantize, dither_rows, frame_keys


def test_dither_keeps_the_mean_colour_where_rounding_loses_it() -> None:
    # A flat field a third of a code above 100: rounding gives exactly 100 everywhere (a band),
    # dithered codes average back to the true value.
    value = (100 + 1 / 3) / 255
    rgb = torch.full((2, 64, 64, 3), value)
    codes = dither_quantize(rgb, torch.tensor([0.0, 0.5], dtype=torch.float64), seed=3).double()
    assert abs(codes.mean().item() - (100 + 1 / 3)) < 0.02
    assert set(codes.unique().tolist()) <= {99.0, 100.0, 101.0}  # never more than a code of noise
    plain = torch.round(rgb * 255)
    assert plain.mean().item() == 100.0


def test_dither_keeps_the_mean_of_a_smooth_gradient_per_column() -> None:
    ramp = torch.linspace(0.2, 0.3, 128).view(1, 1, 128, 1).expand(1, 256, 128, 3).contiguous()
    codes = dither_quantize(ramp, torch.tensor([0.25], dtype=torch.float64), seed=0).double()
    error = codes.mean(dim=(0, 1, 3)) - ramp[0, 0, :, 0].double() * 255
    assert error.abs().max().item() < 0.1  # 768 samples a column: noise averages out


def test_dither_is_deterministic_per_frame_and_batch_independent() -> None:
    rgb = torch.rand(3, 8, 10, 3, generator=torch.Generator().manual_seed(1))
    phases = torch.tensor([0.0, 1 / 3, 2 / 3], dtype=torch.float64)
    together = dither_quantize(rgb, phases, seed=5)
    apart = torch.cat([dither_quantize(rgb[i:i + 1], phases[i:i + 1], seed=5) for i in range(3)])
    assert torch.equal(together, apart)
    assert torch.equal(together, dither_quantize(rgb, phases, seed=5))
    assert not torch.equal(together[0], dither_quantize(rgb[:1], phases[:1], seed=6)[0])  # the seed matters
    # Different frames get different noise (static noise would read as a dirty screen).
    flat = torch.full((2, 8, 10, 3), 0.5)
    two = dither_quantize(flat, phases[:2], seed=5)
    assert not torch.equal(two[0], two[1])


def test_chunks_of_a_frame_longer_than_the_noise_table_get_the_whole_frames_codes() -> None:
    # 200,000 pixels x 3 channels wrap the table once: chunk by chunk (as the CPU workers dither)
    # must read exactly the samples the whole frame reads, wrap included.
    pixels = 200_000
    assert pixels * 3 > NOISE_TABLE_SIZE
    rgb = torch.rand(2, pixels, 3, generator=torch.Generator().manual_seed(4))
    keys = frame_keys(torch.tensor([0.1, 0.6], dtype=torch.float64), seed=9)
    whole = dither_rows(rgb, keys)
    step = 8192
    chunked = torch.cat([dither_rows(rgb[:, start:start + step], keys, start) for start in range(0, pixels, step)], dim=1)
    assert torch.equal(whole, chunked)
    assert (whole.double() - rgb.double() * 255).abs().max() < 1.5  # never more than a code of noise (+ rounding)
