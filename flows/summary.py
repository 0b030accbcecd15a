"""The run summary an operator reads: one markdown artifact per run, the same facts in the CLI.

Built from the plain PollReports and the events a run added, so it says the
same thing whether the run was a schedule, a manual `--once`, or a backfill.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.lock import WriterBusy, writer_lock
from gazette.monitor import PollReport


@dataclass
class RunSummary:
    flow_name: str
    flow_run_id: str
    reports: list[PollReport] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)  # events added by the run, by kind
    seconds: Counter = field(default_factory=Counter)  # run-level stages: reconcile, publish, digest
    notes: list[str] = field(default_factory=list)
    status: str = "completed"  # completed | failed | skipped

    def count(self, status: str) -> int:
        return sum(report.count(status) for report in self.reports)

    @property
    def found(self) -> int:
        return sum(len(report.outcomes) for report in self.reports)

    @property
    def requests(self) -> Counter:
        total: Counter = Counter()
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
        return items

    def stage_seconds(self) -> Counter:
        total: Counter = Counter()
        for report in self.reports:
            total.update(report.seconds)
        total.update(self.seconds)
        return total

    def headline(self) -> str:
        """One line for logs and the terminal."""
        http = ", ".join(f"{n}×{status}" for status, n in sorted(self.requests.items())) or "none"
        return (
            f"{self.flow_name}: {len(self.reports)} source(s), {self.found} publication(s) found, "
            f"{self.count('ingested')} ingested, {self.count('unchanged')} unchanged, "
            f"{self.count('failed')} failed; documents {self.events['new_document']} new, "
            f"{self.events['new_version']} revised, {self.events['repealed']} repealed; HTTP {http}"
        )

    def markdown(self) -> str:
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
        lines += [
            "",
            "## Documents",
            "",
            f"- new: {self.events['new_document']}",
            f"- revised (new versions): {self.events['new_version']}",
            f"- repealed: {self.events['repealed']}",
            f"- amended: {self.events['amended']}",
            f"- problems recorded: {self.events['extraction_problem']}",
            "",
            "## Time per stage",
            "",
            "| stage | seconds |",
            "| --- | ---: |",
        ]
        lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in self.stage_seconds().items()]
        if self.failures:
            lines += ["", "## Failures", ""]
            lines += [f"- `{item}`: {error}" for item, error in self.failures]
        if self.notes:
            lines += ["", "## Notes", ""]
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict:
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


def run_as_writer(summary: RunSummary, home: Path, wait_seconds: float, write: Callable[[], None]) -> dict:
    """Run `write` holding the writer lock, then report the run: how every writing flow ends.

    Another run holding the lock is not a failure: this one ends "skipped" with
    a warning and no artifact, having touched nothing. A run that wrote logs its
    headline and leaves the markdown summary as `<flow>-run-summary`.
    """
    logger = get_run_logger()
    holder = f"{summary.flow_name} run {summary.flow_run_id}"
    try:
        with writer_lock(home, wait_seconds=wait_seconds, holder=holder):
            write()
    except WriterBusy as exc:
        summary.status = "skipped"
        summary.notes.append(str(exc))
        logger.warning(str(exc))
        return summary.as_dict()
    logger.info(summary.headline())
    create_markdown_artifact(
        summary.markdown(), key=f"{summary.flow_name}-run-summary", description=summary.headline()
    )
    return summary.as_dict()
