"""The per-pixel MLP (a CPPN; the seed's stack of 1x1 convolutions)."""
from __future__ import annotations

import torch
from torch import Tensor

from ..activations import make_activation
from ..inits import INITS
from ..seeding import generator_for
from .base import FieldNet, NetSpec

# Rows (frames x pixels) pushed through all layers at once. ~8k rows x 32 channels x 4 B
# is ~1 MB per activation, which stays in cache; whole-frame layers are memory bound and
# ~4x slower on CPU (FIELD_NOTES section 3).
ROWS_PER_CHUNK = 8192


def _linear(h: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """h (B, P, C) times weight (1|B, C, D) plus bias (1|B, D)."""
    if weight.shape[0] == 1:
        # Shared weights: one large GEMM over all frames' pixels.
        batch, pixels, channels = h.shape
        out = torch.addmm(bias[0], h.reshape(batch * pixels, channels), weight[0])
        return out.view(batch, pixels, -1)
    return torch.baddbmm(bias.unsqueeze(1), h, weight)


class MLP(FieldNet):
    """x, y, r, ... and per-frame inputs -> `depth` hidden layers of `width` -> raw outputs."""

    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec
        structure = generator_for(spec.seed, "activations")
        self.activations = torch.nn.ModuleList(
            make_activation(spec.activation, spec.width, structure, spec.mixed) for _ in range(spec.depth)
        )
        self.base_weights = self.sample_weights(generator_for(spec.seed, "weights", 0))

    def layer_shapes(self) -> list[tuple[int, int]]:
        spec = self.spec
        inputs = spec.coord_features + spec.frame_features
        sizes = [inputs] + [spec.width] * spec.depth + [spec.out_channels]
        return list(zip(sizes[:-1], sizes[1:]))

    def sample_weights(self, generator: torch.Generator) -> list[Tensor]:
        spec = self.spec
        scheme = INITS.get(spec.init_scheme)
        weights: list[Tensor] = []
        for fan_in, fan_out in self.layer_shapes():
            weights.append(scheme((fan_in, fan_out), fan_in, fan_out, spec.init_gain, spec.init_std, generator))
            weights.append(torch.randn(fan_out, generator=generator) * spec.bias_std)
        return weights

    def forward(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                shape: tuple[int, int], depth: int | None = None) -> Tensor:
        layers = self.spec.depth if depth is None else depth
        if not 1 <= layers <= self.spec.depth:
            raise ValueError(f"depth must be 1..{self.spec.depth}; got {depth}")
        batch = frame_inputs.shape[0]
        pixels = coords.shape[-2]
        n_coord = self.spec.coord_features
        first_w, first_b = weights[0], weights[1]
        # The first layer splits into a per-pixel part and a per-frame part; the
        # per-frame part (time, latent) is just a bias, computed once per frame.
        frame_bias = first_b + torch.einsum("bk,bkd->bd", frame_inputs, first_w[:, n_coord:].expand(batch, -1, -1))
        coord_w = first_w[:, :n_coord]
        out = torch.empty(batch, pixels, self.spec.out_channels, device=frame_inputs.device, dtype=torch.float32)
        step = max(256, ROWS_PER_CHUNK // batch)
        for start in range(0, pixels, step):
            chunk = coords[..., start:start + step, :]
            if chunk.dim() == 2:
                chunk = chunk.unsqueeze(0)
            h = torch.matmul(chunk, coord_w) + frame_bias.unsqueeze(1)
            h = self.activations[0](h)
            for layer in range(1, layers):
                h = self.activations[layer](_linear(h, weights[2 * layer], weights[2 * layer + 1]))
            out[:, start:start + step] = _linear(h, weights[-2], weights[-1])
        return out


def _build(spec: NetSpec) -> MLP:
    return MLP(spec)


from . import ARCHITECTURES  # noqa: E402

ARCHITECTURES.register("mlp", "per-pixel MLP (CPPN): resolution independent, fast")(_build)
