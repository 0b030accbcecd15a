"""Diff quality: on edited versions, is every edited clause reported, and no unedited one?

Run from the repository root: `.venv/bin/python -m bench.bench_diff` (~10 s).

Edited versions are made from the documents the extractor finds in the
sample corpus: k clauses (blocks) of a document are edited — a digit changed,
a date moved, a word replaced, a sentence appended, the block removed, or the
block moved elsewhere — and the edited text is then re-wrapped and given
other bracket widths (noise that must not show). A clause counts as reported
when a non-unchanged hunk covers its block; the anchor is the real revision
of 令第130号 in the constructed issue (five changes, replica/corpus/README.md),
and the time per diff is printed beside a plain difflib line diff of the same texts.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import time
from pathlib import Path

from extractors.canon import canonical, strip_furniture
from extractors.pipeline import extract_file
from reconcile.blocks import _paragraphs, split_blocks
from reconcile.diff import diff_blocks, diff_texts

CORPUS = Path(__file__).resolve().parent.parent / "replica" / "corpus"
EDITS = ("digit", "date", "word", "append", "remove", "move")


def corpus_texts() -> list[str]:
    files = [*sorted((CORPUS / "seeds").glob("*.txt")), CORPUS / "constructed" / "nx-2024-03.txt"]
    return [strip_furniture(d.text) for f in files for d in extract_file(f).documents]


def edit_block(text: str, kind: str, rng: random.Random) -> str | None:
    if kind == "digit":
        digits = [m.start() for m in re.finditer(r"\d", text)]
        if not digits:
            return None
        at = rng.choice(digits)
        return text[:at] + str((int(text[at]) + 3) % 10) + text[at + 1 :]
    if kind == "date":
        m = re.search(r"(\d{1,2})月", text)
        return None if m is None else text[: m.start()] + f"{int(m.group(1)) % 12 + 1}月" + text[m.end() :]
    if kind == "word":
        for old, new in (
            ("应当", "可以"),
            ("加强", "强化"),
            ("负责", "牵头"),
            ("推进", "推动"),
            ("建立", "健全"),
        ):
            if old in text:
                return text.replace(old, new, 1)
        return None
    if kind == "append":
        return text + "具体办法另行制定。"
    return text  # remove / move are done on the block list


def make_edited(text: str, k: int, rng: random.Random) -> tuple[str, str, set[int]] | None:
    """(old text, new noisy text, indexes of the old blocks that were edited).

    Edits work on the paragraphs as the block splitter cuts them, keeping their
    own line breaks, so the old text re-splits into exactly these blocks.
    """
    old_lines = [p for p in _paragraphs(text) if canonical(p)]
    if len(split_blocks("\n".join(old_lines))) != len(old_lines) or len(old_lines) < 2 * k + 2:
        return None
    new_lines = list(old_lines)
    edited: set[int] = set()
    moved: list[str] = []
    removed: set[int] = set()
    for index in rng.sample(range(1, len(old_lines)), k):
        kind = rng.choice(EDITS)
        if kind == "remove":
            removed.add(index)
        elif kind == "move":
            moved.append(new_lines[index])
            removed.add(index)
        else:
            changed = edit_block(new_lines[index], kind, rng)
            if changed is None or changed == new_lines[index]:
                continue
            new_lines[index] = changed
        edited.add(index)
    kept = [line for i, line in enumerate(new_lines) if i not in removed]
    for line in moved:
        # after a paragraph that ends a sentence, so that it stays a block of its own, and at least two
        # blocks away from where it was: a block moved past one neighbour is the neighbour moved the other
        # way (a tie no diff can break, and either reading is right), so such a move would score by chance
        was = sum(1 for i in range(old_lines.index(line)) if i not in removed)
        ends = [
            i + 1
            for i, p in enumerate(kept)
            if p.rstrip().endswith(("。", "；", "：")) and abs(i + 1 - was) >= 2
        ]
        if not ends:
            return None
        kept.insert(rng.choice(ends), line)
    # noise on top: other bracket widths, spaces around numbers, a blank line between blocks
    new_text = "\n\n".join(kept).replace("（", "(").replace("）", ")")
    new_text = re.sub(r"(\d)(年|月|日)", r"\1 \2", new_text)
    return "\n".join(old_lines), new_text, edited


def score(old: str, new: str, edited: set[int]) -> tuple[int, int, int, int]:
    """(edited blocks reported, edited blocks, unedited blocks reported, unedited blocks)."""
    old_blocks = split_blocks(old)
    diff = diff_blocks(old_blocks, split_blocks(new))
    reported = {h.old_position for h in diff.changes if h.old_position is not None}
    return len(edited & reported), len(edited), len(reported - edited), len(old_blocks) - len(edited)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions-per-document", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    base = "\n".join((CORPUS / "seeds" / "004_e3e902c520636e6f.txt").read_text("utf-8").splitlines()[120:273])
    revised = "\n".join((CORPUS / "constructed" / "nx-2024-03.txt").read_text("utf-8").splitlines()[120:271])
    anchor = diff_texts(base, revised)
    print("anchor: 令第130号, 2024 No. 2 → constructed revision 2024 No. 3 (README lists 5 changes)")
    for hunk in anchor.changes:
        print(f"  {hunk.kind:8} {hunk.locator}")

    texts = corpus_texts()
    found = total = false = unedited = versions = 0
    block_time = line_time = 0.0
    for text in texts:
        for _ in range(args.versions_per_document):
            made = make_edited(text, rng.randint(1, 4), rng)
            if made is None:
                continue
            old, new, edited = made
            started = time.perf_counter()
            hit, count, wrong, untouched = score(old, new, edited)
            block_time += time.perf_counter() - started
            started = time.perf_counter()
            list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm=""))
            line_time += time.perf_counter() - started
            found, total, false, versions = found + hit, total + count, false + wrong, versions + 1
            unedited += untouched
    print(f"\nedited versions: {versions} from {len(texts)} corpus documents; edited clauses {total}")
    print(
        f"  edited clauses reported {found}/{total} ({found / total:.2%}); "
        f"unedited clauses reported {false}/{unedited} ({false / unedited:.2%})"
    )
    print(
        f"  time per diff: block diff {block_time / versions * 1e3:.1f} ms, "
        f"difflib line diff (anchor) {line_time / versions * 1e3:.1f} ms, "
        f"ratio {block_time / line_time:.1f}x"
    )


if __name__ == "__main__":
    main()
