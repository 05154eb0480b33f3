"""cppn_motion: render randomly initialised neural networks into images, looping videos and GIFs."""
from __future__ import annotations

__version__ = "0.1.0"

from .config import Preset, validate_preset  # noqa: E402
from .errors import ConfigError, UserError  # noqa: E402
from .presets import list_presets, load_preset, preset_to_yaml  # noqa: E402
from .api import render, render_array, render_frames, render_still  # noqa: E402
from .render import Scene, build_scene  # noqa: E402

__all__ = [
    "ConfigError", "Preset", "Scene", "UserError", "__version__", "build_scene", "list_presets",
    "load_preset", "preset_to_yaml", "render", "render_array", "render_frames", "render_still",
    "validate_preset",
]
