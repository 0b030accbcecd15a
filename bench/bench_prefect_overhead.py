"""Prefect's own cost per task and per subflow, beside the work a task does, to choose granularity.

    .venv/bin/python bench/bench_prefect_overhead.py

Inside one flow run (Prefect's temporary API already up): N calls of an empty
task, N direct calls of the real work (extracting one sample web article, the
smallest unit the monitor would make a task of), N calls of that work as a task,
and a few empty subflows. Anchor: the work called directly.
"""

from __future__ import annotations

import statistics
import time

from _replica import ROOT  # noqa: F401 - puts the repository on sys.path

import flows.prefect_env  # noqa: F401

# isort: split

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from extractors.pipeline import extract_file
from replica.build import build_sample, default_output_dir

N = 50


@task(cache_policy=NO_CACHE)
def empty_task() -> None:
    return None


@task(cache_policy=NO_CACHE)
def extract_task(path):
    return extract_file(path)


@flow
def empty_subflow() -> None:
    return None


def _per_call(fn, *args, n: int = N) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@flow(name="prefect-overhead")
def measure(article: str) -> dict:
    return {
        "work, direct (anchor)": _per_call(extract_file, article),
        "work as a task": _per_call(extract_task, article),
        "empty task": _per_call(empty_task),
        "empty subflow": _per_call(empty_subflow, n=5),
    }


def main() -> None:
    build_sample(default_output_dir())
    article = str(next((default_output_dir() / "html").rglob("*.html")))
    figures = measure(article)
    anchor = figures["work, direct (anchor)"]
    for name, seconds in figures.items():
        print(f"{name:24s} {seconds * 1000:8.2f} ms/call   ratio to anchor {seconds / anchor:6.2f}")
    overhead = figures["work as a task"] - anchor
    print(f"task overhead on real work: {overhead * 1000:.2f} ms = {overhead / anchor:.0%} of the work")


if __name__ == "__main__":
    main()
