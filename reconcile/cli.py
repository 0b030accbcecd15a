"""`gazette diff DOC [--from V --to V] [--html FILE]`: what changed between two versions of a document.

Reads the published snapshot (the writer's file is locked while a flow
runs). Uses the diff reconcile stored when there is one, else computes it
on the spot from the versions' texts, so the command never writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from core.console import make_console
from core.errors import UserInputError
from core.terminal import clean, markup_safe
from reconcile.diff import Diff, Hunk, diff_texts
from reconcile.render_diff import DiffHeader, render_html, render_text
from warehouse.connect import scalar
from warehouse.diffs import stored_diff
from warehouse.lookup import DocumentLookupError, find_document

console = make_console(highlight=False)
err_console = make_console(stderr=True, highlight=False)


class DiffLookupError(UserInputError):
    """The document or the versions asked for are not in the warehouse."""


def _version(con: duckdb.DuckDBPyConnection, document_id: str, number: int) -> tuple[str, str]:
    row = con.execute(
        "SELECT version_id, "
        "coalesce(first_published_date::VARCHAR, '?') || '，' || coalesce(first_seen_issue_id, '') "
        "FROM versions WHERE document_id = ? AND version_number = ?",
        [document_id, number],
    ).fetchone()
    if row is None:
        raise DiffLookupError(f"the document has no version {number}")
    return row[0], f"第{number}版（{row[1]}）"


def _stored_hunks(
    con: duckdb.DuckDBPyConnection, old_id: str, new_id: str
) -> tuple[list[Hunk], float | None] | None:
    stored = stored_diff(con, old_id, new_id)
    if stored is None:
        return None
    hunks = [
        Hunk(h.kind, h.locator, h.old_position, h.new_position, h.old_text, h.new_text, h.similarity or 0.0)
        for h in stored.hunks
    ]
    return hunks, stored.similarity


def load_diff(
    con: duckdb.DuckDBPyConnection, needle: str, from_version: int | None, to_version: int | None
) -> tuple[DiffHeader, list[Hunk]]:
    """The header and hunks for DOC between two versions (default: the last two; or last year's edition)."""
    from reconcile.versions import best_text

    document_id, title, doc_number = find_document(con, needle)
    count = scalar(con, "SELECT count(*) FROM versions WHERE document_id = ?", [document_id])
    name = f"{title}（{doc_number}）" if doc_number else title
    if from_version is None and to_version is None and count < 2:
        link = con.execute(
            "SELECT l.diff_id, o.title, l.older_year, l.newer_year FROM series_links l "
            "JOIN documents o ON o.document_id = l.older_document_id WHERE l.newer_document_id = ?",
            [document_id],
        ).fetchone()
        if link is None:
            raise DiffLookupError(f"{name} has a single version and no earlier edition: nothing to compare")
        old_id, new_id = link[0].split("->")
        stored = _stored_hunks(con, old_id, new_id)
        hunks, similarity = stored if stored else ([], None)
        return DiffHeader(name, f"{link[2]}年版（{link[1]}）", f"{link[3]}年版", similarity), hunks
    to_number = to_version or count
    from_number = from_version or max(1, to_number - 1)
    if from_number == to_number:
        raise DiffLookupError(f"--from and --to are both version {from_number}: nothing to compare")
    old_id, old_label = _version(con, document_id, from_number)
    new_id, new_label = _version(con, document_id, to_number)
    stored = _stored_hunks(con, old_id, new_id)
    if stored is not None:
        hunks, similarity = stored
    else:
        computed: Diff = diff_texts(best_text(con, old_id), best_text(con, new_id))
        hunks, similarity = list(computed.hunks), computed.similarity
    return DiffHeader(name, old_label, new_label, similarity), hunks


def register(app: typer.Typer) -> None:
    """Add `gazette diff` to the main CLI."""

    @app.command("diff")
    def diff_command(
        doc: Annotated[
            str,
            typer.Argument(help="Document id, 发文字号 (e.g. 宁政办发〔2023〕50号) or part of the title."),
        ],
        from_version: Annotated[
            int | None, typer.Option("--from", help="Old version number (default: the one before --to).")
        ] = None,
        to_version: Annotated[
            int | None, typer.Option("--to", help="New version number (default: the latest).")
        ] = None,
        html: Annotated[
            Path | None, typer.Option(help="Also write the side-by-side 新旧对照 as HTML to this file.")
        ] = None,
        db: Annotated[
            Path | None, typer.Option(help="Warehouse file to read (default: the published snapshot).")
        ] = None,
    ) -> None:
        """Show what changed between two versions of a document (or since last year's edition)."""
        from core import paths
        from warehouse.connect import WarehouseError, open_warehouse
        from warehouse.snapshot import snapshot_path

        target = db or snapshot_path(paths.gazette_home())
        try:
            con = open_warehouse(target, read_only=True)
        except WarehouseError as exc:
            err_console.print(
                f"[red]error:[/red] {markup_safe(exc)} — run `gazette demo` (or a monitor run) first"
            )
            raise typer.Exit(1) from None
        try:
            header, hunks = load_diff(con, doc, from_version, to_version)
        except (DiffLookupError, DocumentLookupError, duckdb.Error) as exc:
            err_console.print(f"[red]error:[/red] {markup_safe(str(exc).splitlines()[0])}", soft_wrap=True)
            raise typer.Exit(1) from None
        finally:
            con.close()
        console.print(clean(render_text(header, hunks)), markup=False, end="", soft_wrap=True)
        if html is not None:
            try:
                html.write_text(render_html(header, hunks), encoding="utf-8")
            except OSError as exc:
                err_console.print(f"[red]error:[/red] cannot write {html}: {exc.strerror}")
                raise typer.Exit(1) from None
            console.print(f"新旧对照 written to {html}")
