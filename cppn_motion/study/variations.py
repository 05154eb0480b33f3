"""Grids of preset variations (`--vary net.depth=1,2,4,8`): parse the specs, expand their
product into labelled override sets. Plain data; no I/O."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import yaml

from cppn_motion.errors import UserError


@dataclass(frozen=True)
class Variation:
    """One key and the values it takes, e.g. ('net.depth', [1, 2, 4, 8]). Keys joined by '+'
    move together: 'net.depth+net.width' with values [[1, 100], [10, 10]]."""

    key: str
    values: list[Any]

    def overrides(self, index: int) -> dict[str, Any]:
        keys = self.key.split("+")
        if len(keys) == 1:
            return {self.key: self.values[index]}
        return dict(zip(keys, self.values[index]))

    def label(self, index: int) -> str:
        keys = [_short(key) for key in self.key.split("+")]
        value = self.values[index]
        shown = "+".join(str(v) for v in value) if len(keys) > 1 else str(value)
        return f"{'+'.join(keys)}={shown}"


@dataclass(frozen=True)
class Cell:
    """One combination: the overrides it applies and a short label ('depth=4 activation=relu')."""

    overrides: dict[str, Any]
    label: str
    index: tuple[int, ...]


def parse_vary(text: str) -> Variation:
    """'net.depth=1,2,4,8' -> Variation('net.depth', [1, 2, 4, 8]); values read as YAML scalars.
    'net.depth+net.width=1+100,10+10' moves two keys together."""
    key, sep, rest = text.partition("=")
    key = key.strip()
    items = [item.strip() for item in rest.split(",")] if sep else []
    if not key or not items or any(not item for item in items):
        raise UserError(f"--vary {text!r}: expected KEY=V1,V2,..., e.g. --vary net.depth=1,2,4,8")
    keys = key.split("+")
    values: list[Any] = []
    for item in items:
        parts = [_scalar(part) for part in item.split("+")] if len(keys) > 1 else [_scalar(item)]
        if len(parts) != len(keys):
            raise UserError(f"--vary {text!r}: {len(keys)} keys move together, so each value needs "
                            f"{len(keys)} parts joined by '+'; got {item!r}")
        values.append(parts if len(keys) > 1 else parts[0])
    return Variation(key, values)


def _scalar(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def expand(variations: list[Variation]) -> list[Cell]:
    """Every combination, the first variation changing fastest (it runs along a sheet's rows)."""
    if not variations:
        return [Cell({}, "", ())]
    cells = []
    ranges = [range(len(v.values)) for v in reversed(variations)]
    for reversed_index in itertools.product(*ranges):
        index = tuple(reversed(reversed_index))
        overrides = {k: value for v, i in zip(variations, index) for k, value in v.overrides(i).items()}
        label = ", ".join(v.label(i) for v, i in zip(variations, index))
        cells.append(Cell(overrides, label, index))
    return cells


def grid_shape(variations: list[Variation]) -> tuple[int, int]:
    """(rows, cols) of a sheet: the first variation across, every other one down."""
    if not variations:
        return 1, 1
    cols = len(variations[0].values)
    rows = 1
    for variation in variations[1:]:
        rows *= len(variation.values)
    return rows, cols
