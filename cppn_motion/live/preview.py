"""What the live preview serves: the preset (a watched file or a bundled name) with the panel's
overrides, built into the page, and a version that counts every rebuild. Thread-safe: the HTTP
handlers read it while the watcher and the panel rebuild it."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Callable

from cppn_motion.atomic import atomic_output
from cppn_motion.config.presets import load_preset, parse_set, parse_yaml, preset_to_yaml, read_preset_text
from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.live.gallery import Gallery
from cppn_motion.live.render_job import Render, RenderJob
from cppn_motion.live.variations import proposals

# The keys the page's panel edits (each goes through the same validation as --set).
PANEL_KEYS = ("seed", "net.depth", "net.width", "net.activation", "timeline.latent.path", "colour.mode",
              "colour.palette", "colour.contrast")


def one_line(exc: BaseException) -> str:
    """The message the CLI would print for this error (after 'cppn-motion: error: ')."""
    if isinstance(exc, UserError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def panel_values(preset: Preset) -> dict[str, str]:
    """The panel's keys as the text a --set would take (a palette list as JSON, which YAML reads,
    so its '#rrggbb' entries are not taken for comments)."""
    data = preset.to_dict()
    values = {}
    for key in PANEL_KEYS:
        value: Any = data
        for part in key.split("."):
            value = value[part]
        values[key] = json.dumps(value) if isinstance(value, list) else str(value)
    return values


_MISSING = object()


def _dotted(data: Any, key: str) -> Any:
    """data['net']['depth'] for 'net.depth'; _MISSING where the path is absent."""
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


class PreviewState:
    """The current good page, the last error (None while the newest build is good) and the version.

    make_page(preset, version) -> the HTML to serve. `ref` is a bundled name or a YAML path; only a path is
    watched. `overrides` are the command line's --set pairs; the panel's go on top of them, until
    the file itself changes that key (then the saved file's value is the one shown)."""

    def __init__(self, ref: str, overrides: dict[str, Any], make_page: Callable[[Preset, int], str],
                 render: Render | None = None, gallery: Gallery | None = None) -> None:
        self.ref = ref
        self.render = RenderJob(render)
        self.gallery = gallery or Gallery()
        self.path = Path(ref) if Path(ref).is_file() else None  # load_preset reads an existing file as the preset
        self._base = dict(overrides)
        self._panel: dict[str, Any] = {}
        self._make_page = make_page
        self._lock = threading.Lock()      # guards the fields below, held only to read or swap them
        self._build = threading.Lock()     # one build at a time, in order
        self.version = 0
        self.error: str | None = None
        self.page = ""
        self.preset: Preset | None = None
        self._stamp = self._file_stamp()
        self._file_data: Any = None  # the file's own mapping at the last build (None: unread or not YAML)

    # -- building --------------------------------------------------------------------------------
    def _resolve(self, panel: dict[str, Any]) -> Preset:
        return load_preset(self.ref, {**self._base, **panel})

    def _load(self, panel: dict[str, Any]) -> tuple[Preset, str]:
        preset = self._resolve(panel)
        return preset, self._make_page(preset, self.version + 1)  # the version it will be served as

    def _file_keys_changed(self) -> None:
        """Drop the panel's value for every key whose value the saved file changed."""
        try:
            data = parse_yaml(*read_preset_text(self.ref))
        except UserError:
            return  # unreadable or not YAML: the build reports it; compare with the next good text
        if self._file_data is not None:
            self._panel = {key: value for key, value in self._panel.items()
                           if _dotted(data, key) == _dotted(self._file_data, key)}
        self._file_data = data

    def start(self) -> None:
        """The first build; its error is raised (the command then stops with that one line)."""
        with self._build:
            self._file_keys_changed()
            preset, page = self._load(self._panel)
            with self._lock:
                self.preset, self.page, self.error, self.version = preset, page, None, self.version + 1

    def rebuild(self) -> None:
        """Build again (the file changed): a failure keeps the last good page and records its line."""
        with self._build:
            self._file_keys_changed()
            try:
                preset, page = self._load(self._panel)
            except Exception as exc:  # any failure is shown on the page; the server keeps serving
                with self._lock:
                    self.error, self.version = one_line(exc), self.version + 1
                return
            with self._lock:
                self.preset, self.page, self.error, self.version = preset, page, None, self.version + 1

    def apply(self, items: dict[str, str]) -> None:
        """The panel's edits ({'net.depth': '12'}: text as after --set KEY=), validated as --set.
        Raises the one-line error and changes nothing when a value is refused."""
        with self._build:
            panel = self._parsed(self._panel, items)
            preset, page = self._load(panel)
            self._panel = panel
            with self._lock:
                self.preset, self.page, self.error, self.version = preset, page, None, self.version + 1

    def reset(self) -> None:
        """Drop the panel's edits and adopted variations: the file as saved (with the command
        line's --set) again. A file that does not build shows its line, as after a save."""
        with self._build:
            self._panel = {}
        self.rebuild()

    # -- variations ------------------------------------------------------------------------------
    def variations(self) -> dict[str, Any]:
        """A new round of candidates around the preset shown now; their pictures follow in the background."""
        with self._build:
            with self._lock:
                preset, error = self.preset, self.error
            if preset is None or error is not None:
                raise UserError(f"variations: the preset does not build ({error}); fix it first")
            panel = dict(self._panel)
            round_number = self.gallery.round + 1
            proposed = proposals(preset, round_number, lambda changes: self._resolve(self._parsed(panel, changes)))
            self.gallery.show(round_number, preset, proposed)
        return self.gallery.status()

    def adopt(self, round_number: Any, index: Any) -> None:
        """Make candidate `index` of that round the preset (as the panel's edits would); refused in
        one line when there is no such candidate or the preset changed since the round was made."""
        candidate, _ = self.gallery.candidate(round_number, index)
        with self._lock:
            now = preset_to_yaml(self.preset) if self.preset else ""
        if now != self.gallery.base:
            raise UserError(f"adopt: the preset changed since round {round_number} was made (a save or an edit); "
                            "press 'variations' again")
        self.apply(candidate.changes)

    @staticmethod
    def _parsed(panel: dict[str, Any], items: dict[str, str]) -> dict[str, Any]:
        """The panel's overrides with these edits (text, as after --set KEY=) read on top."""
        merged = dict(panel)
        for key, text in items.items():
            name, value = parse_set(f"{key}={text}")
            merged[name] = value
        return merged

    def current(self) -> str:
        with self._lock:
            return self.page

    def snapshot(self) -> dict[str, Any]:
        """What /version answers: the version, the newest build's error (None: it is the page) and the panel's values."""
        with self._lock:
            return {"version": self.version, "error": self.error,
                    "values": panel_values(self.preset) if self.preset else {}, "render": self.render.status(),
                    "variations": self.gallery.status()}

    def start_render(self) -> dict[str, Any]:
        """Render the preset the page shows now (not a newer one that failed to build)."""
        with self._lock:
            preset = self.preset
        if preset is None:
            raise UserError("render: no preset has been built yet")
        return self.render.start(preset)

    # -- the file --------------------------------------------------------------------------------
    def _file_stamp(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return (-1, -1)  # gone for now (an editor's rename): the next stamp differs
        return (stat.st_mtime_ns, stat.st_size)

    def poll(self) -> bool:
        """Rebuild when the watched file's modification time or size changed; True if it did."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        self.rebuild()
        return True

    def save(self, folder: Path | None = None) -> Path:
        """Write the current preset as NAME.edited.yaml beside the original when that is inside the
        working folder, else in the working folder; `render` of that file makes the same loop."""
        cwd = Path(folder or os.getcwd()).resolve()
        with self._lock:
            preset, error = self.preset, self.error
        if preset is None or error is not None:
            raise UserError(f"save: the preset does not build ({error}); fix it first")
        if self.path is not None:
            stem = self.path.stem.removesuffix(".edited")
            beside = self.path.resolve().parent
            target = (beside if beside.is_relative_to(cwd) else cwd) / f"{stem}.edited.yaml"
        else:
            target = cwd / f"{preset.name}.edited.yaml"
        with atomic_output(target) as temp:
            temp.write_text(preset_to_yaml(preset), encoding="utf-8")
        return target

