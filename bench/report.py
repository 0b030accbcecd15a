"""The one summary table of `make bench`: every benchmark's figure beside its anchor and the ratio.

Each benchmark prints its headline figures as machine-readable lines,

    BENCH {"bench": "load", "figure": "...", "value": 1.2, "anchor": "...", "anchor_value": 0.4,
           "unit": "s", "ratio": 3.0}

and the runner (bench/__main__.py) collects them here and writes them as a markdown table
into the "## Summary" section at the top of bench/RESULTS.md, leaving every other section
(each engineer's own notes) as it is.
"""

from __future__ import annotations

import json
import platform
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PREFIX = "BENCH "
SUMMARY_HEADING = "## Summary"

# The figures issue 9 asks for, in this order, with what the ratio means.
MEANING = {
    "extraction": "≤ 3x wanted",
    "load": "x COPY's time",
    "dedup": "fraction of pairwise",
    "poll": "fraction of a first poll",
    "poll-flow": "fraction of a first poll",
    "backfill": "speed-up",
    "ocr": "x a text-layer page's time",
    "ocr-accuracy": "of the text layer's accuracy",
}


@dataclass(frozen=True)
class Figure:
    bench: str
    figure: str
    value: float
    anchor: str
    anchor_value: float
    unit: str
    ratio: float


def parse_lines(stdout: str) -> list[Figure]:
    """Every BENCH line of a benchmark's output; other lines are ignored."""
    figures = []
    for line in stdout.splitlines():
        if line.startswith(PREFIX):
            data = json.loads(line[len(PREFIX) :])
            figures.append(
                Figure(
                    bench=data["bench"],
                    figure=data["figure"],
                    value=float(data["value"]),
                    anchor=data["anchor"],
                    anchor_value=float(data["anchor_value"]),
                    unit=data["unit"],
                    ratio=float(data["ratio"]),
                )
            )
    return figures


def _number(value: float, unit: str) -> str:
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


def render(figures: list[Figure], command: str, failed: list[str], seconds: float) -> str:
    """The Summary section: machine, date, command, then one row per figure."""
    order = {name: i for i, name in enumerate(MEANING)}
    rows = sorted(figures, key=lambda f: order.get(f.bench, len(order)))
    lines = [
        SUMMARY_HEADING,
        "",
        f"Machine: {platform.machine()}, {_cpu()}, Python {platform.python_version()}. "
        f"Date: {date.today().isoformat()}. Command: `{command}` ({seconds / 60:.1f} min). "
        "Each figure and its anchor were measured in the same run; timings vary with the machine's "
        "load, so compare ratios, not milliseconds across runs.",
        "",
        "| benchmark | figure | value | anchor (same run) | anchor value | ratio |",
        "| --- | --- | ---: | --- | ---: | ---: |",
    ]
    for f in rows:
        meaning = MEANING.get(f.bench, "")
        ratio = f"{f.ratio:.3g}x" + (f" ({meaning})" if meaning else "")
        lines.append(
            f"| {f.bench} | {f.figure} | {_number(f.value, f.unit)} | {f.anchor} | "
            f"{_number(f.anchor_value, f.unit)} | {ratio} |"
        )
    if failed:
        lines += ["", f"Failed in this run (correctness check or crash): {', '.join(failed)}."]
    return "\n".join(lines) + "\n"


def _cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    model = re.search(r"model name\s*:\s*(.+)", info)
    cores = info.count("processor\t:")
    return f"{cores} x {model.group(1).strip()}" if model else f"{cores} cores"


def write_summary(section: str, path: Path = RESULTS) -> None:
    """Put `section` first in RESULTS.md, replacing the previous Summary and keeping the rest."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    title, _, rest = text.partition("\n")
    pattern = re.compile(rf"{re.escape(SUMMARY_HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    rest = pattern.sub("", rest).lstrip("\n")
    path.write_text(f"{title}\n\n{section}\n{rest}", encoding="utf-8")
