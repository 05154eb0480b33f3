"""Conv net layouts: which layers (conv, pool, upsample, inception, residual) a conv
architecture stacks, their channel counts and their receptive field. Pure description."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from cppn_motion.errors import ConfigError


@dataclass(frozen=True)
class Conv:
    """k x k convolution -> spatial normalization -> (maxout) -> activation."""

    cin: int
    cout: int
    k: int
    activation: str
    maxout: bool = False
    norm: bool = True
    act: bool = True

    @property
    def conv_out(self) -> int:
        """Channels the convolution itself makes (twice cout under maxout)."""
        return self.cout * 2 if self.maxout else self.cout


@dataclass(frozen=True)
class Pool:
    """Pooling of stride 2 on the design grid, evaluated densely (a trous): later layers dilate x2."""

    channels: int
    k: int = 3
    mode: str = "max"


@dataclass(frozen=True)
class Upsample:
    """Undo one pool: later layers dilate half as much."""

    channels: int


@dataclass(frozen=True)
class Inception:
    """The seed's block: parallel 1x1, 1x1->3x3, 1x1->5x5 and 3x3 maxpool->1x1, concatenated."""

    cin: int
    branch: int
    activation: str
    maxout: bool = False

    def convs(self) -> list[Conv]:
        c, a, m = self.branch, self.activation, self.maxout
        return [Conv(self.cin, c, 1, a, m),                          # 1x1
                Conv(self.cin, c, 1, a, m), Conv(c, c, 3, a, m),     # 1x1 -> 3x3
                Conv(self.cin, c, 1, a, m), Conv(c, c, 5, a, m),     # 1x1 -> 5x5
                Conv(self.cin, c, 1, a, m)]                          # 3x3 maxpool -> 1x1

    @property
    def channels(self) -> int:
        return 4 * self.branch


@dataclass(frozen=True)
class Residual:
    """x + norm(conv(act(norm(conv(x))))), then the activation; a 1x1 projection when widths differ."""

    cin: int
    cout: int
    k: int
    activation: str
    maxout: bool = False

    def convs(self) -> list[Conv]:
        body = [Conv(self.cin, self.cout, self.k, self.activation, self.maxout),
                Conv(self.cout, self.cout, self.k, self.activation, self.maxout, act=False)]
        if self.cin != self.cout:
            body.append(Conv(self.cin, self.cout, 1, "identity", norm=False, act=False))
        return body


@dataclass(frozen=True)
class Stack:
    """Several layers counted as one (a NIN block, a VGG stage) for `depth` truncation."""

    parts: tuple["Layer", ...] = field(default_factory=tuple)


Layer = Union[Conv, Pool, Upsample, Inception, Residual, Stack]


def out_channels(layer: Layer) -> int:
    if isinstance(layer, Conv):
        return layer.cout
    if isinstance(layer, (Pool, Upsample, Inception)):
        return layer.channels
    if isinstance(layer, Residual):
        return layer.cout
    return out_channels(layer.parts[-1])


def conv_ops(layer: Layer) -> list[Conv]:
    """Every convolution of a layer in weight order (the order the forward pass consumes them)."""
    if isinstance(layer, Conv):
        return [layer]
    if isinstance(layer, (Inception, Residual)):
        return layer.convs()
    if isinstance(layer, Stack):
        return [conv for part in layer.parts for conv in conv_ops(part)]
    return []


def margin_and_dilation(layers: list[Layer], dilation: int = 1) -> tuple[int, int]:
    """(receptive-field radius in pixels of the evaluation grid, dilation after the layers),
    starting at `dilation` (the render's density on the design grid)."""
    margin = 0
    for layer in layers:
        grow, dilation = _margin_of(layer, dilation)
        margin += grow
    return margin, dilation


def _margin_of(layer: Layer, dilation: int) -> tuple[int, int]:
    if isinstance(layer, Conv):
        return (layer.k - 1) // 2 * dilation, dilation
    if isinstance(layer, Pool):
        return (layer.k - 1) // 2 * dilation, dilation * 2
    if isinstance(layer, Upsample):
        return 0, dilation // 2
    if isinstance(layer, Inception):
        return 2 * dilation, dilation          # the 5x5 branch is the widest
    if isinstance(layer, Residual):
        return 2 * ((layer.k - 1) // 2) * dilation, dilation
    return margin_and_dilation(list(layer.parts), dilation)


def _conv(cin: int, cout: int, k: int, net) -> Conv:
    return Conv(cin, cout, k, net.activation, net.maxout)


def build_layout(arch: str, inputs: int, net) -> list[Layer]:
    """The top-level layers of a conv architecture for a preset's `net` section."""
    if net.layers:
        return _explicit(inputs, net)
    width, depth, k = net.width, net.depth, net.kernel
    layers: list[Layer] = []
    cin = inputs
    for _ in range(depth):
        if arch == "conv":
            layer: Layer = _conv(cin, width, k, net)
        elif arch == "nin":
            parts = [_conv(cin, width, k, net)] + [_conv(width, width, 1, net) for _ in range(net.block_convs)]
            layer = Stack(tuple(parts))
        elif arch == "vgg":
            parts = [_conv(cin if i == 0 else width, width, 3, net) for i in range(net.block_convs)]
            if net.pool != "none":
                parts.append(Pool(width, 3, net.pool))
            layer = Stack(tuple(parts))
        elif arch == "inception":
            # Four equal branches share the width; at least one channel each.
            layer = Inception(cin, max(1, width // 4), net.activation, net.maxout)
        elif arch == "residual":
            layer = Residual(cin, width, k, net.activation, net.maxout)
        else:  # pragma: no cover - the registry only routes the names above here
            raise ConfigError(f"net.arch: no conv layout for {arch!r}")
        layers.append(layer)
        cin = out_channels(layer)
    return layers


def first_layer_standardises(arch: str, net) -> bool:
    """Whether a layout's first layer normalises every path from the input, so that per-frame
    statistics cancel any positive scale and shift of affine inputs (a camera zoom or pan).
    conv, nin and vgg start with a normalised conv; inception's branches each start with one
    (its pool branch pools first, which commutes with a positive scale and shift). A residual
    block does not: its skip path carries the input, or an unnormalised 1x1 projection of it."""
    if net.layers:
        return net.layers[0].type == "conv"
    return arch in ("conv", "nin", "vgg", "inception")


def _explicit(inputs: int, net) -> list[Layer]:
    layers: list[Layer] = []
    cin, pools = inputs, 0
    for index, spec in enumerate(net.layers):
        channels = spec.channels or net.width
        activation = spec.activation or net.activation
        if spec.type == "conv":
            layer: Layer = Conv(cin, channels, spec.k, activation, net.maxout)
        elif spec.type == "pool":
            layer = Pool(cin, spec.k, spec.pool)
            pools += 1
        elif spec.type == "upsample":
            if pools == 0:
                raise ConfigError(f"net.layers.{index}: an upsample layer undoes an earlier pool; "
                                  "add a pool layer before it")
            layer = Upsample(cin)
            pools -= 1
        elif spec.type == "inception":
            layer = Inception(cin, max(1, channels // 4), activation, net.maxout)
        else:
            layer = Residual(cin, channels, spec.k, activation, net.maxout)
        layers.append(layer)
        cin = out_channels(layer)
    return layers
