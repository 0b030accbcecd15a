"""Warehouse benchmark: bulk load vs DuckDB's own insert, analyst views, reload cost.

    .venv/bin/python bench/bench_warehouse.py                  # 20,000 documents (a few minutes)
    .venv/bin/python bench/bench_warehouse.py --docs 100000    # the figure in bench/RESULTS.md

Synthetic documents (2–20 k characters, built from clauses of real gazette text)
are generated once and cached as Parquet (one row group per issue). Each issue
is then inserted twice in the same run, on two fresh DuckDB files: once as the
plain Arrow table (DuckDB's own fastest path: the baseline) and once through
`load_issue` (identity, versions, sightings, references, events, one
transaction). Both receive the same rows, in the same batches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the sample issues (tests/sample_loads.py) are test data

import sample_loads as samples  # noqa: E402

from extractors.clean import normalized_text  # noqa: E402
from extractors.model import Document, Reference  # noqa: E402
from warehouse.connect import open_warehouse  # noqa: E402
from warehouse.load import load_issue  # noqa: E402
from warehouse.records import FetchedFile, IssueRecord  # noqa: E402

ISSUERS = [
    ("宁夏回族自治区人民政府", "宁政发"),
    ("宁夏回族自治区人民政府办公厅", "宁政办发"),
    ("宁夏回族自治区人民政府办公厅", "宁政办规发"),
    ("银川市人民政府", "银政发"),
    ("固原市人民政府办公室", "固政办发"),
    ("彭阳县人民政府办公室", "彭政办发"),
    ("自治区发展改革委", "宁发改法规"),
    ("自治区科技厅", "宁科规发"),
]
TOPICS = [
    "优化营商环境",
    "推动外贸稳规模优结构",
    "建立企业梯次培育体系",
    "政务服务效能提升",
    "残疾预防和残疾人康复",
    "安全生产",
    "民营经济高质量发展",
    "数字政府建设",
    "乡村振兴",
    "生态环境保护",
]
TYPES = ["通知", "意见", "办法", "方案", "决定", "批复"]


def clause_pool() -> list[str]:
    """Clauses of the sample texts: realistic characters, punctuation and numbers."""
    text = "".join(
        doc.text
        for make in (
            samples.issue_2024_02,
            samples.issue_2024_03,
            samples.issue_2020_business,
            samples.issue_pengyang_2020,
        )
        for doc in make()[3]
    )
    pieces, current = [], []
    for char in text:
        current.append(char)
        if char in "，。；：,;\n":
            pieces.append("".join(current))
            current = []
    return [p for p in pieces if len(p) > 3]


def generate(path: Path, docs: int, per_issue: int, seed: int = 20240131) -> None:
    """Write `docs` synthetic documents to Parquet, one row group per issue."""
    rng = random.Random(seed)
    pool = clause_pool()
    normalized_pool = [normalized_text(c) for c in pool]
    lengths = [len(c) for c in pool]
    writer = None
    serial: dict[tuple[str, int], int] = {}
    numbers: list[str] = []
    start = date(2015, 1, 1)
    for first in range(0, docs, per_issue):
        rows: dict[str, list] = {
            k: []
            for k in (
                "issue",
                "title",
                "doc_number",
                "issuer",
                "doc_type",
                "issued_date",
                "effective_date",
                "expiry_date",
                "text",
                "normalized_text",
                "ref_number",
                "ref_title",
            )
        }
        for position in range(first, min(docs, first + per_issue)):
            issuer, code = ISSUERS[rng.randrange(len(ISSUERS))]
            issued = start + timedelta(days=position * 3650 // docs + rng.randrange(20))
            key = (code, issued.year)
            serial[key] = serial.get(key, 0) + 1
            number = f"{code}〔{issued.year}〕{serial[key]}号"
            target, picked, size = rng.randint(2000, 20000), [], 0
            while size < target:
                i = rng.randrange(len(pool))
                picked.append(i)
                size += lengths[i]
            topic = TOPICS[rng.randrange(len(TOPICS))]
            cited = numbers[rng.randrange(len(numbers))] if numbers and rng.random() < 0.1 else None
            rows["issue"].append(first // per_issue)
            rows["title"].append(f"{issuer}关于{topic}的{TYPES[position % len(TYPES)]}（第{position}号样本）")
            rows["doc_number"].append(number)
            rows["issuer"].append(issuer)
            rows["doc_type"].append(TYPES[position % len(TYPES)])
            rows["issued_date"].append(issued.isoformat())
            rows["effective_date"].append((issued + timedelta(days=30)).isoformat())
            rows["expiry_date"].append(
                (issued + timedelta(days=365 * 5)).isoformat() if position % 4 == 0 else None
            )
            rows["text"].append("".join(pool[i] for i in picked))
            rows["normalized_text"].append("".join(normalized_pool[i] for i in picked))
            rows["ref_number"].append(cited)
            rows["ref_title"].append("相关文件" if cited else None)
            numbers.append(number)
        table = pa.table(rows)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
    assert writer is not None
    writer.close()


def to_documents(table: pa.Table) -> list[Document]:
    documents = []
    for row in table.to_pylist():
        refs = (
            [
                Reference(
                    relation="cites",
                    doc_number=row["ref_number"],
                    title=row["ref_title"],
                    evidence=f"根据《{row['ref_title']}》（{row['ref_number']}）",
                )
            ]
            if row["ref_number"]
            else []
        )
        documents.append(
            Document(
                title=row["title"],
                text=row["text"],
                normalized_text=row["normalized_text"],
                doc_number=row["doc_number"],
                issuer=row["issuer"],
                doc_type=row["doc_type"],
                issued_date=row["issued_date"],
                effective_date=row["effective_date"],
                expiry_date=row["expiry_date"],
                references=refs,
            )
        )
    return documents


def issue_args(index: int, table: pa.Table) -> tuple[IssueRecord, FetchedFile]:
    digest = hashlib.sha256(f"bench-issue-{index}-{table.num_rows}".encode()).hexdigest()
    issue = IssueRecord(
        issue_id=f"bench-{index:05d}",
        source_id="bench",
        year=2015 + index % 10,
        number=index,
        published_date=table.column("issued_date")[0].as_py(),
    )
    return issue, FetchedFile(
        sha256=digest, url=f"http://127.0.0.1/bench/{index}.pdf", size_bytes=table.nbytes
    )


class StepClock:
    """`load_issue`'s on_stage hook: time from each named step to the next (the last: to COMMIT's end)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._step: str | None = None
        self._since = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        if self._step is not None:
            self.times[self._step] = self.times.get(self._step, 0.0) + now - self._since
        self._step, self._since = step, now

    def finish(self) -> dict[str, float]:
        return self.times


