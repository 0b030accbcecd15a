"""Docs that run: the SQL and the commands in README.md and docs/*.md are executed, not trusted.

Every statement of every ```sql block runs against the sample snapshot (the warehouse the cookbook
tests use: the real sample polled from the live replica, advanced, polled again, published), and a
failure names the file and line of the statement. Every `gazette …` command in a ```sh block must
exist and answer `--help`, and every option it names must be one of that command's options.
docs/cli.md must be what scripts/gen_cli_docs.py writes today.

A block that is deliberately illustrative is marked, never silently skipped: the line before its
opening fence is `<!-- docs-test: skip -->`. Statements run verbatim, with the sample's data
directory as the working directory (the docs say to `cd "$GAZETTE_HOME"` for relative paths).
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from dashboards.sample import build_sample_warehouse
from gazette.cli import app

REPO = Path(__file__).resolve().parent.parent
DOC_FILES = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
SKIP_MARKER = "<!-- docs-test: skip -->"
FENCE = re.compile(r"^\s*(```+)\s*([\w+-]*)")
SH_LANGUAGES = {"sh", "bash", "shell", "console"}
PROGRAM = "gazette"


@dataclass(frozen=True)
class Block:
    """A fenced code block of a Markdown file: its language, first content line and text."""

    path: Path
    line: int  # 1-based line of the first line inside the fence
    language: str
    text: str
    skipped: bool

    def where(self, offset: int = 0) -> str:
        shown = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return f"{shown}:{self.line + offset}"


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a block, with the statements before it in the same block (line, SQL)."""

    block: Block
    line: int  # 1-based line in the file where the statement starts
    sql: str
    setup: tuple[tuple[int, str], ...]

    @property
    def where(self) -> str:
        return self.block.where(self.line - self.block.line)


def code_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file; a skip marker must sit right before an opening fence."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE.match(line)
        if line.strip() == SKIP_MARKER and not (index + 1 < len(lines) and FENCE.match(lines[index + 1])):
            raise ValueError(f"{path}:{index + 1}: {SKIP_MARKER} must be the line right before a code block")
        if opening is None:
            index += 1
            continue
        fence, language = opening.groups()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if end == len(lines):
            raise ValueError(f"{path}:{index + 1}: code block is never closed")
        skipped = index > 0 and lines[index - 1].strip() == SKIP_MARKER
        blocks.append(Block(path, index + 2, language.lower(), "\n".join(lines[index + 1 : end]), skipped))
        index = end + 1
    return blocks


def split_sql(text: str) -> Iterator[tuple[int, str]]:
    """(0-based line offset, statement) for each statement of a SQL text.

    Splits on semicolons outside quotes, quoted identifiers and comments; a piece that holds
    only comments is no statement. The offset is the line of the statement's first token.
    """
    start = 0
    first_token: int | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if text.startswith("--", index):
            newline = text.find("\n", index)
            index = len(text) if newline == -1 else newline
            continue
        if text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = len(text) if close == -1 else close + 2
            continue
        if char in "'\"":
            if first_token is None:
                first_token = index
            close = text.find(char, index + 1)
            while close != -1 and text.startswith(char * 2, close):  # '' inside a string
                close = text.find(char, close + 2)
            index = len(text) if close == -1 else close + 1
            continue
        if char == ";":
            if first_token is not None:
                yield text.count("\n", 0, first_token), text[start : index + 1].strip()
            start, first_token = index + 1, None
        elif first_token is None and not char.isspace():
            first_token = index
        index += 1
    if first_token is not None:
        yield text.count("\n", 0, first_token), text[start:].strip()


def sql_statements(blocks: list[Block]) -> list[Statement]:
    statements: list[Statement] = []
    for block in blocks:
        if block.language != "sql" or block.skipped:
            continue
        pieces = [(block.line + offset, sql) for offset, sql in split_sql(block.text)]
        for position, (line, sql) in enumerate(pieces):
            statements.append(Statement(block, line, sql, tuple(pieces[:position])))
    return statements


@dataclass(frozen=True)
class Command:
    """A `gazette …` command line of a shell block."""

    where: str
    words: tuple[str, ...]  # what follows the program name

    @property
    def text(self) -> str:
        return " ".join((PROGRAM, *self.words))

    @property
    def test_id(self) -> str:
        """`README.md:61 gazette search`: the place and the command words (ASCII) for pytest's ids."""
        names = [w for w in self.words[:3] if re.fullmatch(r"[a-z][a-z-]*", w)]
        return " ".join((self.where, PROGRAM, *names))


