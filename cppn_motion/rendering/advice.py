"""Advice the output guards give: one `--set` change each, applied and checked by the tests
(tests/rendering/test_guards.py), so a note never recommends something that does nothing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Advice:
    key: str
    value: float | int | bool
    now: float | int | bool

    def __str__(self) -> str:
        return f"--set {self.key}={_text(self.value)} (now {_text(self.now)})"


def _text(value: float | int | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}"


def scaled(value: float, factor: float) -> float:
    """value * factor to two significant digits: advice a person can type."""
    return float(f"{value * factor:.2g}")


def joined(advice: list[Advice]) -> str:
    return " or ".join(str(item) for item in advice)
