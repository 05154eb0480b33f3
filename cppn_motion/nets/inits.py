"""Weight initialisation schemes by name. Each draws from a CPU generator, so CPU and GPU
renders start from identical weights (move the result to the device afterwards)."""
from __future__ import annotations

import math
from typing import Protocol

import torch
from torch import Tensor

from cppn_motion.registry import Registry


class InitScheme(Protocol):
    def __call__(self, shape: tuple[int, ...], fan_in: int, fan_out: int, gain: float, std: float,
                 generator: torch.Generator) -> Tensor: ...


INITS: Registry[InitScheme] = Registry("init scheme")


def _normal(shape: tuple[int, ...], std: float, generator: torch.Generator) -> Tensor:
    return torch.randn(shape, generator=generator, dtype=torch.float32) * std


def _uniform(shape: tuple[int, ...], std: float, generator: torch.Generator) -> Tensor:
    # U(-a, a) has standard deviation a / sqrt(3).
    bound = std * math.sqrt(3.0)
    return (torch.rand(shape, generator=generator, dtype=torch.float32) * 2 - 1) * bound


@INITS.register("he_normal")
def he_normal(shape, fan_in, fan_out, gain, std, generator):
    """He/MSRA normal: std sqrt(2 / fan_in), keeps relu nets' activations at scale (the seed's choice)."""
    return _normal(shape, gain * math.sqrt(2.0 / fan_in), generator)


@INITS.register("he_uniform")
def he_uniform(shape, fan_in, fan_out, gain, std, generator):
    """He/MSRA uniform: same variance as he_normal."""
    return _uniform(shape, gain * math.sqrt(2.0 / fan_in), generator)


@INITS.register("xavier_normal")
def xavier_normal(shape, fan_in, fan_out, gain, std, generator):
    """Xavier/Glorot normal: std sqrt(2 / (fan_in + fan_out)), suited to tanh and sigmoid."""
    return _normal(shape, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


@INITS.register("xavier_uniform")
def xavier_uniform(shape, fan_in, fan_out, gain, std, generator):
    """Xavier/Glorot uniform: same variance as xavier_normal."""
    return _uniform(shape, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


@INITS.register("lecun_normal")
def lecun_normal(shape, fan_in, fan_out, gain, std, generator):
    """LeCun normal: std sqrt(1 / fan_in)."""
    return _normal(shape, gain * math.sqrt(1.0 / fan_in), generator)


@INITS.register("normal")
def normal(shape, fan_in, fan_out, gain, std, generator):
    """Normal with the given std, whatever the fan-in (classic CPPN scripts use std 1: bold, busy)."""
    return _normal(shape, gain * std, generator)


@INITS.register("uniform")
def uniform(shape, fan_in, fan_out, gain, std, generator):
    """Uniform with the given std."""
    return _uniform(shape, gain * std, generator)
