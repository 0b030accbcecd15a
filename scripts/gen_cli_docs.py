"""Write docs/cli.md, the command-line reference, from the `gazette` command tree itself.

A hand-written reference drifts as commands come and go; this one is rebuilt from whatever
`gazette.cli:app` holds (`make docs`), and tests/test_docs.py fails when the committed file
differs from what this script produces. The output is deterministic: click's formatter gets a
fixed width (never the terminal's), commands appear in the order the CLI lists them, and nothing
is read from the environment.

    python scripts/gen_cli_docs.py            # rewrite docs/cli.md
    python scripts/gen_cli_docs.py --check    # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

try:  # typer >= 0.29 carries its own copy of click; older releases use click itself
    from typer._click import Command, Context
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import Command, Context

REPO = Path(__file__).resolve().parent.parent
CLI_DOC = REPO / "docs" / "cli.md"
PROGRAM = "gazette"
WIDTH = 100  # the width click wraps usage lines to; fixed so the file is the same on every terminal

HEADER = f"""# Command-line reference: `{PROGRAM}`

Generated from the commands themselves by `scripts/gen_cli_docs.py` (`make docs`); do not edit
by hand. `tests/test_docs.py` fails when this file is out of date. Every command also answers
`--help`.
"""


def root_command() -> Command:
    """The click command tree behind `gazette` (imported late: the CLI imports every stage)."""
    from gazette.cli import app

    return typer.main.get_command(app)


def walk(command: Command, parent: Context | None = None) -> Iterator[Context]:
    """A context for `command` and for every visible command below it, parents first."""
    name = command.name if parent is not None else PROGRAM
    ctx = command.make_context(
        name, [], parent=parent, resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH
    )
    yield ctx
    for sub in subcommands(ctx):
        yield from walk(sub, ctx)


def subcommands(ctx: Context) -> list[Command]:
    """The visible commands of a group, in the order it lists them (none for a plain command)."""
    command = ctx.command
    if not hasattr(command, "list_commands"):
        return []
    found = (command.get_command(ctx, name) for name in command.list_commands(ctx))
    return [sub for sub in found if sub is not None and not sub.hidden]


def _help_text(command: Command) -> str:
    """The command's help as the user reads it: click's `\\f` cut and `\\b` no-rewrap markers removed."""
    text = (command.help or "").split("\f", 1)[0]
    lines = [line for line in text.strip().splitlines() if line.strip() != "\b"]
    return "\n".join(line.rstrip() for line in lines)


def _summary(command: Command) -> str:
    """The first paragraph of the help, on one line, for the tables of contents."""
    return " ".join(_help_text(command).split("\n\n", 1)[0].split())


def _cell(text: str) -> str:
    """Text made safe for a Markdown table cell: one line, no column breaks, no HTML tags."""
    return _code_cell(text).replace("<", "&lt;").replace(">", "&gt;")


def _code_cell(text: str) -> str:
    """Text for a code span in a table cell: one line, `|` escaped (GFM splits cells before code)."""
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(ctx: Context) -> str:
    return ctx.command_path.replace(" ", "-").lower()


def _section(ctx: Context) -> list[str]:
    command = ctx.command
    lines = [f"## `{ctx.command_path}`", ""]
    help_text = _help_text(command)
    if help_text:
        lines += [help_text, ""]
    lines += ["```text", ctx.get_usage(), "```", ""]
    params = [
        record
        for param in command.get_params(ctx)
        if param.name != "help"  # every command has it; the header says so once
        and not getattr(param, "hidden", False)
        and (record := param.get_help_record(ctx)) is not None
    ]
    if params:
        lines += ["| argument / option | description |", "| --- | --- |"]
        lines += [f"| `{_code_cell(opts)}` | {_cell(description)} |" for opts, description in params]
        lines.append("")
    subs = subcommands(ctx)
    if subs:
        lines += ["| command | what it does |", "| --- | --- |"]
        for sub in subs:
            lines.append(f"| [`{sub.name}`](#{_anchor(ctx)}-{sub.name}) | {_cell(_summary(sub))} |")
        lines.append("")
    return lines


def render(root: Command | None = None) -> str:
    """docs/cli.md for the command tree `root` (default: the installed `gazette` CLI)."""
    contexts = list(walk(root if root is not None else root_command()))
    lines = [HEADER]
    for ctx in contexts[1:]:
        depth = len(ctx.command_path.split()) - 2
        lines.append(
            f"{'  ' * depth}- [`{ctx.command_path}`](#{_anchor(ctx)}): {_cell(_summary(ctx.command))}"
        )
    lines.append("")
    for ctx in contexts:
        lines += _section(ctx)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/cli.md from the gazette command tree.")
    parser.add_argument("--check", action="store_true", help="only check that the file is current")
    parser.add_argument("--output", type=Path, default=CLI_DOC, help="where to write (default: docs/cli.md)")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    shown = output.relative_to(REPO) if output.is_relative_to(REPO) else output
    text = render()
    if args.check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            print(f"{shown} is out of date: run `make docs`", file=sys.stderr)
            return 1
        print(f"{shown} is current")
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {shown} ({text.count(chr(10) + '## `')} command sections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
