"""RGB frames to BT.709 limited-range ("tv") YUV 4:2:0 planes, on whatever device rendered them.

The MP4 writer then hands ffmpeg raw yuv420p: half the pipe bytes of rgb24 and no swscale pass
(about 4 ms a 1080p frame a core, FIELD_NOTES 4). Pure torch: no files, no ffmpeg.
"""
from __future__ import annotations

import torch
from torch import Tensor

# BT.709 luma weights (Kr, Kb; Kg = 1 - Kr - Kb).
KR, KB = 0.2126, 0.0722
# Limited range: luma codes 16-235 (219 steps), chroma 16-240 (224 steps) around 128.
Y_OFFSET, Y_RANGE, C_OFFSET, C_RANGE = 16.0, 219.0, 128.0, 224.0
# Frames converted at once: the float temporaries (~20 B a pixel) then stay ~170 MB at 1080p
# whatever the batch, outside the renderer's per-batch memory budget (device.frames_per_batch).
FRAMES_PER_STEP = 4


def _matrix(device: torch.device) -> tuple[Tensor, Tensor]:
    """(3, 3) RGB in 0-255 -> (Y, Cb, Cr) codes, and the (3,) offsets, as float32."""
    kg = 1.0 - KR - KB
    luma = torch.tensor([KR, kg, KB], dtype=torch.float64)
    # Cb = (B - Y) / (2 (1 - Kb)), Cr = (R - Y) / (2 (1 - Kr)), each in [-0.5, 0.5].
    cb = (torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64) - luma) / (2 * (1 - KB))
    cr = (torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64) - luma) / (2 * (1 - KR))
    scale = torch.tensor([Y_RANGE, C_RANGE, C_RANGE], dtype=torch.float64)[:, None] / 255.0
    matrix = torch.stack([luma, cb, cr]) * scale
    offsets = torch.tensor([Y_OFFSET, C_OFFSET, C_OFFSET], dtype=torch.float64)
    return matrix.to(device, torch.float32), offsets.to(device, torch.float32)


def yuv420p_bytes(width: int, height: int) -> int:
    """Bytes of one yuv420p frame: a full-size luma plane and two quarter-size chroma planes."""
    return width * height + 2 * (width // 2) * (height // 2)


def rgb_to_yuv420p(frames: Tensor) -> Tensor:
    """uint8 RGB (B, H, W, 3), even H and W -> uint8 (B, H*W*3/2): each frame's Y, U and V
    planes back to back, exactly the bytes ffmpeg reads as rawvideo yuv420p.

    Chroma is the mean of each 2x2 block (sited at the block's centre), computed from the mean
    RGB: the matrix is linear, so averaging before or after it differs only in rounding. On a
    smooth frame this matches ffmpeg's own rgb24 -> yuv420p within a code (tests/test_yuv.py).
    """
    if frames.dtype != torch.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected uint8 frames (B, H, W, 3); got {frames.dtype} {tuple(frames.shape)}")
    batch, height, width, _ = frames.shape
    if height % 2 or width % 2:
        raise ValueError(f"yuv420p needs even width and height; got {width}x{height}")
    matrix, offsets = _matrix(frames.device)
    out = torch.empty(batch, yuv420p_bytes(width, height), dtype=torch.uint8, device=frames.device)
    for start in range(0, batch, FRAMES_PER_STEP):
        _convert(frames[start:start + FRAMES_PER_STEP], matrix, offsets, out[start:start + FRAMES_PER_STEP])
    return out


def _convert(frames: Tensor, matrix: Tensor, offsets: Tensor, out: Tensor) -> None:
    batch, height, width, _ = frames.shape
    luma_size, chroma_size = height * width, (height // 2) * (width // 2)
    rgb = frames.to(torch.float32)
    # Luma per pixel. round-half-up via floor(x + 0.5): x is positive, and it is what swscale's
    # fixed-point arithmetic does.
    luma = torch.matmul(rgb, matrix[0]).add_(offsets[0] + 0.5).floor_()
    out[:, :luma_size] = luma.view(batch, luma_size).to(torch.uint8)
    # Chroma from the 2x2 block means of R, G and B.
    blocks = rgb.view(batch, height // 2, 2, width // 2, 2, 3).mean(dim=(2, 4))
    chroma = torch.matmul(blocks, matrix[1:].T).add_(offsets[1:] + 0.5).floor_().clamp_(0, 255)
    chroma = chroma.to(torch.uint8).permute(0, 3, 1, 2).reshape(batch, 2, chroma_size)
    out[:, luma_size:luma_size + chroma_size] = chroma[:, 0]
    out[:, luma_size + chroma_size:] = chroma[:, 1]
