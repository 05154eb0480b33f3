"""A fused Triton kernel for the per-pixel MLP: every layer of many pixels of one frame
per program, in registers, fp16 dot products with fp32 accumulation, an fp32 output
layer, and optionally the colour stage (calibration folded into the head) to uint8.
Used on CUDA when triton imports and the net is covered; the torch path is the reference."""
from __future__ import annotations

import os

import torch
from torch import Tensor

try:  # triton is an optional extra ("gpu"); CPU-only installs never need it
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the environment
    triton = None
    tl = None

# Activation codes the kernel knows (a constexpr switch); anything else uses torch.
ACTIVATION_CODES = {"identity": 0, "tanh": 1, "sigmoid": 2, "relu": 3, "leaky_relu": 4, "sin": 5,
                    "cos": 6, "gaussian": 7, "abs": 8}

# Pixels per program: 128 rows x 32 fp32 channels is 16 KB of registers per program,
# the size that kept the H100 tensor cores fed in FIELD_NOTES section 3's measurement.
BLOCK_PIXELS = 128
# tl.dot needs every dimension >= 16: narrower layers and the 3-channel head are zero-padded.
MIN_DOT = 16


def available() -> bool:
    return triton is not None


def interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET") == "1"


def covers(activation_names: list[str], shared_weights: bool, coords: Tensor) -> bool:
    """Whether the kernel can evaluate this net (else the torch path does)."""
    if triton is None or not shared_weights or coords.dim() != 2:
        return False
    if coords.device.type != "cuda" and not interpreting():
        return False
    return len(set(activation_names)) == 1 and activation_names[0] in ACTIVATION_CODES


if triton is not None:
    @triton.jit
    def _act(x, CODE: tl.constexpr):
        if CODE == 1:
            x = 2.0 / (1.0 + tl.exp(-2.0 * x)) - 1.0
        elif CODE == 2:
            x = 1.0 / (1.0 + tl.exp(-x))
        elif CODE == 3:
            x = tl.maximum(x, 0.0)
        elif CODE == 4:
            x = tl.where(x > 0, x, 0.2 * x)
        elif CODE == 5:
            x = tl.sin(x)
        elif CODE == 6:
            x = tl.cos(x)
        elif CODE == 7:
            x = tl.exp(-x * x)
        elif CODE == 8:
            x = tl.abs(x)
        return x

    @triton.jit
    def _mlp_kernel(coords_ptr, frame_bias_ptr, coord_w_ptr, hidden_w_ptr, hidden_b_ptr, head_w_ptr, head_b_ptr,
                    colour_ptr, out_ptr, pixels, n_hidden,
                    N_COORD: tl.constexpr, WIDTH: tl.constexpr, HEAD: tl.constexpr, OUT_CHANNELS: tl.constexpr,
                    ACT: tl.constexpr, TO_UINT8: tl.constexpr, BLOCK: tl.constexpr):
        block = tl.program_id(0)
        frame = tl.program_id(1)
        rows = block * BLOCK + tl.arange(0, BLOCK)
        row_ok = rows < pixels
        cols = tl.arange(0, WIDTH)
        # First layer: a few coordinate features (an outer-product sum) plus the frame's bias.
        h = tl.zeros((BLOCK, WIDTH), dtype=tl.float32) + tl.load(frame_bias_ptr + frame * WIDTH + cols)[None, :]
        for f in tl.static_range(N_COORD):
            x = tl.load(coords_ptr + rows * N_COORD + f, mask=row_ok, other=0.0)
            h += x[:, None] * tl.load(coord_w_ptr + f * WIDTH + cols)[None, :]
        h = _act(h, ACT)
        inner = tl.arange(0, WIDTH)
        for layer in range(n_hidden):
            w = tl.load(hidden_w_ptr + layer * WIDTH * WIDTH + inner[:, None] * WIDTH + cols[None, :])
            h = tl.dot(h.to(tl.float16), w, out_dtype=tl.float32)
            h = _act(h + tl.load(hidden_b_ptr + layer * WIDTH + cols)[None, :], ACT)
        # Output layer in fp32 (fp16's step near 1 is ~1/4 of a uint8 code after the colour stage).
        heads = tl.arange(0, HEAD)
        head_w = tl.load(head_w_ptr + inner[:, None] * HEAD + heads[None, :])
        z = tl.dot(h, head_w, input_precision="ieee") + tl.load(head_b_ptr + heads)[None, :]
        keep = row_ok[:, None] & (heads[None, :] < OUT_CHANNELS)
        offsets = (frame * pixels + rows)[:, None] * OUT_CHANNELS + heads[None, :]
        if TO_UINT8:
            # Calibration and contrast are folded into the head: z is already contrast * standardised.
            squashed = 1.0 / (1.0 + tl.exp(-z))
            mix = tl.load(colour_ptr + heads[:, None] * HEAD + heads[None, :])
            rgb = tl.dot(squashed, mix, input_precision="ieee")
            rgb = tl.minimum(tl.maximum(rgb, 0.0), 1.0)
            tl.store(out_ptr + offsets, (rgb * 255.0 + 0.5).to(tl.uint8), mask=keep)
        else:
            tl.store(out_ptr + offsets, z, mask=keep)


