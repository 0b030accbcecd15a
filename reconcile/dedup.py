"""Exact and near duplicates: is this copy the same text as one already known?

Two steps, so that cost grows with the number of documents, never with pairs:
1. candidates: an exact canonical-content hash, else MinHash signatures over
   character shingles of the canonical text, bucketed by datasketch's LSH
   (only documents sharing a band are ever compared);
2. verdict: the two canonical texts are aligned (rapidfuzz Indel) and every
   difference must be explained by noise: the title printed again above the
   body, or text missing from the copy that has a page without a text layer
   (a scan; a page read by OCR counts as one, its text left out of the comparison, since
   OCR misreads). Anything else, one changed digit included, is a real difference.

Shingles are hashed with numpy over the text's code points, a vectorized
MinHash the datasketch objects then carry (`MinHash(hashvalues=...)`): the
pure-Python per-shingle update would make hashing, not LSH, the bottleneck.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Indel

from reconcile.canon import canonical, canonical_body

SHINGLE = 5
NUM_PERM = 64
LSH_THRESHOLD = 0.5
MAX_VERIFIED_CANDIDATES = 8
# Text missing from a scanned page is a page's worth, not a sentence: a copy with
# a gap explains at most this many separate missing runs, each at least this long.
GAP_MIN_CHARS = 60
GAP_MAX_RUNS = 2
_MAX_HASH = np.uint64((1 << 32) - 1)
_RNG = np.random.RandomState(1)
# Multiply-shift hashing, (a·x + b) mod 2^64 >> 32: no modulo, so numpy stays fast.
_PERM_A = _RNG.randint(1, (1 << 63) - 1, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_PERM_B = _RNG.randint(0, (1 << 63) - 1, size=NUM_PERM, dtype=np.uint64)
_SHIFT = np.uint64(32)
# datasketch objects carry permutation parameters for their own update(); ours are never updated,
# so one set, drawn once, is shared by all of them.
_DATASKETCH_PERMUTATIONS = MinHash(num_perm=NUM_PERM).permutations
_BASE = np.uint64(1_000_003)
GAP_REASON = "lacks the text of a page without text layer"


@dataclass(frozen=True)
class Copy:
    """One copy of a document's text, with what is known about how it was read."""

    text: str
    title: str | None = None
    has_gap: bool = False  # a page of its span had no text layer (or was read by OCR): text may be missing
    ocr_text: tuple[str, ...] = ()  # text of its pages read by OCR: compared as if missing

    @cached_property
    def body(self) -> str:
        body = canonical_body(self.text, self.title)
        for page in self.ocr_text:
            body = _without_ocr(body, page)
        return body


_OCR_LINE_MIN = 6  # canonical characters: a shorter OCR line could match text of substance by chance


def _without_ocr(body: str, page: str) -> str:
    """`body` less the OCR'd page's text: the whole page where it is one run, else line by line."""
    whole = canonical(page)
    if whole and whole in body:
        return body.replace(whole, "", 1)
    for line in page.splitlines():
        piece = canonical(line)
        if len(piece) >= _OCR_LINE_MIN and piece in body:
            body = body.replace(piece, "", 1)
    return body


@dataclass(frozen=True)
class Verdict:
    """Whether two copies are the same version, and why (for the record and for people)."""

    same: bool
    reason: str
    similarity: float
    differences: tuple[str, ...] = field(default=())


def content_key(text: str, title: str | None = None) -> str:
    """sha256 of the canonical body: equal keys are copies that differ by noise alone."""
    return hashlib.sha256(canonical_body(text, title).encode("utf-8")).hexdigest()


