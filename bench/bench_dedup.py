"""Duplicate detection: precision/recall on labelled pairs from the seeds, and linear scaling.

Run from the repository root: `.venv/bin/python -m bench.bench_dedup` (~2 min).

1. Labelled pairs built from the documents the extractor finds in the sample
   corpus (seeds + the constructed issue): noisy copies (re-wrapped lines,
   spaces in numbers, bracket widths, page furniture, the title repeated
   above the body, a scanned page missing from a copy that has the gap) are
   duplicates; real edits (a digit, a date, a word, a sentence added or
   removed, two clauses swapped, also under noise) and different documents
   (every other pair, plus same-template annual editions) are not.
2. Scaling: the streaming LSH index over 10k, 20k, 40k synthetic documents
   (sentences recombined from clauses of the seeds, 10 % noisy copies injected), with the
   ratio per doubling, beside the anchor: pairwise rapidfuzz (process.cdist
   over all pairs, all cores) on 500 and 1k documents of the same corpus,
   extrapolated to 40k (quadratic: 40k would take hours).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import time
from itertools import combinations
from pathlib import Path

from rapidfuzz import fuzz, process

from extractors.canon import strip_furniture
from extractors.pipeline import extract_file
from reconcile.dedup import DuplicateIndex, is_near_duplicate
from warehouse.copies import Copy

CORPUS = Path(__file__).resolve().parent.parent / "replica" / "corpus"


def corpus_documents() -> list[tuple[str, str, str]]:
    """(title, issuer, text) of every document the extractor finds in the sample corpus.

    Page furniture still standing on its own lines is dropped first, as the
    extraction stage does, so that re-wrapping a copy cannot glue a running
    header into the body (a noise real re-extraction does not make).
    """
    files = [*sorted((CORPUS / "seeds").glob("*.txt")), CORPUS / "constructed" / "nx-2024-03.txt"]
    return [
        (d.title, d.issuer or "", strip_furniture(d.text)) for f in files for d in extract_file(f).documents
    ]


def rewrap(text: str, width: int) -> str:
    flat = text.replace("\n", "")
    return "\n".join(flat[i : i + width] for i in range(0, len(flat), width))


def noisy_variants(title: str, text: str, rng: random.Random) -> list[Copy]:
    lines = text.splitlines()
    with_furniture = list(lines)
    for _ in range(max(1, len(lines) // 40)):
        at = rng.randrange(len(with_furniture) + 1)
        with_furniture[at:at] = [f"— {rng.randint(1, 99)} —", "宁夏回族自治区人民政府公报"]
    variants = [
        Copy(rewrap(text, rng.randint(14, 40)), title),
        Copy(re.sub(r"(\d)(年|月|日|号|条)", r"\1 \2", text), title),
        Copy(text.replace("（", "(").replace("）", ")").replace("〔", "[").replace("〕", "]"), title),
        Copy("\n".join(with_furniture), title),
        Copy(title + "\n" + rewrap(text, 33), title),
    ]
    if len(text) > 1500:  # a scanned page: a run of ~400 characters missing from the copy that has the gap
        start = rng.randrange(200, len(text) - 600)
        variants.append(Copy(text[:start] + text[start + 400 :], title, has_gap=True))
    return variants


def _sentences(text: str) -> list[str]:
    return [s + "。" for s in re.split(r"。", text.replace("\n", "")) if len(s) > 12]


def edited_variants(title: str, text: str, rng: random.Random) -> list[Copy]:
    edits = []
    digits = [m.start() for m in re.finditer(r"\d", text)]
    if digits:
        at = rng.choice(digits)
        edits.append(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :])
    dates = list(re.finditer(r"(\d{1,2})月(\d{1,2})日", text))
    if dates:
        m = rng.choice(dates)
        edits.append(text[: m.start()] + f"{int(m.group(1)) % 12 + 1}月{m.group(2)}日" + text[m.end() :])
    for old, new in (("应当", "可以"), ("加强", "减少"), ("自治区", "全市"), ("负责", "协助")):
        if old in text:
            at = text.index(old)
            edits.append(text[:at] + new + text[at + len(old) :])
            break
    sentences = _sentences(text)
    if len(sentences) > 3:
        one = rng.choice(sentences)
        edits.append(text.replace(one, "", 1))  # a sentence removed
        edits.append(text.replace(one, one + "具体办法由自治区有关部门另行制定。", 1))  # one added
        a, b = rng.sample(sentences, 2)
        edits.append(text.replace(a, "\0").replace(b, a).replace("\0", b))  # two clauses swapped
    copies = [Copy(e, title) for e in edits if e != text]
    return copies + [Copy(rewrap(e, rng.randint(15, 35)), title) for e in edits[:2] if e != text]


def template_pairs(rng: random.Random, count: int) -> list[tuple[Copy, Copy]]:
    """Annual editions of one template: same issuer and wording, other year, targets and items."""
    pairs = []
    for i in range(count):
        body = (
            "自治区人民政府办公厅关于印发全区{y}年政务公开工作要点的通知\n各市、县（区）人民政府：\n"
            "现将《全区{y}年政务公开工作要点》印发给你们，请认真贯彻落实。\n一、加强政策解读，{y}年底前完成{n}项。\n"
            "二、深化基层政务公开标准化规范化建设，覆盖率达到{p}%。\n三、做好政府信息依申请公开工作。\n"
        )
        y = 2015 + i
        old = body.format(y=y, n=rng.randint(5, 30), p=rng.randint(60, 99))
        new = body.format(y=y + 1, n=rng.randint(5, 30), p=rng.randint(60, 99))
        pairs.append((Copy(old), Copy(new)))
    return pairs


def precision_recall(rng: random.Random) -> None:
    docs = corpus_documents()
    labelled: list[tuple[Copy, Copy, bool, str]] = []
    for title, _, text in docs:
        base = Copy(text, title)
        labelled += [(base, v, True, "noisy copy") for v in noisy_variants(title, text, rng)]
        labelled += [(base, v, False, "real edit") for v in edited_variants(title, text, rng)]
    for (t1, i1, x1), (t2, i2, x2) in combinations(docs, 2):
        if t1 == t2 and i1 == i2:
            continue  # the revised order and its base: covered by the edit cases
        labelled.append(
            (Copy(x1, t1), Copy(x2, t2), False, "same issuer" if i1 == i2 else "different document")
        )
    labelled += [(a, b, False, "same template") for a, b in template_pairs(rng, 20)]

    tp = fp = fn = tn = 0
    misses: dict[str, int] = {}
    started = time.perf_counter()
    for old, new, same, kind in labelled:
        predicted = is_near_duplicate(old, new)
        tp += predicted and same
        fp += predicted and not same
        fn += same and not predicted
        tn += not same and not predicted
        if predicted != same:
            misses[kind] = misses.get(kind, 0) + 1
    elapsed = time.perf_counter() - started
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    kinds = {k: sum(1 for *_, kk in labelled if kk == k) for k in {k for *_, k in labelled}}
    print(f"labelled pairs: {len(labelled)} from {len(docs)} corpus documents: {kinds}")
    print(
        f"  TP {tp}  FP {fp}  FN {fn}  TN {tn}  precision {precision:.4f}  recall {recall:.4f}  "
        f"({elapsed:.2f} s)  errors by kind: {misses or 'none'}"
    )


def _clauses(pool: list[str]) -> list[str]:
    """The clauses (between commas and semicolons) of the seed sentences, at least 4 characters long."""
    return sorted({c for s in pool for c in re.split(r"[，；、：。]", s) if len(c) >= 4})


def synthetic_corpus(n: int, rng: random.Random, pool: list[str]) -> tuple[list[tuple[str, Copy]], set[str]]:
    """n documents of the seeds' vocabulary and boilerplate, each with sentences of its own.

    Every sentence is recombined from 2–4 clauses of the seed sentences, so
    that documents share phrases and the opening and closing formulas, as real
    gazette documents do, but not whole sentences. (An earlier version drew
    whole sentences from a fixed pool of ~2,300: at 40k documents each sentence
    sat in ~160 documents and the pairs sharing three or four of them grew with
    n², a corpus no gazette is: distinct documents do not repeat each other's clauses.)
    """
    clauses = _clauses(pool)
    items: list[tuple[str, Copy]] = []
    injected: set[str] = set()
    for i in range(n):
        if items and rng.random() < 0.1:
            key, original = rng.choice(items[-500:])
            copy_key = f"copy-{i}-of-{key}"
            items.append((copy_key, Copy(rewrap(original.text, rng.randint(15, 40)), original.title)))
            injected.add(copy_key)
            continue
        title = f"关于印发第{i}号工作方案的通知"
        count = rng.randint(6, 12)
        sentences = ["，".join(rng.sample(clauses, rng.randint(2, 4))) + "。" for _ in range(count)]
        opening = "各市、县（区）人民政府，自治区政府各部门："
        text = "\n".join([title, opening, *sentences, "请认真贯彻落实。"])
        items.append((f"doc-{i}", Copy(text, title)))
    return items, injected


def scaling(rng: random.Random, sizes: list[int], baseline_sizes: list[int]) -> None:
    pool = sorted({s for _, _, text in corpus_documents() for s in _sentences(text)})
    print(
        f"\nscaling: synthetic documents of 6–12 sentences recombined from {len(_clauses(pool))} seed"
        " clauses, shared opening and closing formulas, 10 % noisy copies"
    )
    previous = None
    for n in sizes:
        items, injected = synthetic_corpus(n, rng, pool)
        elapsed = float("inf")
        for _ in range(2):  # best of two: on a 2-core VM one run can lose seconds to a neighbour
            fresh = [(key, Copy(copy.text, copy.title, copy.has_gap)) for key, copy in items]
            started = time.perf_counter()
            index = DuplicateIndex()
            found = [m for key, copy in fresh if (m := index.add(key, copy)) is not None]
            elapsed = min(elapsed, time.perf_counter() - started)
        hits = {m.key for m in found}
        ratio = f"{elapsed / previous:.2f}x per doubling" if previous else "—"
        print(
            f"  LSH index   n={n:>6}: {elapsed:7.2f} s  ({elapsed / n * 1e3:.2f} ms/doc)  ratio {ratio}  "
            f"injected copies found {len(hits & injected)}/{len(injected)}, "
            f"other pairs {len(hits - injected)}"
        )
        previous = elapsed
        if len(hits & injected) < 0.95 * len(injected):
            found_copies = len(hits & injected)
            raise SystemExit(f"correctness: only {found_copies}/{len(injected)} injected copies found")
    lsh_n, lsh_seconds = sizes[-1], elapsed
    per_pair = 0.0
    for n in baseline_sizes:
        items, _ = synthetic_corpus(n, rng, pool)
        bodies = [copy.body for _, copy in items]
        started = time.perf_counter()
        process.cdist(bodies, bodies, scorer=fuzz.ratio, score_cutoff=90, workers=-1)
        elapsed = time.perf_counter() - started
        per_pair = elapsed / (n * n)
        print(
            f"  pairwise    n={n:>6}: {elapsed:7.2f} s  (rapidfuzz cdist, all cores) → "
            f"extrapolated n=40000: {per_pair * 40000**2:,.0f} s"
        )
    print(
        "BENCH "
        + json.dumps(
            {
                "bench": "dedup",
                "figure": f"MinHash LSH index, n={lsh_n:,}",
                "value": lsh_seconds,
                "anchor": f"pairwise rapidfuzz cdist extrapolated to n={lsh_n:,}",
                "anchor_value": per_pair * lsh_n**2,
                "unit": "s",
                "ratio": lsh_seconds / (per_pair * lsh_n**2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    parser.add_argument("--baseline-sizes", type=int, nargs="+", default=[500, 1_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="sizes 2,500/5,000, pairwise 500")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.baseline_sizes = [2_500, 5_000], [500]
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    rng = random.Random(args.seed)
    precision_recall(rng)
    scaling(rng, args.sizes, args.baseline_sizes)


if __name__ == "__main__":
    main()
