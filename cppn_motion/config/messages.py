"""Validation errors as one line a user can act on: the key path, what is allowed, what was given."""
from __future__ import annotations

import reprlib
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from cppn_motion.registry import did_you_mean

# Several problems are listed on the one line, up to this many; the rest are counted.
LISTED_PROBLEMS = 5


def format_validation_error(exc: ValidationError, source: str, root: type[BaseModel]) -> str:
    """pydantic's report on validating `root` -> one line: the key path, what is allowed, what was given."""
    errors = exc.errors(include_url=False)
    if len(errors) == 1:
        return f"{source}: {_describe(errors[0], root)}"
    listed = [f"({number}) {_describe(error, root)}" for number, error in enumerate(errors[:LISTED_PROBLEMS], 1)]
    rest = len(errors) - LISTED_PROBLEMS
    more = f" (and {rest} more problem{'s' if rest > 1 else ''})" if rest > 0 else ""
    return f"{source}: {len(errors)} problems: {' '.join(listed)}{more}"


def _dotted(loc: Any) -> str:
    """('timeline', 'keyframes', 2, 'time') -> 'timeline.keyframes[2].time'."""
    text = ""
    for part in loc:
        # A number first is a (bad) top-level key, not a list index.
        text += f"[{part}]" if isinstance(part, int) and text else (f".{part}" if text else str(part))
    return text


def _describe(error: dict[str, Any], root: type[BaseModel]) -> str:
    loc = [str(part) for part in error["loc"]]
    path = _dotted(error["loc"]) or "(top level)"
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        parent, name = loc[:-1], loc[-1]
        allowed = _allowed_keys(root, parent)
        where = f" in '{_dotted(error['loc'][:-1])}'" if parent else ""
        return f"unknown key '{path}'{did_you_mean(name, allowed)}; allowed keys{where}: {', '.join(allowed)}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if kind in ("value_error", "assertion_error") and path == "(top level)":
        return message
    if kind == "value_error":
        return f"{path}: {message}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{path}: expected a section of keys (a mapping such as {{key: value}}); got {short_repr(given)}"
    if isinstance(given, bool) and kind in ("int_type", "float_type", "int_parsing", "float_parsing"):
        return f"{path}: {message[0].lower() + message[1:]}; got {str(given).lower()} (a boolean, not a number)"
    return f"{path}: {message[0].lower() + message[1:]}; got {short_repr(given)}"


def _allowed_keys(root: type[BaseModel], loc: list[str]) -> list[str]:
    model = root
    for part in loc:
        if part.isdigit():  # an index into a list of sections (timeline.keyframes.2)
            continue
        field = model.model_fields.get(part)
        inner = _section_type(getattr(field, "annotation", None))
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _section_type(annotation: Any) -> type[BaseModel] | None:
    """The section model inside an annotation such as Model, Model | None or list[Model]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union) or type(annotation).__name__ == "UnionType":
        for arg in get_args(annotation):
            found = _section_type(arg)
            if found is not None:
                return found
    return None


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _SHORT_REPR.maxlong = 60
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxdict = _SHORT_REPR.maxset = 8


def short_repr(value: Any) -> str:
    """A value quoted for an error, at most 60 characters; never builds the full repr (a
    value from a YAML alias bomb can be huge)."""
    text = _SHORT_REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
