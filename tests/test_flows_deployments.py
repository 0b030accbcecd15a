"""prefect.yaml: every deployment points at a real flow, with the schedules the operators expect."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def _deployments() -> dict[str, dict]:
    data = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    return {deployment["name"]: deployment for deployment in data["deployments"]}


def test_every_entrypoint_loads_a_flow_whose_parameters_match() -> None:
    from prefect.flows import load_flow_from_entrypoint

    for name, deployment in _deployments().items():
        flow = load_flow_from_entrypoint(str(REPO / deployment["entrypoint"]))
        accepted = set(flow.parameters.properties)
        assert set(deployment.get("parameters", {})) <= accepted, name
        assert deployment["work_pool"]["name"] == "gazette-process"


def test_schedules_monitor_every_half_hour_digest_at_eight_in_shanghai_backfill_on_demand() -> None:
    deployments = _deployments()
    shanghai = {"timezone": "Asia/Shanghai"}
    assert deployments["monitor-every-30-min"]["schedules"] == [{"interval": 1800, **shanghai}]
    assert deployments["digest-daily-0800"]["schedules"] == [{"cron": "0 8 * * *", **shanghai}]
    assert "schedules" not in deployments["backfill-on-demand"]
