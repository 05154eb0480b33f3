"""The callbacks a render reports through, bundled in one object instead of loose callables on
every signature (as diffusers bundles its step callbacks)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Progress = Callable[[int], None]   # 0 once everything is built, then frames finished after each batch
Notify = Callable[[str], None]     # advice: a dull-looking render, limits a writer had to apply
Observe = Callable[[np.ndarray], None]  # sees every (B, H, W, 3) uint8 batch written, in order


@dataclass(frozen=True)
class Hooks:
    progress: Progress | None = None
    notify: Notify | None = None  # default (None): Python warnings
    observe: Observe | None = None
