"""A stricter YAML reader for presets: duplicate keys are errors and 1e-3 is a number.

PyYAML follows YAML 1.1, where `1e-3` (no dot) is the *string* '1e-3' and a key
given twice silently keeps the last value. Both turn a user's intent into a
confusing later error (or none at all), so presets are read with this loader.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats (1e3, 1E-3, +2.5e2) and duplicate-key errors."""


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


def load(text: str) -> Any:
    """Parse YAML text with the strict loader (raises yaml.YAMLError on bad input)."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506  (StrictLoader is a SafeLoader)
