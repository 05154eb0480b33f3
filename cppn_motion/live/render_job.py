"""The live page's "render MP4": one real render of the previewed preset at a time, in a background
thread, with its progress for the page. The render itself is handed in (the CLI passes the library's
render), so this package stays below the API in the layer order."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError

# render(preset, target, progress) -> the written path; progress(n): n more frames finished (0 first,
# once the render is built), as rendering.hooks.Hooks.progress is called.
Render = Callable[[Preset, Path, Callable[[int], None]], Path]


class RenderJob:
    def __init__(self, render: Render | None) -> None:
        self._render = render
        self._lock = threading.Lock()
        self._status: dict[str, Any] = {"running": False, "done": 0, "total": 0, "path": None, "error": None}

    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._status)

    def start(self, preset: Preset, folder: Path | None = None) -> dict[str, Any]:
        """Render to outputs/NAME.mp4 in the working folder (whatever output.path says: nothing is
        written outside it). Refused while one is running."""
        if self._render is None:
            raise UserError("render: this server was started without a renderer")
        target = Path(folder or os.getcwd()).resolve() / "outputs" / f"{preset.name}.mp4"
        with self._lock:
            if self._status["running"]:
                raise UserError(f"render: one is running ({self._status['done']} of {self._status['total']} frames); "
                                "wait for it")
            self._status = {"running": True, "done": 0, "total": preset.timeline.frames, "path": str(target),
                            "error": None}
        threading.Thread(target=self._run, args=(preset, target), name="cppn-motion-live-render", daemon=True).start()
        return self.status()

    def _progress(self, frames: int) -> None:
        with self._lock:
            self._status["done"] += frames

    def _run(self, preset: Preset, target: Path) -> None:
        error = None
        try:
            self._render(preset, target, self._progress)
        except Exception as exc:  # shown on the page as the CLI would print it
            error = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._status.update(running=False, error=error)
