"""The `gazette` command: one entry point for operators, analysts and developers.

Each command is a thin shell over plain library functions, so anything the
CLI does can also be done from Python or a Prefect flow.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.cells import cell_len, set_cell_size
from rich.table import Table
from rich.text import Text

from core import paths
from core.console import make_console
from core.terminal import clean, markup_safe

if TYPE_CHECKING:
    from extractors.pipeline import ExtractionResult

app = typer.Typer(
    help=(
        "gazette monitor: watch Chinese government gazettes (政府公报), extract their official "
        "documents, and keep them in a DuckDB warehouse.\n\n"
        "Start with `gazette demo`: it runs the whole job on the embedded sample (a local replica "
        "of the publisher's site) and tells you where to look next. Data lives in $GAZETTE_HOME "
        "(see `gazette info`)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
replica_app = typer.Typer(
    help="The embedded sample: a local replica of the publisher's site.", no_args_is_help=True
)
app.add_typer(replica_app, name="replica")
sources_app = typer.Typer(
    help="The configured sources (publishers): `gazette sources` lists them, `check SOURCE` tries one."
)
app.add_typer(sources_app, name="sources")

console = make_console()
err_console = make_console(stderr=True)


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


def _fail(message: str, code: int = 1) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


def _error(message: object) -> None:
    """One error line on stderr, printed literally: a selector like a[href$='.pdf'] is not markup."""
    err_console.print(f"error: {clean(str(message))}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def info() -> None:
    """Show where gazette keeps its data and which sources it knows."""
    from core.config import load_settings

    settings = load_settings()
    console.print(f"data directory ($GAZETTE_HOME): {settings.home}")
    console.print(f"warehouse (written by flows):    {paths.warehouse_path(settings.home)}")
    console.print(f"snapshot (for analysts):         {paths.snapshot_dir(settings.home)}")
    console.print(f"raw fetched bytes:               {paths.raw_dir(settings.home)}")
    console.print(f"source configs:                  {', '.join(str(p) for p in settings.source_dirs)}")


@sources_app.callback(invoke_without_command=True)
def sources(ctx: typer.Context) -> None:
    """List the configured sources (publishers) and whether they are enabled; `check` tries one.

    A source file that cannot be read is one line on stderr (file, key, what is wrong); the
    others are still listed, and the exit code is 1.
    """
    if ctx.invoked_subcommand is not None:
        return
    from core.config import load_settings
    from extractors.listing import SourceConfigError, load_sources

    settings = load_settings()
    problems: list[SourceConfigError] = []
    table = Table("id", "name", "enabled", "listing", "verified")
    for directory in settings.source_dirs:
        try:
            found = load_sources(directory, on_error=problems.append)
        except SourceConfigError as exc:
            problems.append(exc)
            continue
        for source in found:
            cells = (
                source.id,
                source.name,
                "yes" if source.enabled else "no",
                ", ".join(source.start_urls),
                "no" if source.unverified else "yes",
            )
            table.add_row(*(Text(cell) for cell in cells))  # Text: printed literally, never as markup
    console.print(table)
    for problem in problems:
        _error(problem)
    if problems:
        raise typer.Exit(1)


@sources_app.command("check")
def sources_check(
    source: Annotated[
        str, typer.Argument(help="Source id (see `gazette sources`) or the path of a source YAML.")
    ],
    live: Annotated[
        bool, typer.Option("--live", help="Fetch from the site (politely) instead of saved pages.")
    ] = False,
    pages: Annotated[
        Path | None,
        typer.Option(help="Folder of saved pages, <host>/<path> (default: pages/ beside the source's YAML)."),
    ] = None,
    max_pages: Annotated[int, typer.Option(min=1, help="Listing pages to walk per listing.")] = 3,
    max_issues: Annotated[int, typer.Option(min=0, help="Issue pages to read.")] = 3,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Fill a ${NAME} of the source configs: NAME=VALUE.")
    ] = None,
) -> None:
    """Walk a source a few pages deep and print what each level finds; exit 1 on any problem.

    The same walker as the monitor, writing nothing. Offline by default, over saved pages
    (`--pages`); `--live` fetches from the site. A listing that fails (layout, pager, lost
    pages), an issue page that fails, or a selector that matched nothing is a problem.
    """
    from core.config import load_settings
    from core.errors import GazetteError
    from extractors.saved_pages import saved_pages
    from pipeline.check import check_lines, check_source, live_pages
    from pipeline.sources import find_source, parse_variables

    try:
        config = find_source(load_settings(), source, parse_variables(var))
        config.require_bound()
    except GazetteError as exc:
        _fail(str(exc))
    if live:
        with live_pages(config) as get:
            check = check_source(config, get, max_pages=max_pages, max_issues=max_issues)
        where = "the live site"
    else:
        folder = pages or (config.path.parent / "pages" if config.path else None)
        if folder is None or not folder.is_dir():
            _fail(
                f"no saved pages at {folder}: save the site's pages as <host>/<path> there, or use --live", 2
            )
        check = check_source(config, saved_pages(folder), max_pages=max_pages, max_issues=max_issues)
        where = f"saved pages in {folder}"
    console.print(f"checked against {where}", markup=False, highlight=False, soft_wrap=True)
    for line in check_lines(check):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not check.ok:
        raise typer.Exit(1)


@app.command()
def extract(
    files: Annotated[
        list[Path], typer.Argument(help="PDF, HTML or text files (gazette issues, articles, dumps).")
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl: one JSON object a document; json: one array; table: a summary for the terminal.",
        ),
    ] = OutputFormat.jsonl,
) -> None:
    """Extract the official documents in FILES and print them with their metadata.

    Each record carries `site_metadata` (what a web page's own label block says) and `kind`.
    A page that holds no official document (news, a guide, a FAQ, a 解读) prints nothing on
    stdout and a one-line note on stderr. A file that cannot be read gets a one-line error on
    stderr; the other files are still extracted, and the exit code is 1 when any file failed.
    """
    from extractors.errors import ExtractionError
    from extractors.pipeline import extract_file

    failed = 0
    collected: list[dict] = []
    for path in files:
        try:
            result = extract_file(path)
        except (ExtractionError, OSError) as exc:
            failed += 1
            _error(exc)
            continue
        for page in (document for document in result.documents if not document.is_official):
            err_console.print(
                f"{path.name}: not an official document ({page.kind}): {page.title}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        records = [document.to_dict() for document in result.documents if document.is_official]
        if output_format is OutputFormat.jsonl:
            sys.stdout.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        elif output_format is OutputFormat.json:
            collected.extend(records)
        else:
            _print_documents_table(path, result)
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(collected, ensure_ascii=False, indent=2) + "\n")
    if failed:
        raise typer.Exit(1)


def _print_documents_table(path: Path, result: ExtractionResult) -> None:
    gaps = f", {len(result.pages_without_text)} without text" if result.pages_without_text else ""
    console.print(
        f"[bold]{markup_safe(path.name)}[/bold]: {result.format}, {result.page_count} page(s){gaps}"
    )
    widths = (6, 30, 10, 4)
    console.print(_row(("page", "doc_number", "issued", "type", "title"), widths), highlight=False)
    for document in (document for document in result.documents if document.is_official):
        pages = str(document.start_page or "")
        if document.end_page and document.end_page != document.start_page:
            pages += f"–{document.end_page}"
        cells = (pages, document.doc_number or "—", document.issued_date or "—", document.doc_type or "")
        row = _row(tuple(clean(cell).replace("\n", " ") for cell in (*cells, document.title)), widths)
        console.print(row, highlight=False, markup=False)
    for problem in result.problems:
        console.print(f"  note: {clean(problem)}", highlight=False, markup=False)


def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """Fixed columns measured in terminal cells (a CJK character is two), the last one cut to fit."""
    parts = [set_cell_size(cell, width) for cell, width in zip(cells, widths, strict=False)]
    used = sum(widths) + 2 * len(widths)
    last = cells[len(widths)]
    room = max(console.width - used, 10)
    if cell_len(last) > room:
        last = set_cell_size(last, room - 1) + "…"
    return "  ".join([*parts, last])


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words to find, e.g. "营商环境 民营".')],
    limit: Annotated[int, typer.Option(help="How many documents to show.")] = 10,
) -> None:
    """Full-text search (Chinese, jieba-tokenized) over the published snapshot."""
    from warehouse.connect import WarehouseError, open_warehouse
    from warehouse.search import SearchError
    from warehouse.search import search as run_search
    from warehouse.snapshot import snapshot_path

    try:
        con = open_warehouse(snapshot_path(paths.gazette_home()), read_only=True)
        hits = run_search(con, query, limit=limit)
    except (WarehouseError, SearchError) as exc:
        _fail(f"{exc} — run `gazette demo` (or a monitor run) first")
    if not hits:
        console.print(f"no document matches {clean(query)!r}", markup=False)
        return
    for rank, hit in enumerate(hits, start=1):
        number = hit.doc_number or "（无文号）"
        console.print(f"[bold]{rank:>2}. {markup_safe(hit.title)}[/bold]", highlight=False)
        console.print(
            clean(
                f"    {number} · {hit.issuer or ''} · {hit.issued_date or ''} · {hit.status} · "
                f"score {hit.score:.2f}"
            ),
            highlight=False,
            markup=False,
        )
        console.print(f"    {clean(hit.snippet)}", highlight=False, markup=False)


@app.command()
def demo(
    keep_serving: Annotated[bool, typer.Option(help="Keep the replica site running after the demo.")] = False,
) -> None:
    """Run the main job on the embedded sample, twice: before and after the site publishes a new issue."""
    from gazette.demo import run_demo

    try:
        run_demo(console=console, keep_serving=keep_serving)
    except KeyboardInterrupt:
        console.print("stopped")
    except OSError as exc:
        _fail(str(exc))


@app.command("backup")
def backup_command(
    destination: Annotated[Path, typer.Argument(help="A new (or empty) directory to write the backup into.")],
) -> None:
    """Back up the data directory: warehouse (with subscribers and outbox), raw/, warc/, config.

    Taken under the writer lock, so a flow never writes meanwhile. Put it on another disk.
    """
    from gazette.backup import BackupError, backup
    from warehouse.connect import WarehouseError
    from warehouse.lock import WriterBusy

    try:
        report = backup(paths.gazette_home(), destination.resolve())
    except (BackupError, WarehouseError, WriterBusy, OSError) as exc:
        _fail(str(exc))
    counts = report.counts
    console.print(
        f"backup written to {markup_safe(report.directory)}: {counts['documents']} documents, "
        f"{counts['events']} events, {counts['subscribers']} subscribers, {counts['outbox']} outbox rows, "
        f"{report.raw_files} raw files, {report.warc_files} WARC files",
        highlight=False,
    )


@app.command("restore")
def restore_command(
    backup_dir: Annotated[Path, typer.Argument(help="A directory written by `gazette backup`.")],
) -> None:
    """Restore the data directory from a backup; the warehouse it replaces is kept beside it."""
    from gazette.backup import BackupError, restore
    from warehouse.lock import WriterBusy

    try:
        report = restore(paths.gazette_home(), backup_dir.resolve())
    except (BackupError, WriterBusy, OSError) as exc:
        _fail(str(exc))
    console.print(
        f"restored from {markup_safe(report.directory)}: {report.counts['documents']} documents, "
        f"{report.counts['events']} events, {report.counts['subscribers']} subscribers; "
        f"{report.raw_files} raw and {report.warc_files} WARC files put back; snapshot published",
        highlight=False,
    )


@replica_app.command("build")
def replica_build(
    force: Annotated[bool, typer.Option(help="Rebuild even when the inputs did not change.")] = False,
) -> None:
    """Render the sample corpus into gazette PDFs and HTML articles (cached)."""
    from replica.build import build_sample, default_output_dir

    manifest = build_sample(default_output_dir(), force=force)
    console.print(f"sample built in {default_output_dir()} ({len(manifest.files)} files)")


@replica_app.command("serve")
def replica_serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    state: Annotated[int, typer.Option(help="Which state of the site to serve (0 initial, 1 evolved).")] = 0,
) -> None:
    """Serve the replica site on 127.0.0.1 until Ctrl-C."""
    from gazette.demo import prepare_replica
    from replica.server import serve_site

    site_dir = prepare_replica(paths.replica_dir(paths.ensure_home()), state=state)
    with serve_site(site_dir, port=port) as running:
        console.print(f"replica site (state {state}) at {running.url} — Ctrl-C to stop")
        running.wait()


@replica_app.command("evolve")
def replica_evolve() -> None:
    """Advance the replica site to its next state (a new gazette issue appears)."""
    from replica.site import advance

    site_dir = paths.replica_dir(paths.ensure_home())
    if not site_dir.exists():
        _fail(f"no replica site at {site_dir}: run `gazette replica serve` or `gazette demo` first")
    console.print(f"replica site is now in state {advance(site_dir)}")


# Change-alert digests (issue 7): gazette subscribers / subscriptions / digest, defined in notify/cli.py.
from notify.cli import register as _register_notify  # noqa: E402

_register_notify(app)

# Relations (issue 6 part B): gazette cascade DOC / gazette status DOC, defined in reconcile/relations_cli.py.
from reconcile.relations_cli import register as _register_relations  # noqa: E402

_register_relations(app)

# Diffs between versions (issue 6 part A): gazette diff DOC, defined in reconcile/cli.py.
from reconcile.cli import register as _register_diff  # noqa: E402

_register_diff(app)

# The analysts' dashboard (issue 8): gazette dashboard [--port N], defined in dashboards/cli.py.
from dashboards.cli import dashboard as _dashboard  # noqa: E402

app.command("dashboard")(_dashboard)

# The Prefect flows (issue 5): gazette monitor --once, gazette backfill SOURCE --from Y; in flows/cli.py.
from flows.cli import backfill_command as _backfill  # noqa: E402
from flows.cli import monitor_command as _monitor  # noqa: E402

app.command("monitor")(_monitor)
app.command("backfill")(_backfill)


def main() -> None:
    """The `gazette` command: a wrong config.yaml is one line naming the file, key and fix."""
    from core.errors import ConfigError

    try:
        app()
    except ConfigError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(2)
