"""Named palettes for `colour.palette`: a few curated stop lists of our own, and colorcet's
perceptually uniform colour maps (Peter Kovesi's CET maps and friends; CC-BY 4.0, see README).

A palette is a list of '#rrggbb' stops, evenly spaced from the low end of the one output to the
high end. Cyclic palettes (the first stop meets the last) wrap when shifted or cycled over the
loop; the others reflect at their ends, so a shift is continuous either way. Pure data: no torch.
"""
from __future__ import annotations

from dataclasses import dataclass

import colorcet

from cppn_motion.errors import ConfigError
from cppn_motion.registry import did_you_mean


@dataclass(frozen=True)
class Palette:
    stops: tuple[str, ...]
    cyclic: bool = False
    doc: str = ""


def _contours(ramp: list[str], line: str, every: int, width: int = 3) -> list[str]:
    """A monotonic ramp, each colour `width` stops wide, with a thin `line` after every `every`
    colours (contour lines one stop wide, so 1/width of a band)."""
    stops: list[str] = []
    for index, colour in enumerate(ramp):
        stops += [colour] * width
        if (index + 1) % every == 0 and index + 1 < len(ramp):
            stops.append(line)
    return stops


def _panes(colours: list[str], line: str, width: int) -> list[str]:
    """A ring of flat panes `width` stops wide, each closed by one stop of `line`; it ends where it
    starts, so the palette is cyclic."""
    stops = [stop for colour in colours for stop in [colour] * width + [line]]
    return stops + colours[:1]


def _flat(colours: list[str], width: int, repeats: int = 1) -> list[str]:
    """Flat panes: each colour held for `width` stops, so the ramp between two panes is 1/width
    of a pane (hard edges, as ink or glass), the whole sequence `repeats` times; ends as it starts."""
    stops = [colour for _ in range(repeats) for colour in colours for _ in range(width)]
    return stops + stops[:1]


# Ours, each made for a look in the gallery; dark to light unless the doc says otherwise.
CURATED: dict[str, Palette] = {
    "silk": Palette(("#0b0d17", "#3a2f6b", "#c0487a", "#f6b26b", "#fdf6e3"),
                    doc="plum, rose and cream: the default palette"),
    "ink": Palette(("#14110f", "#3b3430", "#e8e1d3", "#f7f3ea"), doc="ink on warm paper"),
    "indigo_peach": Palette(("#141a3c", "#27306b", "#f3b391", "#fff1e6"), doc="duotone: indigo and peach"),
    "teal_coral": Palette(("#062a30", "#0f5e63", "#f07b62", "#ffe3d3"), doc="duotone: deep teal and coral"),
    "risograph": Palette(("#1d3b8f", "#1d3b8f", "#ff5f8f", "#fff4e0"),
                         doc="tritone: riso blue, fluorescent pink, paper"),
    "marble": Palette(("#f4f1ea", "#e3ddd2", "#b9b1a5", "#2f2c2a", "#b9b1a5", "#e3ddd2", "#f4f1ea"),
                      doc="white stone with a dark vein where the output crosses its middle"),
    "stained_glass": Palette(tuple(_panes(["#b3122e", "#1b4fa0", "#e9a91c", "#1f7a45", "#6b2d91", "#d4421c",
                                           "#168a9a", "#f0cf45", "#2a3a8f"], "#120c0a", 4)),
                             cyclic=True, doc="jewel-coloured panes of glass separated by dark leading (cyclic)"),
    "topographic": Palette(tuple(_contours(["#3f7a5a", "#5a9163", "#7aa86c", "#9dbd78", "#bfcf86", "#dcdc98",
                                            "#ece3a8", "#eedcb3", "#e9d3bd", "#ece3d9", "#f5f1ea", "#fcfbf8"],
                                           "#6b5640", every=2)),
                           doc="a map's hypsometric tints, lowland green to snow, with thin contour lines"),
    "op_art": Palette(tuple(_flat(["#0b0b0b", "#f4f2ec"], 4, 8)), cyclic=True,
                      doc="hard black and white stripes"),
    "ember": Palette(("#07060a", "#2a0c1f", "#7c1d2c", "#d9482b", "#f7a440", "#fff3c4"),
                     doc="black through crimson to hot yellow"),
    "glacier": Palette(("#03121f", "#0b3550", "#1f6f8b", "#7cc3c9", "#e6f4f1"), doc="deep sea to ice"),
    "iridescent": Palette(("#1b2a6b", "#3f9fb5", "#9ee0b0", "#f2e58c", "#e68fb8", "#7b4fa8", "#1b2a6b"),
                          cyclic=True, doc="soap-film blue, mint, gold, pink, violet (cyclic)"),
}

# colorcet's glasbey maps are categorical (neighbouring values far apart): noise, not gradients.
_COLORCET_NAMES = sorted(name for name in colorcet.palette if not name.startswith("glasbey"))
# Its short names (fire, bmy, kbc, ...); the rest are aliases such as CET_L3 or linear_kryw_0_100_c71.
COLORCET_SHORT = sorted(name for name in colorcet.palette_n if not name.startswith("glasbey"))


def _colorcet_cyclic(name: str) -> bool:
    return name.startswith(("cyclic", "CET_C")) or name in ("colorwheel", "cyclic_isoluminant")


def names() -> list[str]:
    """Every palette name: ours first, then colorcet's."""
    return [*CURATED, *_COLORCET_NAMES]


def unknown_message(name: object) -> str:
    return (f"unknown palette {name!r}{did_you_mean(str(name), names())}; ours: {', '.join(CURATED)}; "
            f"colorcet's: {', '.join(COLORCET_SHORT)} and {len(_COLORCET_NAMES) - len(COLORCET_SHORT)} "
            "longer names (`cppn-motion palettes` lists them all)")


def get(name: str) -> Palette:
    """The palette called `name`, or a ConfigError with a did-you-mean and the known names."""
    if name in CURATED:
        return CURATED[name]
    if isinstance(name, str) and name in colorcet.palette and not name.startswith("glasbey"):
        return Palette(tuple(colorcet.palette[name]), cyclic=_colorcet_cyclic(name), doc="colorcet")
    raise ConfigError(unknown_message(name))


def resolve(palette: str | list[str]) -> Palette:
    """A preset's `colour.palette` (a name or a list of stops) as a Palette. A list is cyclic when
    its first stop equals its last."""
    if isinstance(palette, str):
        return get(palette)
    stops = tuple(palette)
    return Palette(stops, cyclic=len(stops) > 2 and stops[0].lower() == stops[-1].lower())


class _Vocabulary:
    """The palette names as the schema's vocabulary (config/vocab.py) sees a registry: `get` checks a name."""

    get = staticmethod(get)
    names = staticmethod(names)


PALETTES = _Vocabulary()

__all__ = ["CURATED", "COLORCET_SHORT", "PALETTES", "Palette", "get", "names", "resolve",
           "unknown_message"]
