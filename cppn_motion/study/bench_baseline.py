"""The in-process baseline of the stage benchmark: the same network computed the straightforward
way (one frame at a time, whole-frame fp32 layers, torch's own ops), from our scene's weights.
About half the plain script's speed (bench/RESULTS.md): its ratios are stage speed-ups."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from cppn_motion.colour.mapping import quantize, to_rgb
from cppn_motion.nets.activations import Mixed
from cppn_motion.nets.conv import ConvNet
from cppn_motion.nets.conv_layout import Conv, margin_and_dilation
from cppn_motion.nets.design_grid import resize_output, sample_field, working_grid
from cppn_motion.nets.spatial_norm import STD_FLOOR, central_crop
from cppn_motion.rendering.scene import Scene


class Baseline(nn.Module):
    """What every baseline shares: raw outputs of one frame, then the same colour stage as ours."""

    scene: Scene

    def raw_frame(self, index: int) -> Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def frame(self, index: int) -> np.ndarray:
        width, height = self.scene.size
        rgb = to_rgb(self.raw_frame(index), self.scene.preset.colour, self.scene.calibration)
        return quantize(rgb).view(height, width, 3).cpu().numpy()  # includes the copy to host


class BaselineMLP(Baseline):
    """The same network as nn.Linear layers over the whole frame, fp32, one frame at a time."""

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        net = scene.net
        weights = net.base_weights  # (fan_in, fan_out), (fan_out,) per layer
        layers: list[nn.Module] = []
        for index in range(0, len(weights), 2):
            weight, bias = weights[index], weights[index + 1]
            linear = nn.Linear(weight.shape[0], weight.shape[1])
            with torch.no_grad():
                linear.weight.copy_(weight.T)
                linear.bias.copy_(bias)
            layers.append(linear)
            if index // 2 < net.spec.depth:
                layers.append(net.activations[index // 2])
        self.layers = nn.Sequential(*layers).to(scene.device)
        self.scene = scene

    @torch.no_grad()
    def raw_frame(self, index: int) -> Tensor:
        """Raw outputs (P, C) of one frame: inputs concatenated per pixel, whole-frame layers."""
        scene = self.scene
        inputs = scene.timeline.inputs_at(scene.timeline.phases([index]))
        features = inputs.frame_features[0].expand(scene.coords.shape[0], -1)
        return self.layers(torch.cat([scene.coords, features], dim=1))


class BaselineConv(Baseline):
    """The plain `conv` architecture (a stack of k x k conv layers, then the 1x1 head) the
    straightforward way: one frame at a time, fp32, F.conv2d, then spatial normalisation as
    its own out-of-place step, then the activation module, over the whole frame.

    Same network as ours: the frame's weights from the timeline, the design-grid field with
    its extrapolated margin (nets/design_grid.py), the net's frozen statistics (or each
    frame's own under norm.stats 'frame'). Only layouts made of plain conv layers are
    covered; nin, vgg, inception and residual get no baseline (`baseline_for` gives None)."""

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        if not covers_conv(scene.net):
            raise ValueError("BaselineConv covers layouts of plain conv layers only")
        self.scene = scene

    @torch.no_grad()
    def raw_frame(self, index: int) -> Tensor:
        """Raw outputs (P, C) of one frame."""
        scene, net = self.scene, self.scene.net
        width, height = scene.render_size
        inputs = scene.timeline.inputs_at(scene.timeline.phases([index]))
        weights = [w[0] for w in inputs.weights]  # this frame's set, without the frame dimension
        density, grid = working_grid((height, width), net.config.design_size)
        margin, _ = margin_and_dilation(net.layers, density)
        # The field: coordinate features as images on the working grid plus the margin, and the
        # frame's time/latent values as constant channels.
        image = sample_field(scene.coords.t().reshape(1, -1, height, width), grid, margin)
        constant = inputs.frame_features[0].to(image.dtype)[None, :, None, None].expand(1, -1, *image.shape[-2:])
        h = torch.cat([image, constant], dim=1)
        cursor, stats = 0, 0
        for layer_index, conv in enumerate(net.layers):
            h = F.conv2d(h, weights[cursor], weights[cursor + 1], dilation=density)
            cursor += 2
            if conv.norm and net.norm_enabled:
                mean, std = self._statistics(h, stats, grid)
                h = (h - mean) / std * net.norm.scale + weights[cursor][None, :, None, None]
                cursor, stats = cursor + 1, stats + 1
            if conv.maxout:
                first, second = h.chunk(2, dim=1)
                h = torch.maximum(first, second)
            if conv.act:
                act = net.activations[layer_index]
                h = act(h.movedim(1, -1)).movedim(-1, 1) if isinstance(act, Mixed) else act(h)
        out = resize_output(F.conv2d(h, weights[-2], weights[-1]), (height, width))
        return out[0].permute(1, 2, 0).reshape(height * width, -1)

    def _statistics(self, h: Tensor, layer: int, grid: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """The net's frozen (mean, std) of this layer, or this frame's own over the visible region."""
        net = self.scene.net
        if net.norm.has_frozen and net.stats != "frame":
            return net.norm.frozen[layer]
        var, mean = torch.var_mean(central_crop(h, grid), dim=(2, 3), keepdim=True, correction=0)
        return mean, var.sqrt().clamp_min(STD_FLOOR)


def covers_conv(net: nn.Module) -> bool:
    """Whether BaselineConv computes this net: a ConvNet whose layers are all plain convs."""
    return isinstance(net, ConvNet) and all(isinstance(layer, Conv) for layer in net.layers)


def baseline_for(scene: Scene) -> Baseline | None:
    """The straightforward implementation of this scene's network, None where there is none."""
    if scene.net.spec.arch == "mlp":
        return BaselineMLP(scene)
    if covers_conv(scene.net):
        return BaselineConv(scene)
    return None


def write_baseline(baseline: Baseline, path: Path, frames: int, fps: float, crf: int, x264_preset: str) -> None:
    """Render frame by frame and append through imageio's own writers, as most CPPN code does."""
    import imageio.v2 as imageio

    if path.suffix == ".gif":
        writer = imageio.get_writer(path, mode="I", duration=1000 / fps, loop=0)
    else:
        writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=None, macro_block_size=1,
                                    output_params=["-crf", str(crf), "-preset", x264_preset])
    try:
        for index in range(frames):
            writer.append_data(baseline.frame(index))
    finally:
        writer.close()
