"""A diff between two texts of a document, at the level of articles, items and paragraphs.

First both versions are cut at the union of their block boundaries: a block
of one version glued to its neighbour in the other (its heading removed, or a
moved block landing before a marker-less paragraph) is cut where the other
version shows it starts, found through a character alignment of the whole
texts or as a whole unmatched block at the head or tail of the glued one.
Positions in the hunks stay those of the blocks given.

Then blocks are matched, cheapest first:
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

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from reconcile.blocks import Block, blocks_of, split_blocks

ALGORITHM = "reconcile-blocks/1"
CHANGED_MIN_SIMILARITY = 0.5  # below this, two blocks of a region are a removal and an addition
MOVED_MIN_SIMILARITY = 0.85  # a removed and an added block this alike, far apart, are a move
# A boundary of one version is carried over to the other only where both sides of it are
# aligned text at least this long: a lone shared 的 inside a rewritten sentence proves nothing.
BOUNDARY_MIN_CONTEXT = 3
PEEL_MIN_CHARS = 6  # a block glued to the front or back of another is peeled off only if this long
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


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


def _cut(block: Block, offsets: list[int]) -> list[tuple[str, str]] | None:
    """The block's (text, key) pieces when its key is cut at `offsets`; None if they cannot be mapped."""
    starts: list[int] = []  # text position of every key character
    for position, char in enumerate(block.text):
        starts += [position] * len(_NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", char)))
    if len(starts) != len(block.key):
        return None  # inline page furniture or a multi-character fold: leave the block whole
    bounds = [0, *offsets, len(block.key)]
    text_bounds = [0, *(starts[k] for k in offsets), len(block.text)]
    return [
        (block.text[text_bounds[i] : text_bounds[i + 1]], block.key[bounds[i] : bounds[i + 1]])
        for i in range(len(offsets) + 1)
    ]


def _recut(blocks: list[Block], cuts: set[int]) -> tuple[list[Block], list[int]]:
    """`blocks` cut at the given offsets of their joined keys, and each piece's original block index."""
    if not cuts:
        return blocks, [b.index for b in blocks]
    pieces: list[tuple[str, str]] = []
    origin: list[int] = []
    start = 0
    for block in blocks:
        end = start + len(block.key)
        inside = sorted(c - start for c in cuts if start < c < end)
        cut = _cut(block, inside) if inside else None
        for piece in cut or [(block.text, block.key)]:
            pieces.append(piece)
            origin.append(block.index)
        start = end
    return blocks_of(pieces), origin


def _boundaries(blocks: list[Block]) -> list[int]:
    """Offsets in the joined keys where one block ends and the next begins."""
    offsets, total = [], 0
    for block in blocks[:-1]:
        total += len(block.key)
        offsets.append(total)
    return offsets


def _projected_cuts(source: list[Block], target: list[Block], opcodes: list) -> set[int]:
    """Boundaries of `source` that land, through the character alignment, inside a block of `target`.

    Removing a heading (or a marker-only line such as （一）) can glue the next
    marker-less paragraph to the previous one in one version only; the other
    version still shows where that paragraph starts, so the glued block is cut there.
    """
    equal = [(op[1], op[2], op[3]) for op in opcodes if op[0] == "equal"]  # (src start, src end, dest start)
    starts = [run[0] for run in equal]
    target_bounds = set(_boundaries(target))
    source_bounds = set(_boundaries(source)) | {0}
    cuts = set()
    for p in _boundaries(source):
        k = bisect.bisect_right(starts, p) - 1  # the last equal run starting at or before p
        if k >= 0 and equal[k][0] < p < equal[k][1]:
            left, right, point = p - equal[k][0], equal[k][1] - p, equal[k][2] + p - equal[k][0]
        else:
            # p lies between two runs; it maps to a point only if nothing was inserted on the other side
            k_before = k - 1 if k >= 0 and p == equal[k][0] else k
            if k_before < 0 or k_before + 1 >= len(equal):
                continue
            before, after = equal[k_before], equal[k_before + 1]
            point = before[2] + before[1] - before[0]
            # ... and only if what lies between is whole blocks (a removed heading), not a slid alignment
            if point != after[2] or before[1] not in source_bounds or after[0] not in source_bounds:
                continue
            left, right = before[1] - before[0], after[1] - after[0]
        near = range(point - BOUNDARY_MIN_CONTEXT + 1, point + BOUNDARY_MIN_CONTEXT)
        if min(left, right) >= BOUNDARY_MIN_CONTEXT and not target_bounds.intersection(near):
            cuts.add(point)
    return cuts


def _refine(old: list[Block], new: list[Block]) -> tuple[list[Block], list[int], list[Block], list[int]]:
    """Both versions cut at the union of their boundaries, so that a block means the same on both sides."""
    old_key = "".join(b.key for b in old)
    new_key = "".join(b.key for b in new)
    opcodes = [
        (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
        for op in Indel.opcodes(old_key, new_key)
    ]
    inverse = [(tag, d1, d2, s1, s2) for tag, s1, s2, d1, d2 in opcodes]
    new_cuts = _projected_cuts(old, new, opcodes)
    old_cuts = _projected_cuts(new, old, inverse)
    old_cuts |= _glued(old, new)
    new_cuts |= _glued(new, old)
    old_refined, old_origin = _recut(old, old_cuts)
    new_refined, new_origin = _recut(new, new_cuts)
    return old_refined, old_origin, new_refined, new_origin


def _glued(blocks: list[Block], others: list[Block]) -> set[int]:
    """Offsets (in the joined keys of `blocks`) where a block of `others` ends or starts inside a block.

    Only blocks whose key is absent from `others` are looked at, and only an
    other-version block that is itself absent from `blocks` is peeled off: a
    moved block glued to its new neighbour.
    """
    mine = {b.key for b in blocks}
    theirs = {b.key for b in others}
    known = {k for k in theirs - mine if len(k) >= PEEL_MIN_CHARS}
    lengths = sorted({len(k) for k in known})
    cuts = set()
    start = 0
    for block in blocks:
        key = block.key
        if key not in theirs:
            for length in lengths:
                if length >= len(key):
                    break
                if key[:length] in known and key[length:] in theirs:
                    cuts.add(start + length)
                elif key[-length:] in known and key[:-length] in theirs:
                    cuts.add(start + len(key) - length)
        start += len(block.key)
    return cuts


def diff_blocks(old: list[Block], new: list[Block]) -> Diff:
    """Match old blocks to new ones (see the module docstring) and return the hunks in reading order.

    Positions in the hunks are indexes of the blocks given, even where a block
    was cut into pieces to match the other version's boundaries.
    """
    old_refined, old_origin, new_refined, new_origin = _refine(old, new)
    diff = _match(old_refined, new_refined)
    hunks = tuple(
        Hunk(
            h.kind,
            h.locator,
            None if h.old_position is None else old_origin[h.old_position],
            None if h.new_position is None else new_origin[h.new_position],
            h.old_text,
            h.new_text,
            h.similarity,
        )
        for h in diff.hunks
    )
    return Diff(hunks, diff.similarity)


def _match(old: list[Block], new: list[Block]) -> Diff:
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
