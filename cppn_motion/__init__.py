"""cppn_motion: render randomly initialised neural networks into images, looping videos and GIFs.

The notebook API lives here; everything else is reached through its package
(cppn_motion.config, .nets, .motion, .colour, .rendering, .encoders, .scale, .study, .cli).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cppn_motion._version import __version__

# The API is loaded on first use (PEP 562), so `import cppn_motion.cli.main` does not import torch:
# `cppn-motion presets` and every one-line error work where torch cannot load (a memory ulimit,
# a broken install), and a torch that cannot load is one line from the command that needs it.
_API = {
    "render": "cppn_motion.api", "render_array": "cppn_motion.api", "render_frames": "cppn_motion.api",
    "render_still": "cppn_motion.api", "list_presets": "cppn_motion.config.presets",
    "load_preset": "cppn_motion.config.presets", "preset_to_yaml": "cppn_motion.config.presets",
    "Preset": "cppn_motion.config.schema", "validate_preset": "cppn_motion.config.schema",
    "ConfigError": "cppn_motion.errors", "UserError": "cppn_motion.errors", "Tuning": "cppn_motion.rendering.tuning",
    "show": "cppn_motion.live.notebook",
}

__all__ = [
    "ConfigError", "Preset", "UserError", "__version__", "list_presets", "load_preset", "preset_to_yaml",
    "Tuning", "render", "render_array", "render_frames", "render_still", "show", "validate_preset",
]

if TYPE_CHECKING:  # what type checkers and IDEs see
    from cppn_motion.api import render, render_array, render_frames, render_still
    from cppn_motion.config.presets import list_presets, load_preset, preset_to_yaml
    from cppn_motion.config.schema import Preset, validate_preset
    from cppn_motion.errors import ConfigError, UserError
    from cppn_motion.live.notebook import show
    from cppn_motion.rendering.tuning import Tuning


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cppn_motion' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
