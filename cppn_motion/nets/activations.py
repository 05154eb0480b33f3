"""Activation functions by name, plus `mixed` (a different function per neuron)."""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from cppn_motion.registry import Registry

ActivationFn = Callable[[Tensor], Tensor]
ACTIVATIONS: Registry[ActivationFn] = Registry("activation")


def _register(name: str, doc: str, fn: ActivationFn) -> None:
    ACTIVATIONS.register(name, doc)(fn)


_register("tanh", "smooth, saturating: soft blobs and contours", torch.tanh)
_register("sigmoid", "smooth, saturating, one-sided", torch.sigmoid)
_register("relu", "piecewise linear: sharp polygons (linear regions)", torch.relu)
# 0.2 is the slope most CPPN and GAN code uses: enough to keep negative units alive.
LEAKY_SLOPE = 0.2
_register("leaky_relu", "piecewise linear with slope 0.2 below zero", lambda x: nn.functional.leaky_relu(x, LEAKY_SLOPE))
_register("sin", "periodic: stripes, waves and interference", torch.sin)
_register("cos", "periodic, even", torch.cos)
_register("gaussian", "exp(-x^2): bands around zero crossings", lambda x: torch.exp(-x * x))
_register("softplus", "smooth relu", nn.functional.softplus)
_register("abs", "mirror folds: kaleidoscopic symmetry", torch.abs)
_register("identity", "linear: the whole net collapses to one affine map", lambda x: x)
_register("elu", "exponential linear unit", nn.functional.elu)
_register("gelu", "gaussian error linear unit", nn.functional.gelu)
_register("silu", "x * sigmoid(x) (swish)", nn.functional.silu)
_register("softsign", "x / (1 + |x|): slower saturation than tanh", nn.functional.softsign)


# In-place forms (same values, no new tensor): the fast MLP path applies these to
# its own scratch activations, saving an allocation and a pass over memory per layer.
INPLACE: dict[str, ActivationFn] = {
    "tanh": torch.tanh_,
    "sigmoid": torch.sigmoid_,
    "relu": torch.relu_,
    "leaky_relu": lambda x: nn.functional.leaky_relu_(x, LEAKY_SLOPE),
    "sin": torch.sin_,
    "cos": torch.cos_,
    "abs": torch.abs_,
    "identity": lambda x: x,
    # Written as in-place chains: the out-of-place forms allocate per step and measured 3.8x
    # (gaussian) and 6x (softsign) slower on 8192x32 chunks.
    "gaussian": lambda x: x.square_().neg_().exp_(),
    "softsign": lambda x: x.div_(x.abs().add_(1)),
}


class Elementwise(nn.Module):
    """One activation for every neuron."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.fn = ACTIVATIONS.get(name)
        inplace = INPLACE.get(name)
        if inplace is not None:
            self.forward_ = inplace

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return self.name


class Mixed(nn.Module):
    """A different activation per neuron (channel, last dim), drawn from `choices`.

    Neurons are grouped by function, so each function runs once per layer on a
    contiguous slice. Sorting the assignment is free: with i.i.d. random weights a
    permutation of neurons gives a network with the same distribution.
    """

    def __init__(self, choices: list[str], width: int, generator: torch.Generator) -> None:
        super().__init__()
        picks = torch.randint(len(choices), (width,), generator=generator)
        counts = torch.bincount(picks, minlength=len(choices)).tolist()
        self.slices: list[tuple[str, int, int]] = []
        start = 0
        for name, count in zip(choices, counts):
            if count:
                self.slices.append((name, start, start + count))
                start += count
        self.fns = [ACTIVATIONS.get(name) for name, _, _ in self.slices]

    def forward(self, x: Tensor) -> Tensor:
        parts = [fn(x[..., a:b]) for fn, (_, a, b) in zip(self.fns, self.slices)]
        return torch.cat(parts, dim=-1)

    def extra_repr(self) -> str:
        return ", ".join(f"{name}x{b - a}" for name, a, b in self.slices)


def make_activation(name: str, width: int, generator: torch.Generator, mixed_choices: list[str]) -> nn.Module:
    """An activation module for one layer of `width` neurons."""
    if name == "mixed":
        return Mixed(mixed_choices, width, generator)
    return Elementwise(name)
