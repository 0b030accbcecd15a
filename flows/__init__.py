"""Prefect flows: thin orchestration of the one pipeline (pipeline.run) and its stages.

`flows.monitor` (monitor, digest), `flows.backfill`, `flows.tasks`; the CLI commands in
`flows.cli`. Importing the package itself does not import Prefect (the `gazette` CLI
imports `flows.cli` on every start).
"""
