"""What a poll and a run did: the facts an operator reads, whoever started the run.

Built from plain records, so the CLI, the Prefect artifact and the `flow_runs` row
say the same thing whether the run was a schedule, a manual `--once` or a backfill.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.vocabulary import EventKind, RunStatus
from extractors.listing import RejectedLink
from warehouse.records import IssueRecord
from warehouse.runs import RunTotals


@dataclass
class Publication:
    """Something to load as one unit: a gazette issue's PDF, a web article, a compilation."""

    url: str
    issue: IssueRecord


@dataclass
class Outcome:
    """What happened to one publication in this poll."""

    publication: Publication
    status: str  # ingested | unchanged | failed
    documents: int = 0
    documents_new: int = 0
    versions_new: int = 0
    events_new: int = 0
    pages: int = 0
    pages_without_text: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class PollReport:
    """The summary for one source: what an operator reads after a poll."""

    source_id: str
    started_at: datetime
    requests: Counter[str] = field(default_factory=Counter)  # "200", "304"
    listed: int = 0  # items on the listing pages
    outcomes: list[Outcome] = field(default_factory=list)
    rejected: list[RejectedLink] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # source-level failures (config, layout, network)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # per stage

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def ok(self) -> bool:
        return not self.errors and self.count("failed") == 0


@dataclass
class RunSummary:
    """One run of a writing flow: its polls, the events it added, its run-level stages and notes."""

    flow_name: str
    flow_run_id: str
    reports: list[PollReport] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)  # events added by the run, by kind
    # run-level stages: reconcile, publish, digest
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    notes: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # run-level failures: (item, error)
    status: str = RunStatus.COMPLETED.value  # completed | failed | skipped

    def count(self, status: str) -> int:
        return sum(report.count(status) for report in self.reports)

    @property
    def found(self) -> int:
        return sum(len(report.outcomes) for report in self.reports)

    @property
    def requests(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for report in self.reports:
            total.update(report.requests)
        return total

    @property
    def failures(self) -> list[tuple[str, str]]:
        items = [(report.source_id, error) for report in self.reports for error in report.errors]
        items += [
            (outcome.publication.url, outcome.error or "")
            for report in self.reports
            for outcome in report.outcomes
            if outcome.status == "failed"
        ]
        return items + self.errors

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per stage over the polls and the run (a Counter holds ints: these are floats)."""
        total: defaultdict[str, float] = defaultdict(float)
        for seconds in [*(report.seconds for report in self.reports), self.seconds]:
            for stage, spent in seconds.items():
                total[stage] += spent
        return dict(total)

    def totals(self) -> RunTotals:
        """The run in the columns of its `flow_runs` row."""
        outcomes = [outcome for report in self.reports for outcome in report.outcomes]
        return RunTotals(
            issues_seen=len(outcomes),
            issues_loaded=sum(1 for o in outcomes if o.status == "ingested"),
            issues_unchanged=sum(1 for o in outcomes if o.status == "unchanged"),
            documents_new=sum(o.documents_new for o in outcomes),
            versions_new=sum(o.versions_new for o in outcomes),
            events_new=sum(self.events.values()),
            errors=[{"item": item, "error": error} for item, error in self.failures],
        )

    def headline(self) -> str:
        """One line for logs and the terminal."""
        http = ", ".join(f"{n}×{status}" for status, n in sorted(self.requests.items())) or "none"
        return (
            f"{self.flow_name}: {len(self.reports)} source(s), {self.found} publication(s) found, "
            f"{self.count('ingested')} ingested, {self.count('unchanged')} unchanged, "
            f"{self.count('failed')} failed; documents {self.events[EventKind.NEW_DOCUMENT]} new, "
            f"{self.events[EventKind.NEW_VERSION]} revised, {self.events[EventKind.REPEALED]} repealed; "
            f"HTTP {http}"
        )

    def markdown(self) -> str:
        """The run's summary artifact."""
        lines = [
            f"# {self.flow_name} run `{self.flow_run_id}`: {self.status}",
            "",
            "| source | listed | found | ingested | unchanged | failed | HTTP |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for report in self.reports:
            http = ", ".join(f"{n}×{status}" for status, n in sorted(report.requests.items()))
            lines.append(
                f"| {report.source_id} | {report.listed} | {len(report.outcomes)} | "
                f"{report.count('ingested')} | {report.count('unchanged')} | "
                f"{report.count('failed')} | {http} |"
            )
        lines += ["", "## Documents", "", "events of this run, by kind:", ""]
        lines += [f"- {kind.value}: {self.events[kind]}" for kind in EventKind]
        lines += ["", "## Time per stage", "", "| stage | seconds |", "| --- | ---: |"]
        lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in self.stage_seconds().items()]
        if self.failures:
            lines += ["", "## Failures", ""]
            lines += [f"- `{item}`: {error}" for item, error in self.failures]
        if self.notes:
            lines += ["", "## Notes", ""]
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """The flow's return value: small, JSON-friendly, what a caller or test checks."""
        return {
            "flow_run_id": self.flow_run_id,
            "status": self.status,
            "sources": [report.source_id for report in self.reports],
            "found": self.found,
            "ingested": self.count("ingested"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "requests": dict(self.requests),
            "events": dict(self.events),
            "failures": [f"{item}: {error}" for item, error in self.failures],
            "notes": list(self.notes),
            "ingested_issue_ids": [
                outcome.publication.issue.issue_id
                for report in self.reports
                for outcome in report.outcomes
                if outcome.status == "ingested"
            ],
        }


@contextmanager
def timed(seconds: MutableMapping[str, float], stage: str) -> Iterator[None]:
    """Add the block's wall time to `seconds[stage]`: how polls and runs time their stages."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] += time.perf_counter() - start


def result_lines(result: dict[str, Any]) -> list[str]:
    """A run's result (`RunSummary.as_dict`) as the lines a person reads: the CLI and the demo print these."""
    if result["status"] == "skipped":
        return [f"skipped: {'; '.join(result['notes'])}"]
    http = ", ".join(f"{n}×{status}" for status, n in sorted(result["requests"].items())) or "none"
    events = result["events"]
    lines = [
        f"{', '.join(result['sources']) or 'no source'}: {result['found']} publications found, "
        f"{result['ingested']} ingested, {result['unchanged']} unchanged, {result['failed']} failed "
        f"(HTTP {http})",
        f"documents: {events.get(EventKind.NEW_DOCUMENT, 0)} new, "
        f"{events.get(EventKind.NEW_VERSION, 0)} revised, {events.get(EventKind.REPEALED, 0)} repealed; "
        f"{sum(events.values())} events",
    ]
    lines += [f"  failed {failure}" for failure in result["failures"]]
    if result["status"] == RunStatus.FAILED.value:
        lines.append("  the run failed: it could not do its job (see above)")
    return lines
