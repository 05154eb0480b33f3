"""The architecture registry: name -> factory building a FieldNet from a preset's `net` section.
Architecture modules register themselves here; nets/__init__ imports them so the registry is full."""
from __future__ import annotations

from typing import Callable

from cppn_motion.nets.base import FieldNet, NetSpec
from cppn_motion.registry import Registry

ArchFactory = Callable[[NetSpec], FieldNet]
ARCHITECTURES: Registry[ArchFactory] = Registry("architecture")


def build_net(spec: NetSpec) -> FieldNet:
    return ARCHITECTURES.get(spec.arch)(spec)
