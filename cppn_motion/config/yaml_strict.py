"""A stricter YAML reader for presets: duplicate keys are errors and 1e-3 is a number.

PyYAML follows YAML 1.1, where `1e-3` (no dot) is the *string* '1e-3' and a key
given twice silently keeps the last value. Both turn a user's intent into a
confusing later error (or none at all), so presets are read with this loader.

Preset files come from strangers, so the loader is also bounded: text over MAX_BYTES is
refused before parsing, more than MAX_ALIASES alias uses or MAX_NODES nodes once aliases are
expanded (a "billion laughs" bomb) and nesting deeper than MAX_DEPTH are refused while
composing, before PyYAML's recursive constructor (or anything later) walks the value.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice."""


MAX_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_NODES = 20_000  # the largest shipped preset has 136; parsing 20k takes ~0.5 s
MAX_DEPTH = 100


class BoundsError(yaml.composer.ComposerError):
    """The YAML is too large, too deep or expands too many aliases to be a preset."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats (1e3, 1E-3, +2.5e2), duplicate-key errors and bounds."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0  # collections open around the node being composed
        self._aliases = 0
        self._nodes = 0  # nodes the value holds with every alias expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                self._refuse(event, f"more than {MAX_ALIASES:,} alias uses (*name); a preset needs far fewer")
            node = super().compose_node(parent, index)
            self._count(event, getattr(node, "_bound_nodes", 1), self._depth + getattr(node, "_bound_height", 1))
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._refuse(event, f"nesting deeper than {MAX_DEPTH} levels")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        # Size and height with aliases expanded; the children are counted already.
        node._bound_nodes = 1 + sum(getattr(child, "_bound_nodes", 1) for child in children)
        node._bound_height = 1 + max((getattr(child, "_bound_height", 1) for child in children), default=0)
        self._count(event, 1, self._depth + node._bound_height)
        return node

    def _count(self, event: Any, nodes: int, depth: int) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            self._refuse(event, f"more than {MAX_NODES:,} values once aliases are expanded")
        if depth > MAX_DEPTH:
            self._refuse(event, f"nesting deeper than {MAX_DEPTH} levels once aliases are expanded")

    def _refuse(self, event: Any, problem: str) -> None:
        raise BoundsError(None, None, problem, event.start_mark)


# YAML 1.2 core schema floats, plus 1.1's forms SafeLoader already knows; listed
# first so '1e3' resolves to float before the int/str resolvers look at it.
_FLOAT_12 = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        )$""",
    re.X,
)
StrictLoader.yaml_implicit_resolvers = {
    key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "-+0123456789.":
    StrictLoader.yaml_implicit_resolvers.setdefault(_first, []).insert(0, ("tag:yaml.org,2002:float", _FLOAT_12))


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *base' brings keys in that the mapping may override: not a duplicate
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # unhashable key, e.g. a list: let the base class report it
            break
        if duplicate:
            first = seen[key].start_mark
            raise DuplicateKeyError(
                None, None,
                f"key {key!r} appears twice (first at line {first.line + 1}); each key may appear once",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def too_large(size: int) -> str | None:
    """Why text of `size` bytes is refused before parsing, or None when it may be parsed."""
    if size > MAX_BYTES:
        return f"{size:,} bytes is over the {MAX_BYTES:,}-byte limit for preset text"
    return None


def load(text: str) -> Any:
    """Parse YAML text with the strict loader (raises yaml.YAMLError on bad input, BoundsError
    on text over MAX_BYTES, too many aliases or nodes, or nesting over MAX_DEPTH)."""
    problem = too_large(len(text.encode("utf-8", "surrogatepass")))
    if problem is not None:
        raise BoundsError(None, None, problem, None)
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506  (StrictLoader is a SafeLoader)
