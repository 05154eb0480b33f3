"""The live preview's "variations": nine candidates near the current preset (new seeds and small
mutations), for interactive evolution in the Picbreeder tradition: pick one, it becomes the
preset, the next round mutates from it. Pure computation: the same (preset, round) always gives
the same proposals in the same order, and the grid keeps the first nine whose pictures pass
`looks_alike` / `looks_dull`, so a test (or a user retracing a lineage) can pin them.

A candidate is a set of `--set` edits (text, as the panel posts them), so adopting one goes
through the same validation as the panel and "save preset" writes it like any other edit."""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from cppn_motion.colour.palettes import CURATED
from cppn_motion.config.presets import preset_to_yaml
from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.rendering.dull import variety

COUNT = 9         # a 3 x 3 grid: enough choice to steer, few enough to judge at a glance
NEW_SEEDS = 2     # per round: the big jumps (everything redrawn); the other seven are small steps
ATTEMPTS = 40     # proposals tried per round before giving up (a grid rarely needs more than 12)

# Activations a mutation swaps in: each looks distinct on the same weights (tanh: soft folds,
# sin: stripes and interference, gaussian: bands around zero crossings, abs: mirror folds,
# softsign: slower saturation, relu/elu: polygons, gelu: smooth polygons). Left out: sigmoid
# (one-sided, usually a washed-out picture), identity (collapses the net to one affine map),
# 'mixed' (its CPU path is many times slower, so its thumbnail would hold up the grid).
ACTIVATIONS = ("tanh", "sin", "gaussian", "abs", "softsign", "relu", "elu", "gelu")

# Harmony schemes for a change of colour family (mode 'harmony' picks hues around a base hue).
HARMONIES = ("analogous", "complementary", "split_complementary", "triadic")


@dataclass(frozen=True)
class Candidate:
    label: str                # what changed, under its thumbnail: "seed 48213", "gain 2.6"
    changes: dict[str, str]   # KEY: VALUE text, exactly as a panel edit (--set KEY=VALUE)


Rng = random.Random
Mutation = Callable[[Preset, Rng], "Candidate | None"]


def _number(value: float) -> str:
    """A short, exact text for a scaled value (3 significant digits: the step is ~30%, so more is noise)."""
    return repr(float(f"{value:.3g}"))


def _scaled(label: str, key: str, current: float, factor: float, rng: Rng) -> Candidate:
    value = float(_number(current * (factor if rng.random() < 0.5 else 1 / factor)))
    return Candidate(f"{label} {_number(value)}", {key: _number(value)})


def new_seed(preset: Preset, rng: Rng) -> Candidate:
    # Every weight, latent and path redrawn; architecture, colour and motion kept: a sibling.
    seed = rng.randrange(1, 1_000_000)
    return Candidate(f"seed {seed}", {"seed": str(seed)})


def gain(preset: Preset, rng: Rng) -> Candidate:
    # The same weights scaled: the same composition, folded more (finer contours) or less.
    # The closest relative of all; 1.3x is about the smallest step the eye reads at thumbnail size.
    return _scaled("gain", "net.init.gain", preset.net.init.gain, 1.3, rng)


def depth(preset: Preset, rng: Rng) -> Candidate | None:
    # Weights are drawn layer by layer from one stream, so one layer more or less keeps the
    # earlier layers: the picture keeps its layout and gains (or loses) a fold.
    options = [d for d in (preset.net.depth - 1, preset.net.depth + 1) if 1 <= d <= 24]
    value = rng.choice(options)
    return Candidate(f"depth {value}", {"net.depth": str(value)})


def width(preset: Preset, rng: Rng) -> Candidate | None:
    # Wider or narrower layers redraw every weight (the shapes change), so this is a new picture
    # of the same character: more units, finer and busier detail; fewer, broader shapes.
    value = max(4, min(96, round(preset.net.width * (1.5 if rng.random() < 0.5 else 1 / 1.5))))
    return None if value == preset.net.width else Candidate(f"width {value}", {"net.width": str(value)})


def activation(preset: Preset, rng: Rng) -> Candidate:
    # Same weights, another nonlinearity: the layout stays, the texture changes.
    name = rng.choice([a for a in ACTIVATIONS if a != preset.net.activation])
    return Candidate(name, {"net.activation": name})


def palette(preset: Preset, rng: Rng) -> Candidate:
    # The same picture in other colours: the quickest way out of the rainbow look.
    current = preset.colour.palette if preset.colour.mode == "palette" else None
    name = rng.choice([p for p in CURATED if p != current])
    changes = {"colour.palette": name}
    if preset.colour.mode != "palette":
        changes["colour.mode"] = "palette"
    return Candidate(f"palette {name}", changes)


