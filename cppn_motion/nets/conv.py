"""Convolutional field nets (the seed experiment): conv, nin, vgg, inception and residual
layouts with spatial normalization, evaluated on a design grid with a clean margin."""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from cppn_motion.config.schema import Net
from cppn_motion.nets.activations import Mixed, make_activation
from cppn_motion.nets.base import FieldNet, NetSpec
from cppn_motion.nets.conv_cpu import channels_last_on_cpu, fused_conv
from cppn_motion.nets.conv_layout import (
    Conv,
    Inception,
    Layer,
    Pool,
    Residual,
    Upsample,
    build_layout,
    conv_ops,
    margin_and_dilation,
    out_channels,
)
from cppn_motion.nets.conv_readout import ReadoutMaps, accumulate, gain_of, layers_to_run, measure_gains
from cppn_motion.nets.design_grid import (
    design_shape,
    resize_output,
    sample_field,
    working_grid,
)
from cppn_motion.nets.inits import INITS
from cppn_motion.nets.readout_growth import Readout
from cppn_motion.nets.spatial_norm import SpatialNorm, central_crop
from cppn_motion.seeding import generator_for

# 'clip' statistics pool this many phases spread over the loop (as the colour calibration
# does), so a moving net's later frames are not normalised by the first frame alone.
CLIP_STAT_PHASES = 8

# Frozen statistics let big frames run in row bands (a conv needs only a margin of
# neighbours); this caps one band's activations, ~256 MB, to bound peak memory at 4K.
BAND_BYTES = 1 << 28


def _conv_frames(h: Tensor, weight: Tensor, bias: Tensor, dilation: int) -> Tensor:
    """'valid' convolution of (B, Cin, H, W) with weights shared (1, ...) or per frame (B, ...)."""
    if weight.shape[0] == 1:
        return F.conv2d(h, weight[0], bias[0], dilation=dilation)
    # Per-frame weights: one grouped convolution over the frame batch (a group per frame).
    batch, cin, height, width = h.shape
    cout, k = weight.shape[1], weight.shape[-1]
    out = F.conv2d(h.reshape(1, batch * cin, height, width), weight.reshape(batch * cout, cin, k, k),
                   bias.reshape(-1), dilation=dilation, groups=batch)
    return out.view(batch, cout, out.shape[-2], out.shape[-1])


def _crop_to(h: Tensor, size: tuple[int, int]) -> Tensor:
    return central_crop(h, size)


class _Pass:
    """State of one forward pass: the weight cursor, the visible frame size, codes collected."""

    def __init__(self, weights: list[Tensor], frame: tuple[int, int], codes: list[Tensor] | None) -> None:
        self.weights = weights
        self.cursor = 0
        self.conv_index = 0
        self.frame = frame
        self.codes = codes

    def take(self) -> Tensor:
        weight = self.weights[self.cursor]
        self.cursor += 1
        return weight


