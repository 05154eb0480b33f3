"""`cppn-motion palettes`: the names `colour.palette` accepts, ours with a line each, then colorcet's."""
from __future__ import annotations

import argparse
from typing import Callable

EXAMPLE = """examples:
  cppn-motion palettes
  cppn-motion render default --set colour.palette=marble"""


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    parser = add_command("palettes", "List the palette names colour.palette accepts (ours, then colorcet's).")
    parser.epilog = EXAMPLE
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import textwrap

    from cppn_motion.colour import palettes

    width = max(len(name) for name in palettes.CURATED)
    for name, palette in palettes.CURATED.items():
        print(f"{name:<{width}}  {palette.doc}")
    others = [name for name in palettes.names() if name not in palettes.CURATED]
    print(f"\ncolorcet's perceptually uniform maps (CC-BY 4.0; cyclic ones wrap when cycled), {len(others)}:")
    print(textwrap.fill(", ".join(others), width=100))
    return 0
