"""Network architectures by name. Each builds a `FieldNet` from a preset's `net` section."""
from __future__ import annotations

from typing import Callable

from ..registry import Registry
from .base import FieldNet, NetSpec

ArchFactory = Callable[[NetSpec], FieldNet]
ARCHITECTURES: Registry[ArchFactory] = Registry("architecture")


def build_net(spec: NetSpec) -> FieldNet:
    return ARCHITECTURES.get(spec.arch)(spec)


# Registration happens on import of each architecture module.
from . import mlp as _mlp  # noqa: E402,F401
from . import conv as _conv  # noqa: E402,F401

__all__ = ["ARCHITECTURES", "FieldNet", "NetSpec", "build_net"]
