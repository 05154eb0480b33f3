"""Anti-aliasing by supersampling: a frame rendered at k x k samples per pixel is averaged
back to its size in linear light (averaging sRGB codes darkens fine bright detail). Pure torch."""
from __future__ import annotations

from torch import Tensor

from cppn_motion.colour.colourspaces import linear_to_srgb, srgb_to_linear


def downsample_linear(rgb: Tensor, factor: int) -> Tensor:
    """(B, k*H, k*W, 3) sRGB in [0, 1] -> (B, H, W, 3): the mean of each k x k block in linear light."""
    if factor == 1:
        return rgb
    batch, high, wide, channels = rgb.shape
    if high % factor or wide % factor:
        raise ValueError(f"supersampled frame {wide}x{high} is not a multiple of the factor {factor}")
    linear = srgb_to_linear(rgb.float())
    blocks = linear.view(batch, high // factor, factor, wide // factor, factor, channels)
    return linear_to_srgb(blocks.mean(dim=(2, 4))).clamp(0, 1)
