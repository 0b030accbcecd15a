"""Prefect tasks: each wraps one plain stage function, adding retries where faults are transient.

Granularity is chosen on measured numbers (bench/bench_prefect_overhead.py): a
task costs a few milliseconds of orchestration, a subflow over a second with the
ephemeral API, so one publication is three tasks (fetch, extract, load) and never
a subflow. Tasks that take the warehouse connection or a session use NO_CACHE:
those arguments cannot be hashed into a cache key, and a cached ingest would be
wrong anyway (the point is to look again).
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

from pathlib import Path

import duckdb
import requests
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from extractors.fetch import FetchResult, TransientFetchError
from extractors.listing import SourceConfig
from extractors.politeness import RobotsDisallowed
from extractors.warc import WarcArchive
from gazette.monitor import (
    Crawler,
    CrawlMemory,
    Outcome,
    Prepared,
    Publication,
    discover_publications,
    extract_publication,
    fetch_url,
    load_prepared,
    polite_session,
)

NETWORK_RETRIES = 3
NETWORK_BACKOFF = exponential_backoff(backoff_factor=2)  # 2, 4, 8 s
NETWORK_JITTER = 0.5


def is_network_fault(exc: BaseException) -> bool:
    """Faults worth another try: timeouts, refused or cut connections, 429 and 5xx answers."""
    if isinstance(exc, RobotsDisallowed):
        return False
    return isinstance(exc, TransientFetchError | requests.Timeout | requests.ConnectionError)


def retry_on_network_fault(task, task_run, state) -> bool:
    """Prefect's retry condition: retry only what `is_network_fault` calls transient."""
    try:
        state.result()
    except Exception as exc:
        return is_network_fault(exc)
    return False


_network_retries = {
    "retries": NETWORK_RETRIES,
    "retry_delay_seconds": NETWORK_BACKOFF,
    "retry_jitter_factor": NETWORK_JITTER,
    "retry_condition_fn": retry_on_network_fault,
}


@task(name="discover", cache_policy=NO_CACHE, **_network_retries)
def discover_task(crawler: Crawler) -> list[Publication]:
    """Walk the source's listings (conditional GETs) into the publications they list."""
    return discover_publications(crawler)


@task(name="fetch", cache_policy=NO_CACHE, **_network_retries)
def fetch_task(crawler: Crawler, publication: Publication) -> tuple[FetchResult, Path]:
    """Fetch one publication, once: a conditional GET when its bytes are on disk already."""
    return crawler.get(publication.url)


@task(name="extract", cache_policy=NO_CACHE)
def extract_task(
    publication: Publication, fetched: tuple[FetchResult, Path], loaded_sha256: str | None
) -> Prepared:
    return extract_publication(publication, fetched, loaded_sha256)


@task(name="load", cache_policy=NO_CACHE)
def load_task(con: duckdb.DuckDBPyConnection, prepared: Prepared, flow_run_id: str) -> Outcome:
    return load_prepared(con, prepared, flow_run_id)


@task(name="prepare", cache_policy=NO_CACHE, **_network_retries)
def prepare_task(
    source: SourceConfig,
    publication: Publication,
    memory: CrawlMemory | None,
    loaded_sha256: str | None,
    raw_dir: Path,
    warc_dir: Path,
) -> Prepared:
    """Fetch and extract one publication with no database: runs on any worker of a backfill.

    The writer (the flow) records the fetch and loads the result, so parallel
    workers never write the warehouse.
    """
    with polite_session(source) as session:
        fetched = fetch_url(session, source, publication.url, raw_dir, memory, WarcArchive(warc_dir))
    return extract_publication(publication, fetched, loaded_sha256)
