"""Tiny presets that render in milliseconds on a CPU (importable from any test)."""
from __future__ import annotations

from cppn_motion.config.schema import Preset, validate_preset

TINY = {"canvas": {"width": 32, "height": 18}, "timeline": {"frames": 6, "fps": 12}}


def tiny_preset(**sections) -> Preset:
    """The library defaults shrunk to 32x18 and 6 frames, with section overrides merged in."""
    data = {key: dict(value) for key, value in TINY.items()}
    for key, value in sections.items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    return validate_preset(data)
