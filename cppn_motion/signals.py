"""Turn SIGTERM/SIGHUP (and SIGINT) into exceptions, so an interrupted render unwinds
through the writers' cleanup: temp files removed, ffmpeg killed, earlier outputs kept."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

# SIGHUP: the terminal went away (ssh dropped). Not on Windows, hence getattr.
STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


# Signals that arrive while a commit renames files (signals_deferred) wait for its end.
_deferring = 0
_pending: int | None = None


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Within the block, a stop signal (see stop_on_signals) is held back and raised when the
    block completes, so the renames of one commit (a sidecar, then its output) happen together
    or not at all. If the block fails, its own error wins. Outside stop_on_signals: no effect."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    except BaseException:
        _deferring -= 1
        if _deferring == 0:
            _pending = None
        raise
    _deferring -= 1
    if _deferring == 0 and _pending is not None:
        signum, _pending = _pending, None
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated(signum)


class Terminated(BaseException):
    """The process was asked to stop by a signal.

    A BaseException, like KeyboardInterrupt, so `except Exception` blocks do not swallow
    it; context managers and `finally` clauses still run.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as shells report a process killed by it (SIGTERM: 143)."""
        return 128 + self.signum


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise Terminated and SIGINT raises KeyboardInterrupt.

    Only the first signal raises: later ones are ignored, so pressing Ctrl-C again (or a
    supervisor repeating SIGTERM) cannot cut the cleanup short and leave a temp file or
    an ffmpeg behind. Cleanup is bounded (kill ffmpeg, delete a file), so nothing hangs.
    The previous handlers are restored on exit. Outside the main thread this does nothing
    (Python only delivers signals there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handler(signum: int, _frame: object) -> None:
        nonlocal stopping
        global _pending
        if stopping:
            return
        stopping = True
        if _deferring:  # a commit is renaming files: raise when it is done (signals_deferred)
            _pending = signum
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    previous = {}
    for signum in (signal.SIGINT, *STOP_SIGNALS):
        current = signal.getsignal(signum)
        if signum == signal.SIGINT and current is not signal.default_int_handler:
            continue  # someone chose how Ctrl-C behaves (e.g. ignored under nohup): leave it
        if signum != signal.SIGINT and current is signal.SIG_IGN:
            continue  # nohup ignores SIGHUP on purpose: keep it ignored
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def ignore_stop_signals() -> None:
    """Ignore Ctrl-C, SIGTERM and SIGHUP from now on: for a process whose work is done and
    reported, which must not die by the default handler (no message, status 143) on its way out."""
    for signum in (signal.SIGINT, *STOP_SIGNALS):
        signal.signal(signum, signal.SIG_IGN)
