"""The names a preset may use (activations, inits, architectures, input features, easings, palettes), bound
lazily to the registries that implement them.

The schema sits below nets and motion in the layer order, so it must not import them. Like
imageio's plugin table, each vocabulary is named here by the module that holds it and imported
on first use, when a preset is validated; adding an activation or an easing needs no change here.
"""
from __future__ import annotations

import importlib
from typing import Any

# kind -> (module, attribute): a cppn_motion.registry.Registry of that kind of name.
REGISTRIES: dict[str, tuple[str, str]] = {
    "activation": ("cppn_motion.nets.activations", "ACTIVATIONS"),
    "init": ("cppn_motion.nets.inits", "INITS"),
    "architecture": ("cppn_motion.nets", "ARCHITECTURES"),
    "feature": ("cppn_motion.nets.coords", "FEATURES"),
    "easing": ("cppn_motion.motion.easing", "EASINGS"),
    "palette": ("cppn_motion.colour.palettes", "PALETTES"),
}

# Facts about the implementations that whole-preset checks need (module, attribute).
FACTS: dict[str, tuple[str, str]] = {
    # input features that are affine in (x, y): zoom and pan of them cancel under per-frame normalisation
    "affine_features": ("cppn_motion.nets.coords", "AFFINE_FEATURES"),
    # (arch, net section) -> whether every path into the first layer is normalised
    "first_layer_standardises": ("cppn_motion.nets.conv_layout", "first_layer_standardises"),
}


def _bound(table: dict[str, tuple[str, str]], key: str) -> Any:
    module, attribute = table[key]
    return getattr(importlib.import_module(module), attribute)


def registry(kind: str) -> Any:
    """The registry of one kind of name (see REGISTRIES)."""
    return _bound(REGISTRIES, kind)


def fact(name: str) -> Any:
    return _bound(FACTS, name)


def known(kind: str, name: str) -> str:
    """`name` if the registry of `kind` has it; else the registry's ConfigError 'unknown <kind> ...; known: ...'."""
    registry(kind).get(name)
    return name


def known_names(kind: str, names: list[str]) -> list[str]:
    for name in names:
        known(kind, name)
    return names


def known_activation(name: str | None) -> str | None:
    """An activation name, where 'mixed' (per-neuron activations) and None (inherit) are allowed too."""
    if name is None or name == "mixed":
        return name
    return known("activation", name)


__all__ = ["REGISTRIES", "FACTS", "fact", "known", "known_activation", "known_names", "registry"]
