"""Temporary files that say whose they are: every hidden temp name carries this host and process
id, so a later run can recognise and remove what a killed run (SIGKILL, power loss: nothing can
clean up then) left behind, without touching the temps of a run still going."""
from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

# '<host>@<pid>@' inside a temp name; hostnames hold only letters, digits, '-' and '.'.
_OWNER = re.compile(r"(?:\.tmp-|\.old-|\.encoders-|^cppn_motion-ffmpeg-)(?P<host>[A-Za-z0-9.-]{1,32})@(?P<pid>\d+)@")
_swept: set[Path] = set()


def host() -> str:
    name = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
    return name[:32]


def owner_tag() -> str:
    """'<host>@<pid>@': put in each temp name after its kind ('.tmp-', '.old-', '.encoders-')."""
    return f"{host()}@{os.getpid()}@"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_stale(folder: Path | str) -> list[Path]:
    """Remove the temps in `folder` that a dead process of this host left (once per folder and
    process); returns what was removed. Temps of other hosts (shared storage) are left alone:
    their pids mean nothing here."""
    folder = Path(folder)
    try:
        key = folder.resolve()
    except OSError:
        return []
    if key in _swept:
        return []
    _swept.add(key)
    removed = []
    here = host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = _OWNER.search(entry.name)
        if match is None or match["host"] != here or int(match["pid"]) == os.getpid() or _alive(int(match["pid"])):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed
