"""A preset as text a browser or a GPU runs: the self-contained page or a standalone fragment shader."""
from __future__ import annotations

from cppn_motion._version import __version__
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.schema import Preset
from cppn_motion.live.bake import bake
from cppn_motion.live.page import build_page
from cppn_motion.live.standalone import standalone_shader

# Output kinds by file extension.
KINDS = {".html": "html", ".htm": "html", ".frag": "frag", ".glsl": "frag"}


def live_html(preset: Preset, extra: str = "") -> str:
    """One HTML file that plays the preset's loop in WebGL2 and records the resolved preset
    (`extra`: markup for the end of the body, the live preview's panel; see page.build_page)."""
    return build_page(bake(preset), preset_to_yaml(preset), __version__, extra)


def live_shader(preset: Preset, shadertoy: bool = False) -> str:
    """A standalone GLSL ES 3.00 fragment shader (or a Shadertoy image shader) of the preset's loop."""
    return standalone_shader(bake(preset), shadertoy)