def shell_commands(blocks: list[Block]) -> list[Command]:
    """The `gazette …` / `.venv/bin/gazette …` lines of the shell blocks (continuations joined)."""
    commands: list[Command] = []
    for block in blocks:
        if block.language not in SH_LANGUAGES or block.skipped:
            continue
        logical: list[tuple[int, str]] = []
        for offset, line in enumerate(block.text.splitlines()):
            if logical and logical[-1][1].endswith("\\"):
                logical[-1] = (logical[-1][0], logical[-1][1][:-1] + " " + line)
            else:
                logical.append((offset, line))
        for offset, line in logical:
            try:
                words = shlex.split(line, comments=True)
            except ValueError as exc:
                raise ValueError(
                    f"{block.where(offset)}: cannot read the shell line ({exc}): {line}"
                ) from exc
            while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", words[0]):  # NAME=value prefixes
                words.pop(0)
            if words and Path(words[0]).name == PROGRAM:
                commands.append(Command(block.where(offset), tuple(words[1:])))
    return commands


def all_blocks() -> list[Block]:
    return [block for path in DOC_FILES for block in code_blocks(path)]


STATEMENTS = sql_statements(all_blocks())
COMMANDS = shell_commands(all_blocks())


# ---- SQL ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of the sample snapshot that test_cookbook.py and the dashboard tests use."""
    home = tmp_path_factory.getbasetemp() / "dashboard-sample"
    build_sample_warehouse(home)
    return home


def run_statement(statement: Statement, home: Path) -> None:
    """Run the block's earlier statements, then this one, on a read-only snapshot connection.

    The working directory is the data directory while they run. Fails the test naming the file
    and line of the statement (or of an earlier one it needs).
    """
    snapshot = home / "snapshot" / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch, duckdb.connect(str(snapshot), read_only=True) as con:
        patch.chdir(home)
        for line, sql in (*statement.setup, (statement.line, statement.sql)):
            try:
                con.execute(sql).fetchall()
            except duckdb.Error as exc:
                where = statement.block.where(line - statement.block.line)
                needed = "" if line == statement.line else f" (needed by {statement.where})"
                pytest.fail(f"{where}{needed}: {type(exc).__name__}: {exc}\n{sql}", pytrace=False)


@pytest.mark.parametrize("statement", STATEMENTS, ids=[s.where for s in STATEMENTS])
def test_every_sql_statement_in_the_docs_runs_on_the_sample_snapshot(
    statement: Statement, sample_home: Path
) -> None:
    run_statement(statement, sample_home)


def test_the_docs_have_sql_to_run_and_the_readme_is_part_of_it() -> None:
    files = {statement.block.path.name for statement in STATEMENTS}
    assert {"README.md", "warehouse.md"} <= files
    assert len(STATEMENTS) >= 12


def test_a_wrong_statement_is_reported_with_its_file_and_line(tmp_path: Path, sample_home: Path) -> None:
    doc = tmp_path / "broken.md"
    doc.write_text(
        "# constructed for this test\n\n```sql\nSELECT 1; -- fine\n\n"
        "SELECT no_such_column\nFROM documents;\n```\n",
        encoding="utf-8",
    )
    statements = sql_statements(code_blocks(doc))
    assert [s.line for s in statements] == [4, 6]
    run_statement(statements[0], sample_home)
    with pytest.raises(pytest.fail.Exception, match=r"broken\.md:6: BinderException"):
        run_statement(statements[1], sample_home)


