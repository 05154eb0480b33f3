"""`cppn-motion export`: a preset as a live WebGL page (.html) or a fragment shader (.frag, .glsl)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from cppn_motion.cli.args import add_preset_options

EXAMPLE = """examples:
  cppn-motion export default -o loop.html        # one self-contained page; open it in any browser
  cppn-motion export zoom_loop -o zoom.frag      # GLSL ES 3.00: uniforms u_time (s) and u_resolution
  cppn-motion export sin_waves -o waves.glsl --shadertoy   # paste into Shadertoy as an image shader
  cppn-motion render --from loop.html            # the same loop as an MP4
page URL parameters: ?t=0.25 (freeze at that phase, as `still --time 0.25`), w=320&h=180 (canvas
size in pixels, top left), ui=0 (no overlay)"""


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    export = add_command("export", "Export a preset as a live WebGL page (.html) or a fragment shader (.frag/.glsl).")
    export.epilog = EXAMPLE
    add_preset_options(export, output_help="output .html, .frag or .glsl; default outputs/<preset name>.html")
    export.add_argument("--shadertoy", action="store_true",
                        help=".frag/.glsl only: a Shadertoy image shader (mainImage, iTime, iResolution)")
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cppn_motion.atomic import atomic_output
    from cppn_motion.cli.args import load_from_args
    from cppn_motion.errors import UserError
    from cppn_motion.live.export import KINDS, live_html, live_shader

    preset = load_from_args(args)
    path = Path(args.output) if args.output else Path("outputs") / f"{preset.name}.html"
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise UserError(f"-o: expected a .html, .frag or .glsl file; got '{path}'")
    if args.shadertoy and kind != "frag":
        raise UserError(f"--shadertoy: only for .frag or .glsl outputs; got '{path}'")
    text = live_html(preset) if kind == "html" else live_shader(preset, args.shadertoy)
    with atomic_output(path) as temp:
        temp.write_text(text, encoding="utf-8")
    if not args.quiet:
        print(f"wrote {path} ({len(text.encode('utf-8')) / 1024:.0f} KB)", file=sys.stderr)
    return 0
