"""`gazette cascade DOC` and `gazette status DOC [--as-of DATE]`: relations for people at a terminal.

Both read the published snapshot (read-only, so they work while a flow writes the main file);
`--db` points them at another warehouse file. DOC is a document_id, a 发文字号 or a unique piece
of a title.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from core import paths
from core.console import make_console
from core.terminal import clean, markup_safe

err_console = make_console(stderr=True, highlight=False)

DocArgument = Annotated[
    str, typer.Argument(help="document_id, 发文字号 (宁政规发〔2020〕5号) or part of a title")
]
DbOption = Annotated[
    Path | None, typer.Option("--db", help="Warehouse file to read (default: the published snapshot).")
]


def _fail(message: str) -> None:
    err_console.print(f"[red]error:[/red] {markup_safe(message)}", soft_wrap=True)
    raise typer.Exit(1)


def _open(db: Path | None) -> duckdb.DuckDBPyConnection:
    from warehouse.connect import WarehouseError, open_warehouse
    from warehouse.snapshot import snapshot_path

    path = db or snapshot_path(paths.gazette_home())
    try:
        return open_warehouse(path, read_only=True)
    except WarehouseError as exc:
        _fail(f"{exc} — run `gazette demo` (or a monitor run) first, or pass --db")
    raise AssertionError("unreachable")


def _find(con: duckdb.DuckDBPyConnection, doc: str) -> str:
    from warehouse.lookup import find_document

    try:
        return find_document(con, doc)[0]
    except LookupError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def cascade(doc: DocArgument, db: DbOption = None) -> None:
    """What a document implements, clause by clause: kept, changed, added, left out.

    Changed clauses list the deadlines, targets and responsible units that differ.
    """
    from reconcile.cascade import cascade_for, render_text

    con = _open(db)
    try:
        typer.echo(clean(render_text(cascade_for(con, _find(con, doc)))))
    finally:
        con.close()


def _name(ref: tuple[str, str | None, str] | None) -> str:
    if ref is None:
        return ""
    document_id, doc_number, title = ref
    return f"{title}" + (f"（{doc_number}）" if doc_number else "") + f" [{document_id}]"


def status(
    doc: DocArgument,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date to answer for, YYYY-MM-DD (default: today).")
    ] = None,
    db: DbOption = None,
) -> None:
    """A document's validity on a date: not yet in force, in force, amended, expired, superseded, repealed."""
    from reconcile.status import status_of

    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
        raise
    con = _open(db)
    try:
        found = status_of(con, _find(con, doc), day)
    finally:
        con.close()
    lines = [
        f"{found.title}"
        + (f"（{found.doc_number}）" if found.doc_number else "")
        + f"  [{found.document_id}]",
        f"status on {found.as_of}: {found.status}"
        + (f" since {found.status_since}" if found.status_since else ""),
        f"in force from: {found.in_force_from or 'unknown'}",
        f"valid until:   {found.expiry_date or 'no end date stated'}",
    ]
    if found.caused_by:
        lines.append(f"{found.status} by: {_name(found.caused_by)}")
    if found.corrected_by:
        lines.append(f"corrected by: {_name(found.corrected_by)}")
    typer.echo(clean("\n".join(lines)))


def register(app: typer.Typer) -> None:
    """Add `cascade` and `status` to the gazette command."""
    app.command("cascade")(cascade)
    app.command("status")(status)
