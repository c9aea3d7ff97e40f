"""Exceptions a user can act on.

They derive from click's ClickException so that the command line prints
``Error: ...`` and exits with a status code instead of a traceback.
"""

from __future__ import annotations

import click

from kb.problems import terminal_safe


class KbError(click.ClickException):
    """The command could not run: a missing project, an unreadable setting."""

    exit_code = 2

    def format_message(self) -> str:
        # Messages quote names and values from the project's files.
        return terminal_safe(self.message)


class ProblemsFound(click.ClickException):
    """Input had problems; they were printed already, this only sets the exit status."""

    exit_code = 1

    def format_message(self) -> str:
        return terminal_safe(self.message)
