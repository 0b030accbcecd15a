"""The Prefect flows end to end against the live replica: the stream, the single writer, a Dask backfill.

Real Prefect (a temporary API for the test session), real HTTP on 127.0.0.1,
real PDFs and DuckDB files. Slow: the temporary API takes seconds to start.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("GAZETTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)


def test_the_stream_new_issue_fetched_once_with_its_events(prefect_api, home, replica_site) -> None:
    from flows.monitor import monitor

    variables = {"REPLICA_URL": replica_site.base_url}
    first = monitor(sources=["replica"], variables=variables)
    quiet = monitor(sources=["replica"], variables=variables)
    replica_site.advance()
    evolved = monitor(sources=["replica"], variables=variables)

    assert first["status"] == "completed" and first["failed"] == 0
    assert {"replica-2024-02", "replica-2020-11"} <= set(first["ingested_issue_ids"])
    # nothing new: only conditional requests, nothing loaded, no event
    assert set(quiet["requests"]) == {"304"} and quiet["ingested"] == 0 and quiet["events"] == {}
    # the site published 2024 No. 3: that issue (and its web articles) only
    issues = [i for i in evolved["ingested_issue_ids"] if not i.startswith("replica-article-")]
    assert issues == ["replica-2024-03"]
    assert evolved["events"]["new_document"] >= 1  # (c) the repealing notice, (d) the correction
    assert evolved["events"]["new_version"] >= 1  # (b) the revised order
    assert evolved["events"]["repealed"] >= 1  # the 2020 measures it repeals
    with _warehouse(home) as con:
        runs = con.execute("SELECT status, issues_loaded FROM flow_runs ORDER BY started_at").fetchall()
        loaded = [first["ingested"], 0, evolved["ingested"]]
        assert runs == [("completed", n) for n in loaded]
        assert (
            con.execute("SELECT count(*) FROM documents WHERE doc_number = '宁政办函〔2024〕9号'").fetchone()[
                0
            ]
            == 1
        )
        # (a) the republished document: a second sighting, still one version
        sightings, versions = con.execute(
            "SELECT count(DISTINCT s.issue_id), count(DISTINCT v.version_id) FROM sightings s "
            "JOIN documents d USING (document_id) JOIN versions v USING (document_id) "
            "WHERE d.doc_number = '宁政办发〔2023〕53号'"
        ).fetchone()
        assert sightings >= 2 and versions == 1
    assert (home / "snapshot" / "warehouse.duckdb").exists()
    assert any((home / "warc").glob("gazette-*.warc.gz"))


def test_each_run_leaves_a_markdown_summary_artifact(prefect_api, home, replica_site) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    from flows.monitor import monitor

    result = monitor(sources=["replica"], variables={"REPLICA_URL": replica_site.base_url}, notify=False)

    # read back through Prefect's own client, as the UI and the CLI do
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["monitor-run-summary"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[result["flow_run_id"]]),
            )
        )
    markdown = artifact.data
    assert artifact.type == "markdown" and result["flow_run_id"] in markdown
    for heading in ("| source |", "## Documents", "## Time per stage", "| fetch |", "| publish |"):
        assert heading in markdown


def test_a_second_writer_is_skipped_cleanly_while_the_lock_is_held(prefect_api, home, replica_site) -> None:
    from flows.monitor import monitor
    from warehouse.lock import writer_lock

    home.mkdir(parents=True)
    with writer_lock(home, holder="a test holding the lock"):
        result = monitor(sources=["replica"], variables={"REPLICA_URL": replica_site.base_url})

    assert result["status"] == "skipped"
    assert "a test holding the lock" in result["notes"][0]
    assert not (home / "warehouse.duckdb").exists()  # it touched nothing


def test_one_broken_issue_fails_alone_and_is_reported(prefect_api, home, replica_site) -> None:
    from flows.monitor import monitor

    pdf = next(p for p in replica_site.root.rglob("*.pdf") if "2020" in str(p))
    pdf.write_bytes(pdf.read_bytes()[:2000])

    result = monitor(sources=["replica"], variables={"REPLICA_URL": replica_site.base_url}, publish=False)

    assert result["failed"] == 1 and "replica-2020-11" not in result["ingested_issue_ids"]
    assert result["ingested"] == result["found"] - 1
    with _warehouse(home) as con:
        assert (
            con.execute(
                "SELECT count(*) FROM events"
                " WHERE kind = 'extraction_problem' AND issue_id = 'replica-2020-11'"
            ).fetchone()[0]
            == 1
        )
        assert con.execute("SELECT status, error_count FROM flow_runs").fetchone() == ("completed", 1)


def test_backfill_runs_on_a_real_dask_cluster(prefect_api, home, replica_site) -> None:
    from distributed import LocalCluster

    from flows.backfill import backfill, task_runner_for

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        runner = task_runner_for(workers=2, dask_address=cluster.scheduler_address)
        result = backfill.with_options(task_runner=runner)(
            source="replica",
            year_from=2020,
            year_to=2023,
            variables={"REPLICA_URL": replica_site.base_url},
            progress=False,
        )

    assert type(runner).__name__ == "DaskTaskRunner"
    assert result["failed"] == 0 and result["ingested"] >= 1
    assert "replica-2020-11" in result["ingested_issue_ids"]
    assert "replica-2024-02" not in result["ingested_issue_ids"]  # outside the year range
    with _warehouse(home) as con:
        assert (
            con.execute("SELECT count(*) FROM documents WHERE doc_number = '宁政规发〔2020〕5号'").fetchone()[
                0
            ]
            == 1
        )
        runs = con.execute("SELECT flow_name, status FROM flow_runs").fetchall()
        assert runs == [("backfill", "completed")]
