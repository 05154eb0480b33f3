"""cppn_motion: render randomly initialised neural networks into images, looping videos and GIFs.

The notebook API lives here; everything else is reached through its package
(cppn_motion.config, .nets, .motion, .colour, .rendering, .encoders, .scale, .study, .cli).
"""
from __future__ import annotations

from cppn_motion._version import __version__
from cppn_motion.api import render, render_array, render_frames, render_still
from cppn_motion.config.presets import list_presets, load_preset, preset_to_yaml
from cppn_motion.config.schema import Preset, validate_preset
from cppn_motion.errors import ConfigError, UserError
from cppn_motion.rendering.tuning import Tuning

__all__ = [
    "ConfigError", "Preset", "UserError", "__version__", "list_presets", "load_preset", "preset_to_yaml",
    "Tuning", "render", "render_array", "render_frames", "render_still", "validate_preset",
]
