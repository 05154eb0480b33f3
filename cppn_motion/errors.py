"""Errors a user can cause and fix: the CLI prints them as one line and exits 2."""
from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input (preset, flag, path), not a bug in cppn_motion."""

    exit_code = 2


class ConfigError(UserError, ValueError):
    """A preset or override value that fails validation.

    The message names the key path, what is allowed and what was given.
    """