def shingle_hashes(canonical_text: str, k: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of every k-character shingle, computed without a Python loop per shingle."""
    codes = np.frombuffer(canonical_text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return np.zeros(1, dtype=np.uint64)
    width = min(k, codes.size)
    rolled = np.zeros(codes.size - width + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            rolled = rolled * _BASE + codes[offset : offset + rolled.size]
        # splitmix64 finalizer: spreads the polynomial hash over all bits
        rolled ^= rolled >> np.uint64(30)
        rolled *= np.uint64(0xBF58476D1CE4E5B9)
        rolled ^= rolled >> np.uint64(27)
        rolled *= np.uint64(0x94D049BB133111EB)
        rolled ^= rolled >> np.uint64(31)
    return np.unique(rolled & _MAX_HASH)


def signature(canonical_text: str) -> MinHash:
    """The MinHash of a canonical text (datasketch's hash family, vectorized)."""
    hashes = shingle_hashes(canonical_text)
    with np.errstate(over="ignore"):
        permuted = (_PERM_A[:, None] * hashes[None, :] + _PERM_B[:, None]) >> _SHIFT
    values = permuted.min(axis=1)
    permutations = _DATASKETCH_PERMUTATIONS  # given, so datasketch does not draw new ones for every object
    try:  # datasketch >= 2 wants the hash scheme named; ours yields 32-bit values, as affine32 does
        return MinHash(num_perm=NUM_PERM, hashvalues=values, permutations=permutations, scheme="affine32")
    except TypeError:  # datasketch 1.x has no schemes
        return MinHash(num_perm=NUM_PERM, hashvalues=values, permutations=permutations)


def _runs(ops: list, tag: str, side: str) -> list[tuple[int, int]]:
    """Merged [start, end) runs of one kind of edit, on one side ('src' or 'dest')."""
    runs: list[tuple[int, int]] = []
    for op in ops:
        if op.tag != tag:
            continue
        start, end = (op.src_start, op.src_end) if side == "src" else (op.dest_start, op.dest_end)
        if runs and start - runs[-1][1] <= 3:  # fragments of one missing run, split by a stray match
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _explained_by_gap(runs: list[tuple[int, int]], gap: bool) -> bool:
    return gap and 0 < len(runs) <= GAP_MAX_RUNS and all(end - start >= GAP_MIN_CHARS for start, end in runs)


def compare_copies(old: Copy, new: Copy) -> Verdict:
    """Same version, or a real revision? See the module docstring for the rule."""
    a, b = old.body, new.body
    if a == b:
        return Verdict(True, "identical once extraction noise is removed", 1.0)
    similarity = Indel.normalized_similarity(a, b)
    ops = [op for op in Indel.opcodes(a, b) if op.tag != "equal"]
    titles = {t for t in (Copy(old.title or "").body, Copy(new.title or "").body) if t}
    ops = [
        op
        for op in ops
        if not (
            (op.tag == "insert" and b[op.dest_start : op.dest_end] in titles)
            or (op.tag == "delete" and a[op.src_start : op.src_end] in titles)
        )
    ]
    if not ops:
        return Verdict(True, "differs only by the title printed again above the body", similarity)
    deleted, inserted = _runs(ops, "delete", "src"), _runs(ops, "insert", "dest")
    if not deleted and _explained_by_gap(inserted, old.has_gap):
        return Verdict(True, f"older copy {GAP_REASON}", similarity)
    if not inserted and _explained_by_gap(deleted, new.has_gap):
        return Verdict(True, f"newer copy {GAP_REASON}", similarity)
    differences = tuple(f"-{a[s:e][:40]}" for s, e in deleted[:5]) + tuple(
        f"+{b[s:e][:40]}" for s, e in inserted[:5]
    )
    return Verdict(False, "the texts differ in content", similarity, differences)


@dataclass(frozen=True)
class Duplicate:
    """`key` is a copy of `duplicate_of` (seen earlier), for the reason given."""

    key: str
    duplicate_of: str
    similarity: float
    method: str  # exact | near
    reason: str


class DuplicateIndex:
    """A streaming index of distinct texts: each new text is either a copy of one already in it, or added.

    Only representatives are indexed, so memory and LSH buckets grow with the
    number of distinct documents; each lookup verifies at most a few candidates.
    """

    def __init__(self, threshold: float = LSH_THRESHOLD) -> None:
        self._threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._exact: dict[str, str] = {}
        self._copies: dict[str, Copy] = {}
        self._signatures: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._copies)

    def add(self, key: str, copy: Copy) -> Duplicate | None:
        """Index `copy` under `key` unless it duplicates an indexed text; then return that match."""
        body = copy.body
        exact = hashlib.sha256(body.encode("utf-8")).hexdigest()
        if exact in self._exact:
            return Duplicate(
                key, self._exact[exact], 1.0, "exact", "identical once extraction noise is removed"
            )
        sig = signature(body)
        # LSH buckets also hold documents that merely share a few sentences; only candidates whose
        # estimated similarity reaches the threshold are worth aligning, most similar first.
        scored = [(sig.jaccard(self._signatures[other]), other) for other in self._lsh.query(sig)]
        candidates = sorted((s, other) for s, other in scored if s >= self._threshold)[::-1]
        for _, other in candidates[:MAX_VERIFIED_CANDIDATES]:
            verdict = compare_copies(self._copies[other], copy)
            if verdict.same:
                return Duplicate(key, other, verdict.similarity, "near", verdict.reason)
        self._exact[exact] = key
        self._copies[key] = copy
        self._signatures[key] = sig
        self._lsh.insert(key, sig)
        return None


def find_duplicates(items: Iterable[tuple[str, Copy]]) -> list[Duplicate]:
    """Every item that repeats an earlier one (in iteration order), with the one it repeats."""
    index = DuplicateIndex()
    found = []
    for key, copy in items:
        match = index.add(key, copy)
        if match is not None:
            found.append(match)
    return found


def is_near_duplicate(old: Copy, new: Copy) -> bool:
    """The pairwise form of the index's decision (LSH-level similarity, then the verdict)."""
    a, b = old.body, new.body
    if a == b:
        return True
    if signature(a).jaccard(signature(b)) < LSH_THRESHOLD / 2:
        return False
    return compare_copies(old, new).same
