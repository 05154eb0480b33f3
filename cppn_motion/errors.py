"""Errors a user can cause and fix: the CLI prints them as one line and exits 2."""
from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input (preset, flag, path), not a bug in cppn_motion."""

    exit_code = 2


class ConfigError(UserError, ValueError):
    """A preset or override value that fails validation.

    The message names the key path, what is allowed and what was given.
    """


class OutputError(UserError):
    """The output could not be written (disk full, read-only folder, ffmpeg missing).

    The environment's fault rather than the input's, hence exit status 1; the target
    path holds whatever it held before.
    """

    exit_code = 1
