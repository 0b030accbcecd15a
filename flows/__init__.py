"""Prefect flows: thin orchestration of the plain-Python stages (gazette.monitor, extractors, warehouse).

`flows.monitor` (monitor, digest), `flows.backfill`, `flows.tasks`; the CLI commands in
`flows.cli`. Importing the package itself does not import Prefect (the `gazette` CLI
imports `flows.cli` on every start).
"""
