"""`cppn-motion live`: play a preset in the browser and follow its YAML file as it is saved."""
from __future__ import annotations

import argparse
import sys
import webbrowser
from typing import Callable

from cppn_motion.cli.args import non_negative_int

EXAMPLE = """examples:
  cppn-motion live mine.yaml                     # edit mine.yaml in any editor: the page follows each save
  cppn-motion live default --port 8000 --no-browser
The page's panel edits the common keys (checked as --set is), "variations" offers nine mutations to
adopt (press it again to evolve from the one taken), and "save preset" writes NAME.edited.yaml beside
the file. Only this machine can connect (127.0.0.1); Ctrl-C stops the server."""


def _port(text: str) -> int:
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0-65535 (0: a free one); got {text}")
    return value


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    live = add_command("live", "Play a preset live in the browser; the page reloads whenever the preset file is saved.")
    live.epilog = EXAMPLE
    live.add_argument("preset", nargs="?", default="default",
                      help="a preset file (followed as it is saved) or a bundled preset name; default 'default'")
    live.add_argument("--size", metavar="WxH", help="the preset's canvas size (overrides canvas.width/height)")
    live.add_argument("--seed", type=non_negative_int, help="random seed (overrides seed)")
    live.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                      help="override any preset key, as for render (repeatable)")
    live.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default 0: a free one, printed)")
    live.add_argument("--no-browser", action="store_true", help="print the address only; do not open a browser")
    live.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    live.set_defaults(run=run)


def render_mp4(preset, target, progress):
    """The page's "render MP4": the library's own render, as `cppn-motion render PRESET -o target`."""
    from cppn_motion.api import render
    from cppn_motion.rendering.hooks import Hooks

    return render(preset, target, hooks=Hooks(progress=progress))


def run(args: argparse.Namespace) -> int:
    from cppn_motion.cli.args import overrides_from_args
    from cppn_motion.live.preview import PreviewState
    from cppn_motion.live.preview_page import preview_page
    from cppn_motion.live.server import LiveServer

    state = PreviewState(args.preset, dict(overrides_from_args(args)), preview_page, render_mp4)
    state.start()  # a preset that does not build stops here, with its one line
    server = LiveServer(state, args.port)
    followed = f"following {state.path}" if state.path else "a bundled preset: not followed (give a file to edit it)"
    print(f"cppn-motion live: {server.url} ({followed}; Ctrl-C to stop)", flush=True)
    server.watch()
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("cppn-motion live: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
