"""The HTML gallery (`cppn-motion gallery -o gallery.html`): one page where every preset's tile
plays its loop, with its name and description. Compute only; the command writes the file.

Each tile is an animated WebP in a data URI, not the live WebGL shader: browsers keep about 16
WebGL contexts alive, conv presets have no shader, and an image plays everywhere with no
script at all. So the page's policy forbids every request and every script."""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Callable

import torch

from cppn_motion.config.schema import Preset
from cppn_motion.encoders.animated_webp import animated_webp, loop_durations_ms
from cppn_motion.encoders.gif import frame_step
from cppn_motion.rendering.scene import build_scene, iter_frames

# A tile plays its loop at up to this many frames a second: smooth enough for these slow loops,
# and a 5 s loop is 60 frames, so the 22 bundled tiles stay a few MB (README, gallery).
TILE_FPS = 12

# Nothing is fetched and nothing runs: images come from data URIs, styles are inline.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Tile:
    """One preset's loop, ready for the page."""

    name: str
    description: str
    size: tuple[int, int]
    frames: int
    seconds: float
    webp: bytes


def loop_tile(preset: Preset, device: str | torch.device = "cpu", max_fps: float = TILE_FPS) -> Tile:
    """The preset's whole loop at its canvas size, every n-th frame so it plays at most `max_fps`,
    as an animated WebP lasting exactly the clip's length."""
    timeline = preset.timeline
    indices = range(0, timeline.frames, frame_step(timeline.fps, max_fps))
    scene = build_scene(preset, device, in_memory=True)
    frames = [frame for batch in iter_frames(scene, indices) for frame in batch]
    seconds = timeline.frames / timeline.fps
    webp = animated_webp(frames, loop_durations_ms(len(frames), seconds))
    return Tile(preset.name, preset.description, (preset.canvas.width, preset.canvas.height), len(frames),
                seconds, webp)


def loop_tiles(presets: list[Preset], device: str | torch.device = "cpu", max_fps: float = TILE_FPS,
               progress: Callable[[int], None] | None = None) -> list[Tile]:
    tiles = []
    for preset in presets:
        tiles.append(loop_tile(preset, device, max_fps))
        if progress is not None:
            progress(1)
    return tiles


def _figure(tile: Tile) -> str:
    width, height = tile.size
    data = base64.b64encode(tile.webp).decode("ascii")
    name, description = html.escape(tile.name), html.escape(tile.description)
    return (f'<figure id="{name}"><img src="data:image/webp;base64,{data}" width="{width}" height="{height}" '
            f'alt="{name}: {description}">\n<figcaption><b>{name}</b> <span>{description}</span>'
            f'<small>{tile.frames} frames, {tile.seconds:g} s loop &middot; '
            f'<code>cppn-motion render {name}</code></small></figcaption></figure>')


def gallery_page(tiles: list[Tile], version: str) -> str:
    """The page: a responsive grid of the tiles, in the order given."""
    width = max(tile.size[0] for tile in tiles)
    figures = "\n".join(_figure(tile) for tile in tiles)
    names = html.escape(", ".join(tile.name for tile in tiles))
    return PAGE.format(csp=CSP, version=html.escape(version), names=names, count=len(tiles),
                       width=width, figures=figures)


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cppn_motion {version}">
<meta name="cppn-motion-gallery" content="{names}">
<title>cppn-motion gallery</title>
<style>
body {{ margin: 0; padding: 24px; background: #111; color: #ddd; font: 14px/1.4 "Liberation Sans", Arial, sans-serif; }}
h1 {{ font-size: 20px; font-weight: normal; margin: 0 0 4px; color: #fff; }}
header p {{ margin: 0 0 20px; color: #999; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax({width}px, 1fr)); gap: 20px; }}
figure {{ margin: 0; }}
img {{ display: block; width: 100%; height: auto; border-radius: 4px; background: #000; }}
figcaption {{ padding-top: 6px; }}
figcaption b {{ color: #fff; font-weight: bold; }}
figcaption span {{ color: #bbb; }}
figcaption small {{ display: block; color: #777; margin-top: 2px; }}
code {{ font: 12px "Liberation Mono", monospace; color: #9ab; }}
</style>
</head>
<body>
<header><h1>cppn-motion gallery</h1>
<p>{count} presets, each tile playing its whole loop. Render one full size with
<code>cppn-motion render NAME</code>.</p></header>
<main>
{figures}
</main>
</body>
</html>
"""
