"""The object every kb command receives: where the project is.

Kept apart from ``kb.cli`` so that command modules can import it without
importing the command group itself.
"""

from __future__ import annotations

from pathlib import Path

import click

from kb.loader import LoadResult, Narrow, load_project


class Context:
    """What every command needs: where the project is."""

    def __init__(self, project: Path) -> None:
        self.project = project

    def load(self, narrow: Narrow | None = None) -> LoadResult:
        return load_project(self.project, narrow)


pass_context = click.make_pass_decorator(Context)
