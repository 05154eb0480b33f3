"""Atomic file output: write to a hidden temp file beside the target, rename over it only on success."""
from __future__ import annotations

import os
import secrets
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from cppn_motion.signals import signals_deferred
from cppn_motion.temps import owner_tag, sweep_stale


class AtomicFile:
    """A temp file beside `target`; `commit()` renames it over the target, `discard()` deletes it.

    The temp file sits in the target's own folder so the final os.replace is a
    rename within one filesystem (atomic on POSIX and Windows), and keeps the
    target's suffix so tools that pick a format from the extension still work.
    """

    def __init__(self, target: Path | str) -> None:
        self.target = Path(target)
        self.temp = _create_temp_beside(self.target)
        # Deletes the temp file if this object is dropped (or the interpreter exits)
        # before commit() or discard(): no hidden leftovers from an unclosed writer.
        self._delete_temp = weakref.finalize(self, self.temp.unlink, missing_ok=True)

    def commit(self) -> None:
        """Rename the temp file over the target."""
        try:
            os.replace(self.temp, self.target)
        except BaseException:
            self.discard()
            raise
        self._delete_temp.detach()

    def discard(self) -> None:
        """Delete the temp file; the target is left as it was."""
        self._delete_temp()


# The file most recently renamed into place by this process: after a stop signal the CLI can
# say truthfully that it is complete and kept, instead of implying nothing was written.
last_commit: Path | None = None


def commit_together(files: Sequence[AtomicFile]) -> None:
    """Rename several finished temp files over their targets as one step, in the order given
    (a sidecar before its output: a reader never sees a new output with an old sidecar).

    Stop signals wait until the renames are done (signals.signals_deferred). If a rename fails,
    the targets already replaced get their earlier files back (kept as hard links meanwhile),
    so a failure leaves every target as it was."""
    global last_commit
    committed: list[tuple[Path, bool, Path | None]] = []
    backups: list[Path] = []
    with signals_deferred():
        try:
            for file in files:
                existed, backup = _hard_link_backup(file.target)
                if backup is not None:
                    backups.append(backup)
                file.commit()
                committed.append((file.target, existed, backup))
            if files:
                last_commit = files[-1].target
        except BaseException:
            for target, existed, backup in reversed(committed):
                if backup is not None:
                    os.replace(backup, target)
                elif not existed:
                    target.unlink(missing_ok=True)
            for file in files:
                file.discard()
            raise
        finally:
            for backup in backups:
                backup.unlink(missing_ok=True)


def _hard_link_backup(target: Path) -> tuple[bool, Path | None]:
    """(whether a file is at `target`, a second name for it to restore it by, or None)."""
    if not target.is_file():
        return False, None
    backup = target.with_name(f".{target.name}.old-{owner_tag()}{secrets.token_hex(3)}")
    try:
        os.link(target, backup)
    except OSError:  # no hard links here (some network filesystems): this one cannot be rolled back
        return True, None
    return True, backup


@contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a hidden temp path beside `path`; rename it over `path` only if the block completes.

    On any exception (KeyboardInterrupt included) the temp file is removed, an
    existing file at `path` is left byte-identical, and the exception re-raised.
    """
    output = AtomicFile(path)
    try:
        yield output.temp
    except BaseException:
        output.discard()
        raise
    output.commit()


def _create_temp_beside(target: Path) -> Path:
    """Create an empty '.<stem>.tmp-<host>@<pid>@<hex><suffix>' file next to `target` and return
    its path, first removing the temps a killed run of this host left there (temps.py)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target.parent)
    while True:
        temp = target.with_name(f".{target.stem}.tmp-{owner_tag()}{secrets.token_hex(3)}{target.suffix}")
        try:
            # O_EXCL: never reuse a name another writer holds. Mode 0o666 lets the
            # umask decide permissions, as for a plain open() (mkstemp would force 0600).
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return temp