def test_only_a_marked_block_is_skipped_and_a_stray_marker_is_an_error(tmp_path: Path) -> None:
    doc = tmp_path / "marked.md"
    doc.write_text(
        f"{SKIP_MARKER}\n```sql\nSELECT * FROM nowhere;\n```\n\n```sql\nSELECT 2;\n```\n", encoding="utf-8"
    )
    assert [s.sql for s in sql_statements(code_blocks(doc))] == ["SELECT 2;"]
    stray = tmp_path / "stray.md"
    stray.write_text(f"{SKIP_MARKER}\n\nsome prose\n```sql\nSELECT 1;\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"stray\.md:1: .* right before a code block"):
        code_blocks(stray)


def test_statements_split_on_semicolons_outside_strings_and_comments() -> None:
    text = "-- a comment; not a split\nSELECT ';' AS a, \"x;y\" FROM t; /* ; */\n\nSELECT 'it''s; fine'"
    assert list(split_sql(text)) == [
        (1, "-- a comment; not a split\nSELECT ';' AS a, \"x;y\" FROM t;"),
        (3, "/* ; */\n\nSELECT 'it''s; fine'"),
    ]


# ---- CLI ------------------------------------------------------------------------------------


def resolve(command: Command) -> tuple[list[str], object]:
    """The subcommand path a documented command line names, and the command object it ends on.

    Fails naming the file and line when a word that must be a command is none.
    """
    root = typer.main.get_command(app)
    ctx = root.make_context(PROGRAM, [], resilient_parsing=True)
    current, path = root, []
    for word in command.words:
        if word.startswith("-") or not hasattr(current, "list_commands"):
            break
        sub = current.get_command(ctx, word)
        if sub is None:
            known = ", ".join(current.list_commands(ctx))
            pytest.fail(
                f"{command.where}: `{' '.join((PROGRAM, *path, word))}` is no command (there are: {known})",
                pytrace=False,
            )
        path.append(word)
        current = sub
        ctx = sub.make_context(word, [], parent=ctx, resilient_parsing=True)
    return path, current


def documented_options(command: Command) -> set[str]:
    """`--option` names on the line, including those in `[--x N]` or `--x=N` notation."""
    names = set()
    for word in command.words:
        word = word.strip("[]")
        if word.startswith("-") and word not in {"-", "--"}:
            names.add(word.split("=", 1)[0])
    return names


def check_command(command: Command) -> None:
    """The command exists, answers `--help`, and has every option the line names (else a failure
    naming the file and line)."""
    path, target = resolve(command)
    result = CliRunner().invoke(app, [*path, "--help"])
    if result.exit_code != 0 or "Usage:" not in result.output:
        pytest.fail(f"{command.where}: `{command.text}` --help failed:\n{result.output}", pytrace=False)
    known = {opt for param in target.params for opt in (*param.opts, *param.secondary_opts)} | {"--help"}
    unknown = sorted(documented_options(command) - known)
    if unknown:
        pytest.fail(
            f"{command.where}: `{command.text}` names options it does not have: {unknown}", pytrace=False
        )


@pytest.mark.parametrize("command", COMMANDS, ids=[c.test_id for c in COMMANDS])
def test_every_documented_command_exists_and_answers_help(command: Command) -> None:
    check_command(command)


def test_the_readme_names_commands_and_a_wrong_one_is_reported(tmp_path: Path) -> None:
    assert {c.words[0] for c in COMMANDS if c.where.startswith("README.md")} >= {
        "search",
        "monitor",
        "digest",
    }
    doc = tmp_path / "wrong.md"
    doc.write_text(
        "```sh\nmake demo   # not ours\n"
        "GAZETTE_HOME=/tmp/x .venv/bin/gazette subscribers frobnicate a@b.c\n"
        "gazette digest \\\n    --preview a@b.c [--html-only]   # constructed: no such option\n```\n",
        encoding="utf-8",
    )
    missing, bad_option = shell_commands(code_blocks(doc))
    assert missing.words == ("subscribers", "frobnicate", "a@b.c")
    with pytest.raises(
        pytest.fail.Exception, match=r"wrong\.md:3: `gazette subscribers frobnicate` is no command"
    ):
        check_command(missing)
    with pytest.raises(pytest.fail.Exception, match=r"wrong\.md:4: .* does not have: \['--html-only'\]"):
        check_command(bad_option)


# ---- docs/cli.md ----------------------------------------------------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", REPO / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_cli_reference_is_current() -> None:
    generator = _generator()
    committed = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == generator.render(), "docs/cli.md is out of date: run `make docs` and commit it"
    assert "docs/cli.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_cli_reference_covers_every_command_and_ignores_the_terminal_width(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generator = _generator()
    monkeypatch.setenv("COLUMNS", "40")
    narrow = generator.render()
    monkeypatch.setenv("COLUMNS", "250")
    assert generator.render() == narrow
    for ctx in generator.walk(generator.root_command()):
        assert f"## `{ctx.command_path}`" in narrow
