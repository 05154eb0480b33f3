"""`cm.show(preset)`: the live page inline in a Jupyter notebook, with no server.

The page goes into an iframe's srcdoc: sandboxed to scripts (and the PNG download), so its
Content-Security-Policy holds and its script runs apart from the notebook's own."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from cppn_motion.config.presets import DEFAULT_PRESET, load_preset
from cppn_motion.config.schema import Preset
from cppn_motion.live.export import live_html


class LivePreview:
    """A preset's live loop; Jupyter shows it through `_repr_html_`. `html` is the page itself
    (the same file `cppn-motion export` writes)."""

    def __init__(self, preset: Preset, page: str, width: int | None = None) -> None:
        self.preset = preset
        self.html = page
        # Shown no wider than the preset's own canvas, at its aspect ratio (the page fills its frame).
        self.width = width or preset.canvas.width

    def _repr_html_(self) -> str:
        canvas = self.preset.canvas
        style = (f"width: 100%; max-width: {self.width}px; aspect-ratio: {canvas.width} / {canvas.height}; "
                 "border: 0; display: block;")
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts allow-downloads" '
                f'style="{style}" title="{html.escape(self.preset.name)} - cppn-motion"></iframe>')

    def __repr__(self) -> str:
        return f"LivePreview({self.preset.name!r}, {len(self.html.encode('utf-8')) // 1024} KB page)"


def show(preset: str | Path | Preset = DEFAULT_PRESET, overrides: dict[str, Any] | None = None,
         width: int | None = None) -> LivePreview:
    """The preset (a bundled name, a YAML path or a Preset, with `--set`-style overrides) playing
    live in WebGL2: the last expression of a notebook cell shows it. `width`: the most pixels wide
    it is shown (default the preset's canvas width; it plays at the frame's own size)."""
    resolved = load_preset(preset, overrides)
    return LivePreview(resolved, live_html(resolved), width)
