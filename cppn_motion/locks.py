"""One render at a time per output: a lock file beside the target (flock), so a second render
to the same path (two --resume runs, a script started twice) refuses in one line instead of the
two interleaving their files. The kernel drops the lock when a process dies, however it dies."""
from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cppn_motion.errors import OutputError, UserError
from cppn_motion.temps import host

try:
    import fcntl
except ImportError:  # Windows: no flock; renders are not serialised there
    fcntl = None  # type: ignore[assignment]


def lock_path(target: Path | str) -> Path:
    target = Path(target)
    return target.with_name(f".{target.name}.lock")


@contextmanager
def output_lock(target: Path | str) -> Iterator[None]:
    """Hold the lock of `target` for the block, or raise OutputError naming the render that holds
    it. The lock file is removed on the way out (the next holder makes a new one)."""
    if fcntl is None:
        yield
        return
    path = lock_path(target)
    made = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = _acquire(path, Path(target))
    except OSError as err:  # a read-only or missing folder: the user's to fix, as for the output itself
        if err.errno in (errno.ENOSPC, errno.EDQUOT):  # no room even for the lock (out of inodes): exit 1
            raise OutputError(f"output path '{target}': cannot create a file there: {err.strerror}; "
                              "nothing was written") from None
        raise UserError(f"output path '{target}': cannot write there ({err.strerror or err})") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {host()}\n".encode())
        yield
    finally:
        path.unlink(missing_ok=True)  # before unlocking: a waiter then opens a fresh file
        os.close(fd)
        for folder in made:  # made for this render, deepest first: removed if nothing was saved there
            try:
                folder.rmdir()
            except OSError:
                break


def _acquire(path: Path, target: Path) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").split()
            os.close(fd)
            who = f" (pid {holder[0]} on {holder[1]})" if len(holder) >= 2 else ""
            raise OutputError(f"another render is writing '{target}'{who}; wait for it to finish, "
                              "or choose another -o") from None
        except BaseException:
            os.close(fd)
            raise
        try:  # the previous holder may have removed the file between our open and our lock
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