def _padded(width: int) -> int:
    return max(MIN_DOT, triton.next_power_of_2(width))


def fused_mlp(coords: Tensor, frame_bias: Tensor, weights: list[Tensor], depth: int, activation: str,
              colour: tuple[Tensor, Tensor, Tensor] | None = None) -> Tensor:
    """Evaluate the MLP with the kernel.

    coords (P, F) fp32; frame_bias (B, D): first-layer bias plus the per-frame inputs' part;
    weights: the net's shared weight list with leading dim 1 (first layer's coordinate rows
    are weights[0][0, :F]); depth: hidden layers used. Returns raw outputs (B, P, C) fp32, or
    with colour = (scale (C,), shift (C,), mix (C, 3)) uint8 (B, P, 3) computed as
    clamp(sigmoid(raw * scale + shift) @ mix, 0, 1) quantised.
    """
    device = coords.device
    pixels, n_coord = coords.shape
    batch, width = frame_bias.shape
    out_channels = weights[-1].shape[-1]
    wide, head = _padded(width), _padded(max(out_channels, 3))

    def pad(t: Tensor, rows: int, cols: int, dtype: torch.dtype = torch.float32) -> Tensor:
        padded = torch.zeros(rows, cols, device=device, dtype=torch.float32)
        padded[: t.shape[0], : t.shape[1]] = t
        return padded.to(dtype).contiguous()

    coord_w = pad(weights[0][0, :n_coord], n_coord, wide)
    bias0 = pad(frame_bias, batch, wide)
    n_hidden = depth - 1
    hidden_w = torch.stack([pad(weights[2 * l][0], wide, wide, torch.float16) for l in range(1, depth)]) \
        if n_hidden else torch.zeros(1, wide, wide, device=device, dtype=torch.float16)
    hidden_b = torch.stack([pad(weights[2 * l + 1][0][None], 1, wide)[0] for l in range(1, depth)]) \
        if n_hidden else torch.zeros(1, wide, device=device)
    head_w = weights[-2][0]
    head_b = weights[-1][0]
    if colour is not None:
        scale, shift, mix = colour
        head_w = head_w * scale
        head_b = head_b * scale + shift
        mix_padded = pad(mix, head, head)
        out = torch.empty(batch, pixels, 3, device=device, dtype=torch.uint8)
        channels_out = 3
    else:
        mix_padded = torch.zeros(1, device=device)
        out = torch.empty(batch, pixels, out_channels, device=device, dtype=torch.float32)
        channels_out = out_channels
    grid = (triton.cdiv(pixels, BLOCK_PIXELS), batch)
    _mlp_kernel[grid](
        coords.contiguous(), bias0, coord_w, hidden_w.contiguous(), hidden_b.contiguous(),
        pad(head_w, wide, head), pad(head_b[None], 1, head)[0].contiguous(), mix_padded, out,
        pixels, n_hidden,
        N_COORD=n_coord, WIDTH=wide, HEAD=head, OUT_CHANNELS=channels_out,
        ACT=ACTIVATION_CODES[activation], TO_UINT8=colour is not None, BLOCK=BLOCK_PIXELS,
    )
    return out
