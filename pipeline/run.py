"""The stages in the order data flows, for one run of the monitor or of a backfill.

monitor: for every selected source, discover → (fetch → extract → load) per publication;
then reconcile → publish → notify, once. backfill: discover one source, prepare its
publications (fetch + extract, no database) in parallel, load them one by one.

The stages are plain functions, gathered in `Stages`. Callers that orchestrate (the
Prefect flows) pass the same functions wrapped as tasks; nothing else differs, so a
schedule, `gazette monitor --once`, the demo and a test run the same sequence.

A run is one writer (the lock is taken first), opens a `flow_runs` row when it starts
and closes it when it ends. Its failures are never silent: an item that fails is that
item's failure (an event, a line in the summary), a configuration that leaves nothing
to poll or a reconcile step that cannot run fails the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import requests

from core import paths
from core.config import Settings
from core.errors import ConfigError, GazetteError
from core.vocabulary import RunStatus
from extractors.listing import SourceConfig
from extractors.warc import WarcArchive
from notify.digest import DigestRunReport, send_due_digests
from pipeline.crawl import Crawler, fetch_url, polite_session
from pipeline.discover import discover_publications
from pipeline.failures import describe
from pipeline.ingest import (
    Fetched,
    Prepared,
    extract_publication,
    failed_outcome,
    fetch_publication,
    load_prepared,
    publication_year,
)
from pipeline.report import Outcome, PollReport, Publication, RunSummary, timed
from pipeline.sources import select_sources
from reconcile.pipeline import ReconcileReport, reconcile
from warehouse.connect import open_warehouse
from warehouse.crawl import CrawlMemory, loaded_sha256, remember, remembered
from warehouse.events import events_since, last_event_id
from warehouse.lock import WriterBusy, writer_lock
from warehouse.publish import Published, publish
from warehouse.runs import close_crashed_runs, record_run_end, record_run_start

WARC_DIR = "warc"


class RunFailed(GazetteError):
    """The run could not do its job (nothing to poll, a stage that cannot run); `result` says what it did."""

    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def warc_dir(home: Path) -> Path:
    return home / WARC_DIR


@dataclass(frozen=True)
class Stages:
    """The pipeline's stages as callables; the defaults are the plain functions."""

    discover: Callable[[Crawler], list[Publication]] = discover_publications
    fetch: Callable[[Crawler, Publication], Fetched] = fetch_publication
    extract: Callable[[Publication, Fetched, str | None], Prepared] = extract_publication
    load: Callable[[duckdb.DuckDBPyConnection, Prepared, str | None], Outcome] = load_prepared
    reconcile: Callable[[duckdb.DuckDBPyConnection], ReconcileReport] = reconcile
    publish: Callable[[duckdb.DuckDBPyConnection, Path, str | None], Published] = publish
    notify: Callable[[duckdb.DuckDBPyConnection, Settings], DigestRunReport] = send_due_digests
    # closes the rows of runs that died (the flows also set them Crashed in Prefect)
    close_dead: Callable[[duckdb.DuckDBPyConnection, str], list[str]] = close_crashed_runs


PLAIN = Stages()


def ingest_publication(crawler: Crawler, publication: Publication, stages: Stages = PLAIN) -> Outcome:
    """Fetch (conditionally), extract and load one publication; any error is its failed outcome.

    Only KeyboardInterrupt and SystemExit stop a run: a reader bug on one odd file must
    not lose the rest (pipeline.failures keeps its traceback).
    """
    con = crawler.con
    try:
        fetched = stages.fetch(crawler, publication)
        with crawler.timed("extract"):
            prepared = stages.extract(publication, fetched, loaded_sha256(con, publication.issue.issue_id))
        with crawler.timed("load"):
            return stages.load(con, prepared, crawler.flow_run_id)
    except Exception as exc:
        return failed_outcome(con, publication, exc, crawler.flow_run_id)


def poll_source(
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    session: requests.Session,
    raw_dir: Path,
    *,
    archive: WarcArchive | None = None,
    flow_run_id: str | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    stages: Stages = PLAIN,
) -> PollReport:
    """Walk the source's listings, then load every publication whose bytes are new.

    A listing that no longer matches its selectors is a loud error in the report (never
    "nothing new"); one listing, issue page or publication that fails does not stop the others.
    """
    report = PollReport(source_id=source.id, started_at=datetime.now(UTC))
    try:
        source.require_bound()
    except ConfigError as exc:
        report.errors.append(str(exc))
        return report
    crawler = Crawler(con, session, raw_dir, source, report, archive=archive, flow_run_id=flow_run_id)
    for publication in stages.discover(crawler):
        outcome = ingest_publication(crawler, publication, stages)
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return report


def run_as_writer(summary: RunSummary, home: Path, wait_seconds: float, write: Callable[[], None]) -> bool:
    """Run `write` holding the writer lock; False (and the summary `skipped`) when another run holds it.

    Another run writing is not a failure: this one touches nothing and says who holds the lock.
    """
    holder = f"{summary.flow_name} run {summary.flow_run_id}"
    try:
        with writer_lock(home, wait_seconds=wait_seconds, holder=holder):
            write()
    except WriterBusy as exc:
        summary.status = "skipped"
        summary.notes.append(str(exc))
        return False
    return True


