"""How a failure inside a run becomes a record: one line for people, an event for the change log.

Anticipated failures derive from `core.errors.GazetteError` (plus the network's and the
disk's own errors) and are reported by their one-line message. Anything else is a bug
met on one item: it fails that item alone, is labelled "unexpected", and its traceback is
kept in the event's details so that it can be fixed — never lost, never the run's end.
"""

from __future__ import annotations

import traceback

import duckdb
import requests

from core.errors import GazetteError
from warehouse.events import record_problem

# The errors an item is expected to fail with, each reported by its own one-line message.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (GazetteError, OSError, requests.RequestException)


def describe(exc: BaseException) -> str:
    """The failure in one line: the message of an anticipated error, the type of any other."""
    message = str(exc).splitlines()[0] if str(exc) else repr(exc)
    if isinstance(exc, EXPECTED_ERRORS):
        return message
    return f"unexpected {type(exc).__name__}: {message}"


def record_failure(
    con: duckdb.DuckDBPyConnection,
    exc: BaseException,
    *,
    item: str,
    source_id: str | None,
    issue_id: str | None,
    flow_run_id: str | None,
    stage: str = "ingest",
) -> str:
    """Record the failure of `item` as an `extraction_problem` event (once per distinct problem).

    Returns the one-line description, for the run's summary.
    """
    message = describe(exc)
    trace = None
    if not isinstance(exc, EXPECTED_ERRORS):
        trace = "".join(traceback.format_exception(exc))
    record_problem(
        con,
        source_id=source_id,
        issue_id=issue_id,
        message=f"{item}: {message}",
        stage=stage,
        flow_run_id=flow_run_id,
        traceback=trace,
    )
    return message
