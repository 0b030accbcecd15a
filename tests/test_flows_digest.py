"""The digest flow ends Failed, with the reason, when it cannot build: never Completed with 0 digests.

Real Prefect (a temporary API for the module), a real DuckDB file with a real subscriber.
Slow: the temporary API takes seconds to start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notify.subscribers import add_subscriber, validate_spec
from warehouse.connect import open_warehouse

pytestmark = pytest.mark.slow


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("GAZETTE_HOME", str(home))
    monkeypatch.delenv("GAZETTE_UNSUBSCRIBE_SECRET", raising=False)
    con = open_warehouse(home / "warehouse.duckdb")
    add_subscriber(con, validate_spec({"email": "wang@example.org", "keywords": "营商环境"}))
    con.close()
    return home


def _artifact(state, key: str) -> str:
    """The run's artifact `key`, read back through Prefect's client."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    run_filter = ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]), flow_run_id=run_filter)
        )
    return artifact.data


def test_a_digest_run_without_the_signing_secret_ends_failed_saying_which_variable(prefect_api, home) -> None:
    from flows.monitor import digest

    state = digest(return_state=True)

    assert state.is_failed()
    assert "GAZETTE_UNSUBSCRIBE_SECRET" in state.message and "1 subscriber" in state.message
    report = _artifact(state, "digest-run-summary")
    assert "# digest run: failed" in report and "GAZETTE_UNSUBSCRIBE_SECRET" in report


def test_with_the_secret_the_same_run_completes(prefect_api, home, monkeypatch) -> None:
    from flows.monitor import digest

    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", "a-long-random-unsubscribe-secret")
    state = digest(return_state=True)

    assert state.is_completed(), state.message
    assert "0 failed" in state.result()
    assert "# digest run: completed" in _artifact(state, "digest-run-summary")