@contextmanager
def recorded_run(
    con: duckdb.DuckDBPyConnection,
    summary: RunSummary,
    parameters: dict[str, Any],
    close_dead: Callable[[duckdb.DuckDBPyConnection, str], list[str]] = close_crashed_runs,
) -> Iterator[None]:
    """The run's `flow_runs` row: opened here, closed with the summary's totals, `failed` on an error.

    Rows other runs left `running` are closed as crashed first: the caller holds the writer
    lock, so their runs are dead.
    """
    summary.notes += [f"run {dead} closed as crashed" for dead in close_dead(con, summary.flow_run_id)]
    record_run_start(con, summary.flow_run_id, summary.flow_name, parameters)
    first_event = last_event_id(con)
    try:
        yield
    except BaseException as exc:
        summary.status = RunStatus.FAILED.value
        summary.errors.append(("run", describe(exc)))
        summary.events = events_since(con, first_event)
        record_run_end(con, summary.flow_run_id, summary.totals(), RunStatus.FAILED)
        raise
    summary.events = events_since(con, first_event)
    status = RunStatus.FAILED if summary.status == RunStatus.FAILED.value else RunStatus.COMPLETED
    record_run_end(con, summary.flow_run_id, summary.totals(), status)


def run_monitor(
    summary: RunSummary,
    settings: Settings,
    home: Path,
    wanted: list[str] | None,
    variables: dict[str, str] | None,
    *,
    publish: bool = True,
    notify: bool = True,
    stages: Stages = PLAIN,
) -> None:
    """One run of the monitor, the writer lock already held: poll, reconcile, publish, notify."""
    chosen, problems = select_sources(settings, wanted, variables)
    summary.errors += [("config", problem) for problem in problems]
    con = open_warehouse(paths.warehouse_path(home))
    try:
        parameters = {"sources": wanted, "publish": publish, "notify": notify}
        with recorded_run(con, summary, parameters, stages.close_dead):
            for source in chosen:
                with polite_session(source) as session:
                    summary.reports.append(
                        poll_source(
                            con,
                            source,
                            session,
                            paths.raw_dir(home),
                            archive=WarcArchive(warc_dir(home)),
                            flow_run_id=summary.flow_run_id,
                            stages=stages,
                        )
                    )
            if not any(report.ok or report.outcomes for report in summary.reports):
                summary.status = RunStatus.FAILED.value
                summary.notes.append("nothing was polled: see the failures (configuration, listings)")
            with timed(summary.seconds, "reconcile"):
                reconciled = stages.reconcile(con)
            summary.errors += [("reconcile", error) for error in reconciled.errors]
            summary.notes.append(reconciled.summary())
            if publish:
                with timed(summary.seconds, "publish"):
                    published = stages.publish(con, home, summary.flow_run_id)
                    summary.notes.append(f"snapshot published: {published.snapshot}")
            if notify:
                with timed(summary.seconds, "digest"):
                    digested = stages.notify(con, settings)
                summary.notes.append(digested.summary())
                summary.errors += [("digest", reason) for reason in digested.errors]
    finally:
        con.close()


# Prepares a backfill's publications, in parallel where the caller can: yields each publication
# with what preparing it gave (or the error it raised), in the order they complete.
PrepareJob = tuple[
    Publication, CrawlMemory | None, str | None
]  # what to prepare, its crawl memory, last sha256
PrepareAll = Callable[[list[PrepareJob]], Iterable[tuple[Publication, Any]]]


def prepare_one(
    source: SourceConfig,
    publication: Publication,
    memory: CrawlMemory | None,
    last_loaded: str | None,
    raw_dir: Path,
    archive_dir: Path,
) -> Prepared:
    """Fetch and extract one publication with no database: runs on any worker of a backfill.

    The writer records the fetch and loads the result, so parallel workers never write the warehouse.
    """
    with polite_session(source) as session:
        fetched = fetch_url(session, source, publication.url, raw_dir, memory, WarcArchive(archive_dir))
    return extract_publication(publication, fetched, last_loaded)


def run_backfill(
    summary: RunSummary,
    home: Path,
    config: SourceConfig,
    years: tuple[int, int],
    prepare_all: PrepareAll,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Discover one source, prepare its publications of `years` with `prepare_all`, load each as it comes.

    Already-loaded publications cost one conditional request each and are not extracted
    again, so a backfill can be interrupted and rerun.
    """
    raw_dir = paths.raw_dir(home)
    con = open_warehouse(paths.warehouse_path(home))
    try:
        parameters = {"source": config.id, "year_from": years[0], "year_to": years[1]}
        with recorded_run(con, summary, parameters):
            report = PollReport(source_id=config.id, started_at=datetime.now(UTC))
            summary.reports.append(report)
            config.require_bound()
            with polite_session(config) as session:
                crawler = Crawler(
                    con,
                    session,
                    raw_dir,
                    config,
                    report,
                    archive=WarcArchive(warc_dir(home)),
                    flow_run_id=summary.flow_run_id,
                )
                publications = [
                    p
                    for p in discover_publications(crawler)
                    if (year := publication_year(p)) is not None and years[0] <= year <= years[1]
                ]
            jobs: list[PrepareJob] = [
                (p, remembered(con, p.url, raw_dir), loaded_sha256(con, p.issue.issue_id))
                for p in publications
            ]
            started = time.perf_counter()
            for done, (publication, prepared) in enumerate(prepare_all(jobs), start=1):
                try:
                    if isinstance(prepared, BaseException):
                        raise prepared
                    remember(con, config.id, prepared.result, summary.flow_run_id)
                    report.requests[str(prepared.result.status)] += 1
                    outcome = load_prepared(con, prepared, summary.flow_run_id)
                except Exception as exc:
                    outcome = failed_outcome(con, publication, exc, summary.flow_run_id)
                report.outcomes.append(outcome)
                if on_progress:
                    on_progress(done, len(jobs))
            report.seconds["prepare+load"] += time.perf_counter() - started
    finally:
        con.close()