def mean_steps(rows: list[dict[str, float]]) -> dict[str, float]:
    names = {name for row in rows for name in row}
    return {name: statistics.mean(row.get(name, 0.0) for row in rows) for name in names}


def timed(con: duckdb.DuckDBPyConnection, sql: str, repeat: int = 5) -> tuple[float, int]:
    """Median wall time in ms of running `sql` and materializing every row (Arrow); and the row count."""
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = con.execute(sql).to_arrow_table().num_rows
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--docs-per-issue", type=int, default=500)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "gazette-bench")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the two DuckDB files go (default: temp)"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 documents (for `make bench`)")
    args = parser.parse_args()
    if args.quick:
        args.docs, args.docs_per_issue = 2_000, 200

    args.cache.mkdir(parents=True, exist_ok=True)
    source = args.cache / f"documents-{args.docs}-{args.docs_per_issue}.parquet"
    if not source.exists():
        started = time.perf_counter()
        generate(source, args.docs, args.docs_per_issue)
        print(f"generated {args.docs:,} documents in {time.perf_counter() - started:.1f} s -> {source}")
    parquet = pq.ParquetFile(source)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-warehouse-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # Phase 1, the baseline: the same rows, in the same batches, one INSERT of the Arrow table each.
    baseline = duckdb.connect(str(workdir / "baseline.duckdb"))
    t_baseline = 0.0
    for index in range(parquet.num_row_groups):
        table = parquet.read_row_group(index)
        started = time.perf_counter()
        baseline.register("chunk", table)
        if index == 0:
            baseline.execute("CREATE TABLE documents AS SELECT * FROM chunk")
        else:
            baseline.execute("INSERT INTO documents SELECT * FROM chunk")
        baseline.unregister("chunk")
        t_baseline += time.perf_counter() - started
    started = time.perf_counter()
    baseline.execute("CHECKPOINT")
    t_baseline += time.perf_counter() - started
    baseline.close()

    # Phase 2, ours: the same batches through load_issue, each one issue and one transaction.
    warehouse = open_warehouse(workdir / "warehouse.duckdb")
    t_ours = 0.0
    chars = 0
    first_issue_load = None
    per_issue: list[float] = []
    step_times: list[dict[str, float]] = []
    for index in range(parquet.num_row_groups):
        table = parquet.read_row_group(index)
        documents = to_documents(table)
        chars += sum(len(d.text) for d in documents)
        issue, fetched = issue_args(index, table)
        steps = StepClock()
        started = time.perf_counter()
        load_issue(warehouse, issue, fetched, [], documents, today=date(2025, 1, 1), on_stage=steps)
        elapsed = time.perf_counter() - started
        step_times.append(steps.finish())
        t_ours += elapsed
        per_issue.append(elapsed)
        if index == 0:
            first_issue_load = (issue, fetched, documents, elapsed)
    started = time.perf_counter()
    warehouse.execute("CHECKPOINT")
    t_ours += time.perf_counter() - started

    started = time.perf_counter()
    copy = duckdb.connect(str(workdir / "copy.duckdb"))
    copy.execute(f"CREATE TABLE documents AS SELECT * FROM read_parquet('{source}')")
    copy.execute("CHECKPOINT")
    t_copy = time.perf_counter() - started
    copy.close()

    docs = warehouse.execute("SELECT count(*) FROM documents").fetchone()[0]
    print(
        f"\n== bulk load: {docs:,} documents, {chars / 1e6:,.0f} M characters, "
        f"{parquet.num_row_groups} issues of {args.docs_per_issue} =="
    )
    print(
        f"DuckDB Arrow insert (same rows, same batches): {t_baseline:7.1f} s  "
        f"{docs / t_baseline:8,.0f} docs/s"
    )
    print(f"DuckDB COPY from Parquet (one statement):      {t_copy:7.1f} s  {docs / t_copy:8,.0f} docs/s")
    print(f"load_issue (warehouse model, events):          {t_ours:7.1f} s  {docs / t_ours:8,.0f} docs/s")
    print(f"ratio load_issue / Arrow insert: {t_ours / t_baseline:.2f}x   (target <= 3x)")
    print(f"ratio load_issue / COPY:         {t_ours / t_copy:.2f}x  (COPY: one statement, one transaction)")
    print(
        "BENCH "
        + json.dumps(
            {
                "bench": "load",
                "figure": f"load_issue, {docs:,} documents",
                "value": t_ours,
                "anchor": "DuckDB COPY from Parquet",
                "anchor_value": t_copy,
                "unit": "s",
                "ratio": t_ours / t_copy,
            }
        )
    )
    tenth = max(1, len(per_issue) // 10)
    print(
        f"load_issue per issue: first tenth {statistics.mean(per_issue[:tenth]) * 1000:.0f} ms, "
        f"last tenth {statistics.mean(per_issue[-tenth:]) * 1000:.0f} ms"
    )

    print(f"where the time goes (ms per issue, by load step), first tenth vs last tenth of {len(per_issue)}:")
    steps_first, steps_last = mean_steps(step_times[:tenth]), mean_steps(step_times[-tenth:])
    for step in sorted(steps_last, key=lambda name: -steps_last[name]):
        print(f"  {step:18s} {steps_first.get(step, 0) * 1000:8.0f} {steps_last[step] * 1000:8.0f}")

    assert first_issue_load is not None
    issue, fetched, documents, first_elapsed = first_issue_load
    started = time.perf_counter()
    result = load_issue(warehouse, issue, fetched, [], documents)
    second = time.perf_counter() - started
    assert result.unchanged
    started = time.perf_counter()
    forced = load_issue(warehouse, issue, fetched, [], documents, force=True)
    forced_elapsed = time.perf_counter() - started
    assert forced.documents_new == forced.versions_new == forced.events_new == 0
    print("\n== loading the same issue again ==")
    print(f"first load of issue 0:        {first_elapsed * 1000:8.1f} ms")
    print(
        f"second load (same sha256):    {second * 1000:8.1f} ms  = {second / first_elapsed:.2%} of the first"
    )
    print(f"forced reload (full anti-join path, nothing new): {forced_elapsed * 1000:8.1f} ms")

    some_doc = warehouse.execute("SELECT doc_number FROM documents ORDER BY document_id LIMIT 1").fetchone()[
        0
    ]
    since = warehouse.execute("SELECT max(recorded_at) - INTERVAL 1 SECOND FROM events").fetchone()[0]
    queries = {
        "documents_in_force(today)": "SELECT * FROM documents_in_force(DATE '2025-01-01')",
        "documents_in_force count": "SELECT count(*) FROM documents_in_force(DATE '2025-01-01')",
        "document history (one doc)": f"SELECT * FROM document_history WHERE doc_number = '{some_doc}'",
        "changes_since(last second)": f"SELECT * FROM changes_since(TIMESTAMP '{since}')",
        "changes_since, last 100 events": (
            "SELECT * FROM changes_since('2000-01-01') ORDER BY event_id DESC LIMIT 100"
        ),
        "replacements": "SELECT * FROM replacements",
        "expiring_within(30)": "SELECT * FROM expiring_within(30, as_of := DATE '2025-01-01')",
        "documents_per_issuer_month": "SELECT * FROM documents_per_issuer_month",
    }
    print(f"\n== analyst views on {docs:,} documents (median of 5, all rows as Arrow; target < 200 ms) ==")
    for name, sql in queries.items():
        ms, rows = timed(warehouse, sql)
        print(f"{name:32s} {ms:8.1f} ms  {rows:>8,} rows  {'ok' if ms < 200 else 'SLOW'}")
    size = sum(p.stat().st_size for p in workdir.glob("*.duckdb"))
    print(f"\nDuckDB files (baseline, copy, warehouse): {size / 1e9:.2f} GB")
    warehouse.close()
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
