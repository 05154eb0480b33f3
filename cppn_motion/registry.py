"""Name -> factory registries with helpful errors (activations, inits, architectures, ...)."""
from __future__ import annotations

import difflib
from typing import Callable, Generic, Iterator, TypeVar

from cppn_motion.errors import ConfigError

T = TypeVar("T")


def did_you_mean(name: str, known: list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean 'x'?)' suffix when a known name is close to `name`, else ''."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Registry(Generic[T]):
    """Maps names to objects; an unknown name raises a ConfigError listing the known ones.

    >>> acts = Registry("activation")
    >>> @acts.register("tanh")
    ... def tanh(x): ...
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._docs: dict[str, str] = {}

    def register(self, name: str, doc: str | None = None) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} '{name}' registered twice")
            self._items[name] = obj
            self._docs[name] = doc if doc is not None else _first_line(getattr(obj, "__doc__", None))
            return obj

        return decorator

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise ConfigError(self.unknown_message(name)) from None

    def unknown_message(self, name: object) -> str:
        known = ", ".join(self.names())
        return f"unknown {self.kind} {name!r}{did_you_mean(str(name), self.names())}; known: {known}"

    def describe(self, name: str) -> str:
        return self._docs.get(name, "")

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""
