"""`make bench` / `python -m bench`: run every benchmark, then write one summary table.

Each benchmark runs in its own process and prints its headline figures as `BENCH {json}`
lines (bench/report.py); the runner collects them into the "## Summary" table at the top of
bench/RESULTS.md: each figure, its anchor measured in the same run, and the ratio. `--quick`
(what `make bench` uses) is passed to the benchmarks that have it, so the whole run takes
minutes. Timings never fail; a benchmark whose correctness check fails exits non-zero, is
named under the table, and makes this runner exit non-zero.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.report import RESULTS, parse_lines, render, write_summary

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def run_one(name: str, quick: bool) -> tuple[int, str]:
    """Run bench/<name>.py as a script (they import their siblings), echoing its output."""
    script = HERE / f"{name}.py"
    args = [sys.executable, str(script)]
    if quick and "--quick" in script.read_text(encoding="utf-8"):
        args.append("--quick")
    process = subprocess.Popen(args, cwd=HERE.parent, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return process.wait(), "".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="names to run, e.g. bench_pdf")
    parser.add_argument("--quick", action="store_true", help="small sizes: the whole run in minutes")
    parser.add_argument(
        "--no-write", action="store_true", help=f"print the table, leave {RESULTS.name} alone"
    )
    args = parser.parse_args()
    names = args.only or discover()
    failed: list[str] = []
    figures = []
    started = time.perf_counter()
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        began = time.perf_counter()
        code, output = run_one(name, args.quick)
        figures += parse_lines(output)
        print(f"=== {name}: exit {code}, {time.perf_counter() - began:.0f} s ===", flush=True)
        if code:
            failed.append(name)
    command = "make bench" if args.quick and not args.only else " ".join(["python -m bench", *sys.argv[1:]])
    section = render(figures, command, failed, time.perf_counter() - started)
    print("\n" + section)
    if not args.no_write:
        write_summary(section)
        print(f"summary written to {RESULTS}")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
