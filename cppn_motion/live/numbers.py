"""Numbers as GLSL source."""
from __future__ import annotations

import math

import numpy as np

from cppn_motion.errors import ConfigError


def literal(value: float) -> str:
    """A GLSL float literal that reads back as the same float32 (9 significant digits)."""
    value = float(np.float32(value))
    if not math.isfinite(value):
        raise ConfigError(f"a live shader needs finite numbers; the preset's net holds {value}")
    text = f"{value:.9g}"
    return text if any(c in text for c in ".e") else text + ".0"
