"""Finding, reading and writing presets: bundled names or YAML paths, `--set` overrides,
and the resolved preset as YAML text. I/O only; validation lives in config.py."""
from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Iterable

import yaml

from cppn_motion.config import yaml_strict
from cppn_motion.config.schema import Preset, set_dotted, validate_preset
from cppn_motion.errors import ConfigError, UserError
from cppn_motion.registry import did_you_mean

DEFAULT_PRESET = "default"


def _bundled_dir():
    return importlib.resources.files("cppn_motion.bundled_presets")


def bundled_names() -> list[str]:
    return sorted(p.name[:-5] for p in _bundled_dir().iterdir() if p.name.endswith(".yaml"))


def _looks_like_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref or Path(ref).is_file()


def read_preset_text(ref: str) -> tuple[str, str]:
    """(YAML text, source label) for a bundled preset name or a path to a YAML file."""
    if _looks_like_path(ref):
        path = Path(ref)
        if path.is_dir():
            raise UserError(f"preset '{ref}' is a folder; give a .yaml file or a bundled preset name")
        if not path.is_file():
            raise UserError(f"preset file '{ref}' does not exist")
        try:
            size = path.stat().st_size
            problem = yaml_strict.too_large(size)
            if problem is not None:  # refuse before reading: it may be huge
                raise UserError(f"preset file '{ref}': {problem}; refused")
            with path.open("rb") as handle:
                data = handle.read(yaml_strict.MAX_BYTES + 1)  # it may have grown since stat
        except OSError as exc:
            raise UserError(f"preset file '{ref}' cannot be read: {exc.strerror or exc}") from None
        problem = yaml_strict.too_large(len(data))
        if problem is not None:
            raise UserError(f"preset file '{ref}': over the {yaml_strict.MAX_BYTES:,}-byte limit for preset text; refused")
        return _decode_utf8(data, ref), str(path)
    names = bundled_names()
    if ref not in names:
        beside = next((f"./{ref}{ext}" for ext in (".yaml", ".yml") if Path(f"{ref}{ext}").is_file()), None)
        if beside is not None:  # `render typo` with ./typo.yaml here: the file was meant
            raise UserError(f"unknown preset '{ref}'; did you mean the file '{beside}'? "
                            f"(a name without .yaml is a bundled preset: cppn-motion render {beside})")
        raise UserError(
            f"unknown preset '{ref}'{did_you_mean(ref, names)}; bundled: {', '.join(names)} "
            "(or give a path to a .yaml file)"
        )
    return (_bundled_dir() / f"{ref}.yaml").read_text(encoding="utf-8"), f"preset '{ref}'"


def _decode_utf8(data: bytes, ref: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UserError(
            f"preset file '{ref}' is not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column {column}; "
            "save it as UTF-8"
        ) from None


def parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml_strict.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        verdict = "YAML refused" if isinstance(exc, yaml_strict.BoundsError) else "invalid YAML"
        raise ConfigError(f"{source}: {verdict}{where}: {problem}") from None


def parse_set(item: str) -> tuple[str, Any]:
    """'net.depth=12' -> ('net.depth', 12). Values are read as YAML: numbers, booleans, [lists]."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set net.depth=12")
    if text.strip().startswith("#"):
        return key, text.strip()  # '#rrggbb' would read as a YAML comment, i.e. nothing
    try:
        value = yaml_strict.load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text  # not YAML: keep the raw string, validation will judge it
    return key, value


def load_preset(ref: str | Path | Preset = DEFAULT_PRESET, overrides: dict[str, Any] | Iterable[str] | None = None) -> Preset:
    """A validated Preset from a bundled name, a YAML path or a Preset, with overrides applied.

    overrides: {'net.depth': 12} or ['net.depth=12', ...] (the CLI's --set form).
    """
    if isinstance(ref, Preset):
        data = ref.to_dict()
        source = f"preset '{ref.name}'"
    else:
        text, source = read_preset_text(str(ref))
        data = parse_yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a preset is a mapping of keys to values; got {type(data).__name__}")
    if overrides:
        items = overrides.items() if isinstance(overrides, dict) else (parse_set(s) for s in overrides)
        for key, value in items:
            try:
                set_dotted(data, key, value)
            except ConfigError:
                # The file itself may be at fault (e.g. 'canvas: 5' under --size): report that first.
                validate_preset(data, source)
                raise
    return validate_preset(data, source)


def preset_to_yaml(preset: Preset) -> str:
    """The fully resolved preset; feeding it back as a preset file renders identically."""
    return yaml.safe_dump(preset.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def list_presets() -> list[tuple[str, str]]:
    """(name, description) of each bundled preset."""
    out = []
    for name in bundled_names():
        text, source = read_preset_text(name)
        data = parse_yaml(text, source) or {}
        out.append((name, str(data.get("description", ""))))
    return out