class ConvNet(FieldNet):
    """A stack of conv layers over the input field (coordinate features plus the per-frame
    time/latent values as constant channels), then a 1x1 head to the output channels."""

    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec
        self.config: Net = spec.config if spec.config is not None else Net(arch=spec.arch)
        self.inputs = spec.coord_features + spec.frame_features
        self.layers: list[Layer] = build_layout(spec.arch, self.inputs, self.config)
        self.convs = [conv for layer in self.layers for conv in conv_ops(layer)]
        structure = generator_for(spec.seed, "activations")
        self.activations = nn.ModuleList(
            make_activation(conv.activation, conv.cout, structure, spec.mixed) for conv in self.convs
        )
        norm = self.config.norm
        self.norm_enabled = norm.enabled
        self.norm = SpatialNorm(norm.scale)
        self.stats = norm.stats
        self.band_rows: int | None = None  # None: from BAND_BYTES; tests set it to force bands
        self._heads: dict[int, list[Tensor]] = {}
        self.readout_maps = ReadoutMaps(spec.seed, out_channels(self.layers[-1]))
        self.base_weights = self.sample_weights(generator_for(spec.seed, "weights", 0))

    # ------------------------------------------------------------------ weights

    def sample_weights(self, generator: torch.Generator) -> list[Tensor]:
        spec, scheme = self.spec, INITS.get(self.spec.init_scheme)
        shift_std = self.config.norm.shift_std
        weights: list[Tensor] = []
        for conv in self.convs:
            fan_in, fan_out = conv.cin * conv.k * conv.k, conv.conv_out * conv.k * conv.k
            weights.append(scheme((conv.conv_out, conv.cin, conv.k, conv.k), fan_in, fan_out,
                                  spec.init_gain, spec.init_std, generator))
            weights.append(torch.randn(conv.conv_out, generator=generator) * spec.bias_std)
            if conv.norm and self.norm_enabled:
                weights.append(torch.randn(conv.conv_out, generator=generator) * shift_std)
        weights += self._head(out_channels(self.layers[-1]), generator)
        return weights

    def _head(self, cin: int, generator: torch.Generator) -> list[Tensor]:
        spec = self.spec
        scheme = INITS.get(spec.init_scheme)
        out = spec.out_channels
        return [scheme((out, cin, 1, 1), cin, out, spec.init_gain, spec.init_std, generator),
                torch.randn(out, generator=generator) * spec.bias_std]

    def _head_for(self, depth: int, weights: list[Tensor]) -> list[Tensor]:
        """The output head after `depth` layers: the net's own when the widths agree (so weight
        motion still moves it), else a head seeded for that depth (same every call)."""
        cin = out_channels(self.layers[depth - 1])
        if cin == out_channels(self.layers[-1]):
            return weights[-2:]
        if depth not in self._heads:
            head = self._head(cin, generator_for(self.spec.seed, "weights", "head", depth))
            self._heads[depth] = [w.unsqueeze(0) for w in head]
        device = weights[-1].device
        return [w.to(device) for w in self._heads[depth]]

    # ------------------------------------------------------------------ layers

    def _activate(self, index: int, h: Tensor, p: _Pass) -> Tensor:
        """The layer's activation, in place where it has an in-place form: every caller hands
        over a fresh tensor (a conv, normalisation, maxout or residual sum it owns)."""
        if p.codes is not None:
            p.codes.append(central_crop(h, p.frame) > 0)
        act = self.activations[index]
        if isinstance(act, Mixed):  # mixed acts along the last dim
            return act(h.movedim(1, -1)).movedim(-1, 1)
        inplace = getattr(act, "forward_", None)
        return act(h) if inplace is None else inplace(h)

    def _conv(self, p: _Pass, h: Tensor, conv: Conv, dilation: int) -> Tensor:
        weight, bias = p.take(), p.take()
        shift = p.take() if conv.norm and self.norm_enabled else None
        index = p.conv_index
        p.conv_index += 1
        if shift is not None:
            folded = self.norm.fold(weight, bias, shift)  # frozen statistics: part of the conv
            if folded is not None:
                (weight, bias), shift = folded, None
        # One call for conv + activation where nothing sits between them (activation codes
        # need the pre-activation values, so they take the plain steps).
        if conv.act and shift is None and not conv.maxout and p.codes is None:
            out = fused_conv(h, weight, bias, dilation, conv.activation)
            if out is not None:
                return out
        h = _conv_frames(h, weight, bias, dilation)
        if shift is not None:
            h = self.norm(h, shift, p.frame)
        if conv.maxout:
            first, second = h.chunk(2, dim=1)
            h = torch.maximum(first, second)
        return self._activate(index, h, p) if conv.act else h

    def _layer(self, p: _Pass, h: Tensor, layer: Layer, dilation: int) -> tuple[Tensor, int]:
        if isinstance(layer, Conv):
            return self._conv(p, h, layer, dilation), dilation
        if isinstance(layer, Pool):
            return _pool(h, layer.k, layer.mode, dilation), dilation * 2
        if isinstance(layer, Upsample):
            return h, max(1, dilation // 2)
        if isinstance(layer, Inception):
            c = layer.convs()
            branches = [self._conv(p, h, c[0], dilation),
                        self._conv(p, self._conv(p, h, c[1], dilation), c[2], dilation),
                        self._conv(p, self._conv(p, h, c[3], dilation), c[4], dilation),
                        self._conv(p, _pool(h, 3, "max", dilation), c[5], dilation)]
            size = (min(b.shape[-2] for b in branches), min(b.shape[-1] for b in branches))
            return torch.cat([_crop_to(b, size) for b in branches], dim=1), dilation
        if isinstance(layer, Residual):
            c = layer.convs()
            body = self._conv(p, h, c[0], dilation)
            act_index = p.conv_index
            body = self._conv(p, body, c[1], dilation)
            skip = self._conv(p, h, c[2], dilation) if len(c) > 2 else h
            summed = _crop_to(skip, tuple(body.shape[-2:])) + body
            return self._activate(act_index, summed, p), dilation
        for part in layer.parts:
            h, dilation = self._layer(p, h, part, dilation)
        return h, dilation

    def _run(self, field: Tensor, weights: list[Tensor], density: int, frame: tuple[int, int],
             depth: int, mode: str, codes: list[Tensor] | None = None, readout: Readout | None = None,
             taps: list[Tensor] | None = None) -> Tensor:
        """Layers 1..depth and the head over a padded field -> (B, C, *frame). With `readout`,
        the full net's head reads the weighted sum of the layers' outputs (conv_readout.py);
        `taps` collects each layer's mapped output, cropped to the frame."""
        self.norm.start(mode)
        p = _Pass(weights, frame, codes)
        h, dilation = channels_last_on_cpu(field), density
        read = None
        for index, layer in enumerate(self.layers[:depth]):
            h, dilation = self._layer(p, h, layer, dilation)
            if readout is not None or taps is not None:
                mapped = self.readout_maps(index, h)
                if taps is not None:
                    taps.append(central_crop(mapped, frame))
                if readout is not None:
                    read = accumulate(read, mapped, gain_of(readout, index))
        if read is not None:
            return _conv_frames(central_crop(read, frame), *weights[-2:], 1)
        weight, bias = self._head_for(depth, weights)
        return _conv_frames(h, weight, bias, 1)

    # ------------------------------------------------------------------ evaluation

    def _field(self, coords: Tensor, frame_inputs: Tensor, shape: tuple[int, int],
               size: tuple[int, int], margin: int) -> Tensor:
        """(B, F + K, rows + 2 margin, cols + 2 margin): coordinate features resampled onto the
        evaluation grid, extended past the edges, and the per-frame values as constant channels."""
        height, width = shape
        if coords.dim() == 2:
            image = coords.t().reshape(1, -1, height, width)
        else:
            image = coords.permute(0, 2, 1).reshape(coords.shape[0], -1, height, width)
        image = sample_field(image, size, margin)
        batch = frame_inputs.shape[0]
        image = image.expand(batch, -1, -1, -1)
        constant = frame_inputs.to(image.dtype)[:, :, None, None].expand(-1, -1, *image.shape[-2:])
        return torch.cat([image, constant], dim=1)

    def _depth(self, depth: int | None) -> int:
        return len(self.layers) if depth is None else max(1, min(depth, len(self.layers)))

    def _evaluate(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor], shape: tuple[int, int],
                  density: int, size: tuple[int, int], depth: int, mode: str,
                  codes: list[Tensor] | None = None, readout: Readout | None = None,
                  taps: list[Tensor] | None = None) -> Tensor:
        margin, _ = margin_and_dilation(self.layers[:depth], density)
        field = self._field(coords, frame_inputs, shape, size, margin)
        whole = codes is not None or taps is not None
        if mode != "frozen" or not self.norm.has_frozen and self.norm_enabled or whole:
            return self._run(field, weights, density, size, depth, mode, codes, readout, taps)
        rows = self._band_rows(field.shape[0], size[1] + 2 * margin, margin)
        bands = []
        for top in range(0, size[0], rows):
            band = min(rows, size[0] - top)
            part = field[:, :, top:top + band + 2 * margin]
            bands.append(self._run(part, weights, density, (band, size[1]), depth, mode, readout=readout))
        return torch.cat(bands, dim=2)

    def _band_rows(self, batch: int, padded_cols: int, margin: int) -> int:
        if self.band_rows is not None:
            return self.band_rows
        widest = max([self.inputs] + [conv.conv_out for conv in self.convs] + [out_channels(self.layers[-1])])
        # A few live tensors of the widest layer per band (input, conv output, normalised).
        per_row = batch * widest * padded_cols * 4 * 3
        return max(16, BAND_BYTES // per_row - 2 * margin)

    def _mode(self) -> str:
        return "frame" if self.stats == "frame" else "frozen"

    def forward(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                shape: tuple[int, int], depth: int | None = None, readout: Readout | None = None) -> Tensor:
        """As FieldNet.forward; `readout` (gains of layers 2..n) makes it readout depth growth's
        net: the layers up to the last grown one, read by the full net's head (conv_readout.py)."""
        density, size = working_grid(shape, self.config.design_size)
        if readout is not None:
            readout.check(len(self.layers))
            depth = layers_to_run(readout)
        out = self._evaluate(coords, frame_inputs, weights, shape, density, size, self._depth(depth), self._mode(),
                             readout=readout)
        out = resize_output(out, shape)
        batch, channels = out.shape[:2]
        return out.permute(0, 2, 3, 1).reshape(batch, -1, channels).float()

    def freeze_statistics(self, inputs_at: Callable[[Tensor], Any], coords: Tensor,
                          shape: tuple[int, int]) -> None:
        """'clip': pool statistics over CLIP_STAT_PHASES phases; 'fixed': the frame at
        norm.reference_phase. Measured on the design grid itself (density 1), which every
        render size shares, so previews, big renders and tiles use the same numbers."""
        if self.stats == "frame" or not self.norm_enabled:
            return
        if self.stats == "clip":
            phase = torch.arange(CLIP_STAT_PHASES, dtype=torch.float64) / CLIP_STAT_PHASES
        else:
            phase = torch.tensor([self.config.norm.reference_phase], dtype=torch.float64)
        inputs = inputs_at(phase)
        size = design_shape(shape, self.config.design_size)
        with torch.no_grad():
            self._evaluate(coords, inputs.frame_features, inputs.weights, shape, 1, size, len(self.layers),
                           "collect")

    @torch.no_grad()
    def readout_gains(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                      shape: tuple[int, int]) -> tuple[float, ...]:
        """Readout growth's gains for layers 2..n, measured on the given (proxy) field at the
        design grid's density: see conv_readout.measure_gains."""
        density, size = working_grid(shape, self.config.design_size)
        taps: list[Tensor] = []
        self._evaluate(coords, frame_inputs, weights, shape, density, size, len(self.layers), self._mode(),
                       taps=taps)
        return measure_gains(taps, weights[-2])

    def activation_codes(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                         shape: tuple[int, int]) -> Tensor:
        density, size = working_grid(shape, self.config.design_size)
        codes: list[Tensor] = []
        self._evaluate(coords, frame_inputs, weights, shape, density, size, len(self.layers), self._mode(), codes)
        stacked = torch.cat(codes, dim=1)
        if tuple(stacked.shape[-2:]) != tuple(shape):
            stacked = F.interpolate(stacked.float(), size=shape, mode="nearest") > 0.5
        return stacked.permute(0, 2, 3, 1)


def _pool(h: Tensor, k: int, mode: str, dilation: int) -> Tensor:
    """Stride-1 ('a trous') pooling with taps `dilation` apart, 'valid' (no padding)."""
    if mode == "max":
        return F.max_pool2d(h, k, stride=1, dilation=dilation)
    channels = h.shape[1]
    kernel = torch.full((channels, 1, k, k), 1.0 / (k * k), device=h.device, dtype=h.dtype)
    return F.conv2d(h, kernel, dilation=dilation, groups=channels)


def _factory(arch: str) -> Callable[[NetSpec], ConvNet]:
    def build(spec: NetSpec) -> ConvNet:
        return ConvNet(spec)

    build.__name__ = f"build_{arch}"
    return build


from cppn_motion.nets.architectures import ARCHITECTURES  # noqa: E402

ARCHITECTURES.register("conv", "k x k conv layers with spatial normalization (the seed experiment)")(_factory("conv"))
ARCHITECTURES.register("nin", "network in network: each k x k conv followed by 1x1 convs")(_factory("nin"))
ARCHITECTURES.register("vgg", "stages of 3x3 convs, optional pooling after each (net.pool)")(_factory("vgg"))
ARCHITECTURES.register("inception", "the seed's inception block: 1x1, 1x1->3x3, 1x1->5x5, pool->1x1")(
    _factory("inception"))
ARCHITECTURES.register("residual", "residual blocks of two k x k convs with a skip connection")(_factory("residual"))
