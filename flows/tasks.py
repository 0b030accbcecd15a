"""Prefect tasks: each wraps one stage of the pipeline, adding retries where faults are transient.

Granularity is chosen on measured numbers (bench/bench_prefect_overhead.py): a task costs a
few milliseconds of orchestration, a subflow over a second with the ephemeral API, so one
publication is three tasks (fetch, extract, load) and never a subflow (decision 7). Tasks
that take the warehouse connection or a session use NO_CACHE: those arguments cannot be
hashed into a cache key, and a cached ingest would be wrong anyway (the point is to look again).
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

from typing import Any

import requests
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from extractors.fetch import TransientFetchError
from extractors.politeness import RobotsDisallowed
from flows.crashes import close_dead_runs
from notify.digest import send_due_digests
from pipeline.discover import discover_publications
from pipeline.ingest import extract_publication, fetch_publication, load_prepared
from pipeline.run import Stages, prepare_one
from reconcile.pipeline import reconcile
from warehouse.publish import publish

NETWORK_RETRIES = 3
NETWORK_BACKOFF = exponential_backoff(backoff_factor=2)  # 2, 4, 8 s
NETWORK_JITTER = 0.5


def is_network_fault(exc: BaseException) -> bool:
    """Faults worth another try: timeouts, refused or cut connections, 429 and 5xx answers."""
    if isinstance(exc, RobotsDisallowed):
        return False
    return isinstance(exc, TransientFetchError | requests.Timeout | requests.ConnectionError)


def retry_on_network_fault(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's retry condition: retry only what `is_network_fault` calls transient."""
    try:
        state.result()
    except Exception as exc:
        return is_network_fault(exc)
    return False


_network_retries: dict[str, Any] = {
    "retries": NETWORK_RETRIES,
    "retry_delay_seconds": NETWORK_BACKOFF,
    "retry_jitter_factor": NETWORK_JITTER,
    "retry_condition_fn": retry_on_network_fault,
}

discover_task = task(name="discover", cache_policy=NO_CACHE, **_network_retries)(discover_publications)
fetch_task = task(name="fetch", cache_policy=NO_CACHE, **_network_retries)(fetch_publication)
extract_task = task(name="extract", cache_policy=NO_CACHE)(extract_publication)
load_task = task(name="load", cache_policy=NO_CACHE)(load_prepared)
reconcile_task = task(name="reconcile", cache_policy=NO_CACHE)(reconcile)
publish_task = task(name="publish", cache_policy=NO_CACHE)(publish)
digest_task = task(name="digest", cache_policy=NO_CACHE)(send_due_digests)
# Fetch and extract one publication with no database, on any worker of a backfill.
prepare_task = task(name="prepare", cache_policy=NO_CACHE, **_network_retries)(prepare_one)

# The pipeline's stages as tasks: the flows run the same sequence as `gazette monitor --once` would
# without Prefect, with each stage visible (and retried where transient) in Prefect's UI.
TASK_STAGES = Stages(
    discover=discover_task,
    fetch=fetch_task,
    extract=extract_task,
    load=load_task,
    reconcile=reconcile_task,
    publish=publish_task,
    notify=digest_task,
    close_dead=close_dead_runs,
)