def harmony(preset: Preset, rng: Rng) -> Candidate:
    # A colour family of a few related hues around a base hue: calmer than rgb/hsv, unlike a palette.
    scheme = rng.choice([h for h in HARMONIES if not (preset.colour.mode == "harmony" and h == preset.colour.harmony)])
    hue = round(rng.random(), 2)
    return Candidate(f"{scheme.replace('_', '-')} hues", {"colour.mode": "harmony", "colour.harmony": scheme,
                                                         "colour.hue_shift": repr(hue)})


def shift(preset: Preset, rng: Rng) -> Candidate:
    # Slides the colours along the palette (or round the hue circle): the same picture, recoloured
    # from its own colours. A quarter turn either way moves every region to another colour.
    step = rng.choice((0.25, -0.25, 0.4, -0.4))
    key = "colour.palette_shift" if preset.colour.mode == "palette" else "colour.hue_shift"
    current = preset.colour.palette_shift if key == "colour.palette_shift" else preset.colour.hue_shift
    value = round(current + step, 3)
    return Candidate(f"{key.split('.')[1].replace('_', ' ')} {step:+g}", {key: repr(value)})


def contrast(preset: Preset, rng: Rng) -> Candidate:
    # Gain before the output squashing: bolder, flatter regions with crisp edges, or softer gradients.
    return _scaled("contrast", "colour.contrast", preset.colour.contrast, 1.5, rng)


def zoom(preset: Preset, rng: Rng) -> Candidate:
    # The same field seen closer (a detail of this picture) or from further away (its surroundings).
    step = _scaled("scale", "canvas.scale", preset.canvas.scale, 1.7, rng)
    closer = float(step.changes["canvas.scale"]) < preset.canvas.scale
    return Candidate(f"{'closer' if closer else 'wider'}: {step.label}", step.changes)


def latent(preset: Preset, rng: Rng) -> Candidate | None:
    # How strongly the latent enters the net: the picture drifts within its own family. (Not the
    # latent path's radius, i.e. its speed: a still thumbnail cannot show motion, and a change one
    # cannot see is a blind click.)
    if preset.latent.dim == 0:
        return None
    return _scaled("latent scale", "latent.scale", preset.latent.scale, 1.8, rng)


# The small steps, each a different kind of change, so the seven are seven different directions.
SMALL_STEPS: tuple[Mutation, ...] = (gain, depth, width, activation, palette, harmony, shift, contrast, zoom, latent)


def round_seed(preset: Preset, round_number: int) -> int:
    """A seed from the preset's full text and the round: stable across runs and machines."""
    digest = hashlib.sha256(f"{preset_to_yaml(preset)}\nround {round_number}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def proposals(preset: Preset, round_number: int, resolve: Callable[[dict[str, str]], Preset],
              attempts: int = ATTEMPTS) -> Iterator[tuple[Candidate, Preset]]:
    """Candidates near `preset` in a fixed order, each with the preset it resolves to (resolve(changes):
    the panel's own path, load_preset with these edits on top): first two new seeds, then one step
    of every small kind in a shuffled order, then random ones. Each is valid and distinct: one the
    schema refuses, or one that gives a preset already proposed (or the current one), is skipped."""
    rng = random.Random(round_seed(preset, round_number))
    plan: list[Mutation] = [new_seed] * NEW_SEEDS + rng.sample(SMALL_STEPS, len(SMALL_STEPS))
    seen = {preset_to_yaml(preset)}
    for attempt in range(attempts):
        mutation = plan[attempt] if attempt < len(plan) else rng.choice((new_seed, *SMALL_STEPS))
        candidate = mutation(preset, rng)
        if candidate is None:
            continue
        try:
            resolved = resolve(candidate.changes)
        except UserError:
            continue  # out of the schema's range for this preset: another one
        text = preset_to_yaml(resolved)
        if text not in seen:
            seen.add(text)
            yield candidate, resolved


# Judging the pictures (8-bit RGB thumbnails). A candidate is shown only if the eye can tell it
# from the current picture and from those already in the grid, and if it is a picture at all.
ALIKE_CODES = 16.0   # mean |difference| per channel below this reads as "the same picture" at 192 px
# (measured: contrast 1.6 -> 1.07 on 'default' is 14.7 and looks like a faded copy; a zoom of 1.7x is 55)
DULL_VARIETY = 0.03  # measured on 50 proposals of 5 presets: every picture worth a look scored 0.09-0.43;
# a deep sin net aliasing to static on 'stained_glass' 0.000, abs on 'weight_morph' (one flat teal) 0.001


def looks_alike(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) < ALIKE_CODES


def looks_dull(frame: np.ndarray) -> bool:
    """Next to nothing to look at, by the score --reroll ranks seeds with (rendering/dull.py): a
    near-flat frame, or static (aliasing finer than the pixels) scores ~0."""
    return variety(frame[None]) < DULL_VARIETY
