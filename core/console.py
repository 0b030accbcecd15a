"""The CLI's consoles: wrapped to the terminal's width on a terminal, never wrapped into a pipe.

Rich assumes 80 columns when its output is not a terminal, so `gazette info | cat`, a search
piped to grep, or the demo's log in a file had paths and titles cut mid-word. Output that goes
to a pipe or a file is for programs and logs: lines stay whole, tables as wide as their content.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

PIPE_WIDTH = 10_000  # columns when not a terminal: a table never wraps a cell, a line never breaks


def make_console(*, stderr: bool = False, **options: Any) -> Console:
    """A Console for stdout (or stderr) that wraps only on a terminal."""
    console = Console(stderr=stderr, **options)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, soft_wrap=True, width=PIPE_WIDTH, **options)
