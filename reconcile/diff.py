"""A diff between two texts of a document, at the level of articles, items and paragraphs.

How blocks are matched, cheapest first:
1. equal canonical keys in the same order (difflib over the block keys) are unchanged;
2. inside a region that differs, blocks whose keys concatenate to the same text
   were only cut differently (a table cell spread over lines): unchanged;
3. a block whose key appears, unmatched, on the other side elsewhere was moved;
4. remaining blocks of a region are paired by rapidfuzz similarity (changed);
   a pair across regions that is still very similar is a move with changes;
5. what is left was removed or added.
Hunks come in the new text's order, removed blocks after the block that
preceded them in the old text, so a reader walks the new document once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from reconcile.blocks import Block, split_blocks

ALGORITHM = "reconcile-blocks/1"
CHANGED_MIN_SIMILARITY = 0.5  # below this, two blocks of a region are a removal and an addition
MOVED_MIN_SIMILARITY = 0.85  # a removed and an added block this alike, far apart, are a move


@dataclass(frozen=True)
class Hunk:
    """One piece of a diff; positions are block indexes (None on the side where the block is absent)."""

    kind: str  # unchanged | changed | added | removed | moved
    locator: str
    old_position: int | None
    new_position: int | None
    old_text: str | None
    new_text: str | None
    similarity: float


@dataclass(frozen=True)
class Diff:
    hunks: tuple[Hunk, ...]
    similarity: float

    @property
    def changes(self) -> tuple[Hunk, ...]:
        """The hunks a reader must look at (everything but unchanged)."""
        return tuple(h for h in self.hunks if h.kind != "unchanged")


def _similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b) / 100.0


def _pair_region(old: list[Block], new: list[Block]) -> list[tuple[Block, Block, float]]:
    """Greedy best-first pairing of the blocks of one differing region."""
    scored = sorted(
        ((_similarity(o.key, n.key), o.index, n.index, o, n) for o in old for n in new),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for score, i, j, o, n in scored:
        if score < CHANGED_MIN_SIMILARITY:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((o, n, score))
    return pairs


def diff_blocks(old: list[Block], new: list[Block]) -> Diff:
    """Match old blocks to new ones (see the module docstring) and return the hunks in reading order."""
    by_new: dict[int, Hunk] = {}
    old_to_new: dict[int, int] = {}
    loose_old: list[Block] = []
    loose_new: list[Block] = []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for o, n in zip(old[i1:i2], new[j1:j2], strict=True):
                by_new[n.index] = Hunk("unchanged", n.locator, o.index, n.index, o.text, n.text, 1.0)
                old_to_new[o.index] = n.index
            continue
        region_old, region_new = old[i1:i2], new[j1:j2]
        if (
            region_old
            and region_new
            and "".join(b.key for b in region_old) == "".join(b.key for b in region_new)
        ):
            # Cut differently, same words: the first new block carries the region, the rest are absorbed.
            first = region_new[0]
            joined_old = "".join(b.text for b in region_old)
            joined_new = "".join(b.text for b in region_new)
            by_new[first.index] = Hunk(
                "unchanged", first.locator, region_old[0].index, first.index, joined_old, joined_new, 1.0
            )
            for o in region_old:
                old_to_new[o.index] = first.index
            for n in region_new[1:]:
                by_new[n.index] = None  # type: ignore[assignment]
            continue
        pairs = _pair_region(region_old, region_new)
        for o, n, score in pairs:
            by_new[n.index] = Hunk("changed", n.locator, o.index, n.index, o.text, n.text, score)
            old_to_new[o.index] = n.index
        paired_old = {o.index for o, _, _ in pairs}
        paired_new = {n.index for _, n, _ in pairs}
        loose_old += [o for o in region_old if o.index not in paired_old]
        loose_new += [n for n in region_new if n.index not in paired_new]

    # Moves: the same block (or nearly) gone from one place and present in another.
    still_new = {n.index: n for n in loose_new}
    removed: list[Block] = []
    for o in loose_old:
        best, best_score = None, 0.0
        for n in still_new.values():
            score = 1.0 if n.key == o.key else _similarity(o.key, n.key)
            if score > best_score:
                best, best_score = n, score
        if best is not None and best_score >= MOVED_MIN_SIMILARITY:
            by_new[best.index] = Hunk(
                "moved", best.locator, o.index, best.index, o.text, best.text, best_score
            )
            old_to_new[o.index] = best.index
            del still_new[best.index]
        else:
            removed.append(o)
    for n in still_new.values():
        by_new[n.index] = Hunk("added", n.locator, None, n.index, None, n.text, 0.0)

    ordered: list[tuple[tuple[int, int, int], Hunk]] = [
        ((j, 0, 0), hunk) for j, hunk in by_new.items() if hunk is not None
    ]
    for o in removed:
        anchor = max((old_to_new[i] for i in range(o.index) if i in old_to_new), default=-1)
        ordered.append(((anchor, 1, o.index), Hunk("removed", o.locator, o.index, None, o.text, None, 0.0)))
    ordered.sort(key=lambda item: item[0])
    old_key = "".join(b.key for b in old)
    new_key = "".join(b.key for b in new)
    return Diff(tuple(h for _, h in ordered), Indel.normalized_similarity(old_key, new_key))


def diff_texts(old_text: str, new_text: str) -> Diff:
    """The reader-level diff of two texts of a document."""
    return diff_blocks(split_blocks(old_text), split_blocks(new_text))


@dataclass(frozen=True)
class Span:
    """A piece of a changed block's inline diff: equal, delete (old only) or insert (new only)."""

    tag: str
    text: str


def inline_diff(old_text: str, new_text: str) -> tuple[list[Span], list[Span]]:
    """Character-level differences inside one changed block, as spans for the old and the new side.

    One-character equal islands between changes (a shared 的 or 和) are folded
    into the change around them: "6→14" reads better than "6→1, 4".
    """
    opcodes = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False).get_opcodes()
    merged: list[list] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if (
            tag == "equal"
            and i2 - i1 <= 1
            and merged
            and merged[-1][0] != "equal"
            and (i2 < len(old_text) or j2 < len(new_text))
        ):
            tag = "replace"
        if merged and merged[-1][0] != "equal" and tag != "equal":
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
        else:
            merged.append([tag, i1, i2, j1, j2])
    old_spans: list[Span] = []
    new_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in merged:
        if tag == "equal":
            old_spans.append(Span("equal", old_text[i1:i2]))
            new_spans.append(Span("equal", new_text[j1:j2]))
            continue
        if i2 > i1:
            old_spans.append(Span("delete", old_text[i1:i2]))
        if j2 > j1:
            new_spans.append(Span("insert", new_text[j1:j2]))
    return old_spans, new_spans
