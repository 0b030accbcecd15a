"""The one pipeline: discover → fetch → extract → load → reconcile → publish → notify.

Plain Python with no orchestrator in it. `gazette monitor --once`, the Prefect flows
(monitor, backfill) and the demo all run this sequence (`pipeline.run`); the flows only
wrap its stages as tasks (`pipeline.run.Stages`) and add Prefect's concerns: retries,
artifacts, task runners.

- `pipeline.crawl`    the fetch stage bound to the warehouse's crawl state (conditional GETs)
- `pipeline.discover` a source's listings walked into the publications they list
- `pipeline.ingest`   one publication fetched, extracted and loaded; its failure is its own
- `pipeline.report`   what a poll and a run did: the summary an operator reads
- `pipeline.sources`  which sources a run polls
- `pipeline.run`      the stages in order, for one run of the monitor or a backfill
"""
