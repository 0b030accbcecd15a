"""Reading order from glyph positions: rows, spans, the column gutter, bands.

A PDF's text order is whatever its producer wrote (column by column, line by
line across both columns, or glyph by glyph), so reading order is rebuilt here
from geometry alone. The page model is the one gazettes use: full-width rows
(titles, tables, single-column text) read in place, and between them bands of
two-column text, read left column fully, then right column.

How the gutter is found: every row of the page is cut into spans where glyphs
are far apart; projecting all spans onto the x axis gives a coverage profile in
which the gutter of a two-column page is a deep valley (only full-width rows
cross it). A page counts as two-column only when several rows have text flush
against both sides of that valley, which a right-aligned signature, a short last
line or a list of names in a single-column page does not produce.

Coordinates are PDF user space: y grows upwards, so "top" is the larger y.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A glyph as the PDF reader hands it over: left, right, baseline, size (box height), character.
Glyph = tuple[float, float, float, float, str]

ROW_TOLERANCE = 0.35  # baselines closer than this many ems belong to one row
SPAN_GAP = 0.5  # a horizontal gap wider than this many ems starts a new span
LATIN_SPACE_GAP = 0.15  # between Latin glyphs, a gap wider than this is a word space
CJK_SPACE_GAP = 1.5  # next to CJK, only a gap this wide (table cells, name lists) is a space
MIN_GUTTER = 0.6  # ems: narrower valleys are word gaps, not a gutter
FLUSH = 3.0  # ems: a column line ends/starts within this distance of the gutter
MIN_FLUSH_ROWS = 3  # rows with text flush on both sides of the gutter that make a page two-column
EDGE_SLACK = 0.5  # ems: how far a column edge may miss the mirror image of the other column's edge

_CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3FFFF),
)
Gutter = tuple[float, float]  # x of the left column's end and of the right column's start

_CJK_PUNCT_EXTRA = frozenset("“”‘’—…·")


def is_cjk(ch: str) -> bool:
    """True for characters that Chinese typesetting sets without spaces around them."""
    if ch in _CJK_PUNCT_EXTRA:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


@dataclass(slots=True)
class Span:
    """Glyphs of one row that sit close together: a line of one column, or a table cell."""

    x0: float
    x1: float
    size: float
    text: str
    first: str  # first and last character, for deciding on a space when spans are joined
    last: str
    xs: list[float]  # left edge of each character of `text`, to cut a span at table column edges


@dataclass(slots=True)
class Row:
    """Spans sharing a baseline, left to right."""

    baseline: float
    top: float
    size: float
    spans: list[Span]

    @property
    def x0(self) -> float:
        return self.spans[0].x0

    @property
    def x1(self) -> float:
        return self.spans[-1].x1

    @property
    def text(self) -> str:
        return join_spans(self.spans)


def _is_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _needs_space(left: str, right: str, gap: float, size: float) -> bool:
    """A space is text only where it separates words: never between CJK and digits or CJK."""
    left_cjk, right_cjk = is_cjk(left), is_cjk(right)
    if (left_cjk and not _is_letter(right)) or (right_cjk and not _is_letter(left)):
        return gap >= CJK_SPACE_GAP * size
    return gap > LATIN_SPACE_GAP * size


def join_spans(spans: Sequence[Span]) -> str:
    """Concatenate spans of one line: a space only where Latin words or a wide gap call for it."""
    if not spans:
        return ""
    parts = [spans[0].text]
    for prev, cur in itertools.pairwise(spans):
        size = max(prev.size, cur.size)
        if _needs_space(prev.last, cur.first, cur.x0 - prev.x1, size):
            parts.append(" ")
        parts.append(cur.text)
    return "".join(parts)


def _spans_of_row(glyphs: list[Glyph]) -> list[Span]:
    glyphs.sort(key=lambda g: g[0])
    spans: list[Span] = []
    chars: list[str] = []
    x0, x1, size, prev = glyphs[0][0], glyphs[0][1], glyphs[0][3], glyphs[0]
    chars.append(prev[4])
    xs = [prev[0]]
    for g in glyphs[1:]:
        gx0, gx1, _, gsize, ch = g
        em = gsize if gsize > size else size
        # The same glyph drawn twice at (almost) the same place is fake bold, not text.
        if ch == prev[4] and abs(gx0 - prev[0]) < 0.3 * em:
            continue
        gap = gx0 - x1
        if gap > SPAN_GAP * em:
            spans.append(Span(x0, x1, size, "".join(chars), chars[0], chars[-1], xs))
            chars = [ch]
            xs = [gx0]
            x0, x1, size = gx0, gx1, gsize
        else:
            if gap > LATIN_SPACE_GAP * em and _needs_space(prev[4], ch, gap, em):
                chars.append(" ")
                xs.append(x1)
            chars.append(ch)
            xs.append(gx0)
            if gx1 > x1:
                x1 = gx1
            if gsize > size:
                size = gsize
        prev = g
    spans.append(Span(x0, x1, size, "".join(chars), chars[0], chars[-1], xs))
    return spans


def build_rows(glyphs: Iterable[Glyph]) -> list[Row]:
    """Cluster glyphs into rows by baseline (tolerating jitter), top row first."""
    ordered = sorted(glyphs, key=lambda g: -g[2])
    rows: list[Row] = []
    bucket: list[Glyph] = []
    anchor = 0.0
    anchor_size = 0.0
    for g in ordered:
        if bucket and anchor - g[2] <= ROW_TOLERANCE * (anchor_size if anchor_size > g[3] else g[3]):
            bucket.append(g)
            continue
        if bucket:
            rows.append(_make_row(bucket))
        bucket = [g]
        anchor, anchor_size = g[2], g[3]
    if bucket:
        rows.append(_make_row(bucket))
    return rows


def _make_row(bucket: list[Glyph]) -> Row:
    size = max(g[3] for g in bucket)
    baseline = sum(g[2] for g in bucket) / len(bucket)
    return Row(baseline=baseline, top=baseline + size, size=size, spans=_spans_of_row(bucket))


def find_gutter(rows: Sequence[Row]) -> tuple[float, float] | None:
    """The x interval of a two-column page's gutter, or None for a single-column page."""
    if len(rows) < MIN_FLUSH_ROWS:
        return None
    left = min(r.x0 for r in rows)
    right = max(r.x1 for r in rows)
    width = int(right - left) + 2
    if width < 20:
        return None
    delta = [0] * (width + 1)
    for row in rows:
        for span in row.spans:
            delta[int(span.x0 - left)] += 1
            delta[int(span.x1 - left) + 1] -= 1
    coverage, running = [], 0
    for d in delta[:width]:
        running += d
        coverage.append(running)
    lo, hi = int(width * 0.2), int(width * 0.8)
    middle = coverage[lo:hi]
    if not middle:
        return None
    floor = min(middle)
    # The widest run of bins at the floor is the gutter candidate.
    best, start = (0, 0), None
    for i in range(lo, hi + 1):
        at_floor = i < hi and coverage[i] == floor
        if at_floor and start is None:
            start = i
        elif not at_floor and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    # Let the valley extend past the middle region's edges so that its true width is measured.
    g_lo, g_hi = best
    while g_lo > 0 and coverage[g_lo - 1] == floor:
        g_lo -= 1
    while g_hi < width and coverage[g_hi] == floor:
        g_hi += 1
    v0, v1 = left + g_lo, left + g_hi
    sizes = sorted(r.size for r in rows)
    em = sizes[len(sizes) // 2]
    if v1 - v0 < MIN_GUTTER * em:
        return None
    # Rows with text flush against both sides of the valley decide whether the page has two
    # columns; each column's edge is then measured on every row flush on that side alone. A
    # right column of indented one-line paragraphs (a flattened table set as column text) has
    # its flush-both rows all indented, and only its continuation lines, which rarely sit beside
    # a full left line, show where the column really starts.
    both = 0
    left_ends, right_starts = [], []
    v_mid2 = v0 + v1
    for row in rows:
        if _crosses(row, v0, v1):
            continue
        # A row with no span on one side is never flush on that side (an infinite distance).
        left_end = max((s.x1 for s in row.spans if s.x0 + s.x1 < v_mid2), default=-math.inf)
        right_start = min((s.x0 for s in row.spans if s.x0 + s.x1 >= v_mid2), default=math.inf)
        left_flush = v0 - left_end <= FLUSH * em
        right_flush = right_start - v1 <= FLUSH * em
        if left_flush:
            left_ends.append(left_end)
        if right_flush:
            right_starts.append(right_start)
        both += left_flush and right_flush
    if both < MIN_FLUSH_ROWS:
        return None
    g0, g1 = _column_edges(left_ends, right_starts, left + right, em)
    return (g0, g1) if g1 - g0 >= MIN_GUTTER * em else (v0, v1)


def _column_edges(left_ends: list[float], right_starts: list[float], sides: float, em: float) -> Gutter:
    """The gutter's edges: where the left column's text ends and where the right column's starts.

    An edge is first taken where at least two rows meet it, so that a single table row whose
    cell reaches into the gutter (and narrows the valley) stays outside: it then crosses the
    gutter and is read in place as a full-width row. But a lone row can be right: the longest
    line of a ragged column of table cells, or the one continuation line in a column of
    indented one-line paragraphs. Gazette columns are of equal width, so each column's edge
    mirrors the other's about the middle of the text block (`sides` is the sum of its left
    and right x): a lone row counts when it does not pass the mirror of the other edge.
    """
    shared0 = _shared_edge(left_ends, largest=True)
    shared1 = _shared_edge(right_starts, largest=False)
    slack = EDGE_SLACK * em
    g0 = max([shared0, *(x for x in left_ends if x <= sides - shared1 + slack)])
    g1 = min([shared1, *(x for x in right_starts if x >= sides - shared0 - slack)])
    return g0, g1


def _shared_edge(edges: list[float], *, largest: bool) -> float:
    """The largest (or smallest) x that two rows reach within COLUMN_TOLERANCE, else the median."""
    ordered = sorted(edges, reverse=largest)
    for a, b in itertools.pairwise(ordered):
        if abs(a - b) <= COLUMN_TOLERANCE:
            return a
    return ordered[len(ordered) // 2]


_HANGING = frozenset("，。、；：！？,.;:!?）)》〉」』”’】〕]")
_OPENING = frozenset("（(《〈「『“‘【〔[")


def _crosses(row: Row, g0: float, g1: float) -> bool:
    """Some span reaches into the gutter, except a closing or opening punctuation mark hanging in."""
    for s in row.spans:
        if s.x0 >= g1 - 0.5 or s.x1 <= g0 + 0.5:
            continue
        hangs_left = s.last in _HANGING and s.x1 - s.size <= g0 + 0.5 and s.x0 < g0
        hangs_right = s.first in _OPENING and s.x0 + s.size >= g1 - 0.5 and s.x1 > g1
        if not (hangs_left or hangs_right):
            return True
    return False


def _column_row(left: list[Span], right: list[Span], g0: float, g1: float, em: float) -> bool:
    """Text of two columns reaches the gutter from at least one side; table cells usually do not."""
    return g0 - left[-1].x1 <= FLUSH * em or right[0].x0 - g1 <= FLUSH * em


MIN_TABLE_COLUMNS = 3  # a header row with at least this many cells opens a table
COLUMN_TOLERANCE = 1.5  # points: cells of one column start at the same x
ROW_BREAK = 1.2  # a vertical gap this many times the table's line pitch starts a new table row


def _starts_on(span_x0: float, starts: list[float]) -> bool:
    return any(abs(span_x0 - x) <= COLUMN_TOLERANCE for x in starts)


def _cluster(values: list[float]) -> list[float]:
    values = sorted(values)
    clusters: list[list[float]] = []
    for v in values:
        if clusters and v - clusters[-1][-1] <= COLUMN_TOLERANCE:
            clusters[-1].append(v)
        else:
            clusters.append([v])
    return [c[0] for c in clusters if len(c) >= 2]


def table_columns(rows: Sequence[Row]) -> list[float]:
    """Cell starts shared by at least two rows of three or more cells: a table's columns."""
    return _cluster([sp.x0 for row in rows if len(row.spans) >= MIN_TABLE_COLUMNS for sp in row.spans])


def find_tables(
    rows: Sequence[Row], prior: list[float] | None = None
) -> tuple[list[tuple[int, int]], list[float]]:
    """Ruled or not, a table shows as rows whose cells all start on a few shared x positions.

    The columns are the cell starts that several rows of three or more cells share (or,
    on a page that continues a table without repeating its header, the columns of the
    table on an earlier page). A table is a run of at least two rows whose spans all start
    on a column, one of them with three or more cells. Works from glyphs only, so a PDF
    redrawn without its rules reads the same. Returns (first row, end row) pairs and the
    columns.
    """
    starts = table_columns(rows)
    if len(starts) < MIN_TABLE_COLUMNS:
        starts = list(prior or [])
    if len(starts) < MIN_TABLE_COLUMNS:
        return [], []
    tables = []
    i = 0
    while i < len(rows):
        j = i
        wide = False
        while j < len(rows) and all(_starts_on(sp.x0, starts) for sp in rows[j].spans):
            wide = wide or len(rows[j].spans) >= MIN_TABLE_COLUMNS
            j += 1
        if j - i >= 2 and (wide or prior):
            tables.append((i, j))
        i = max(j, i + 1)
    return tables, starts


def read_table(rows: Sequence[Row], starts: list[float]) -> list[str]:
    """One line per table row, cells in column order separated by tabs, each cell's lines joined."""
    pitches = sorted(a.baseline - b.baseline for a, b in itertools.pairwise(rows))
    pitch = pitches[0] if pitches else 0.0
    groups: list[list[Row]] = []
    for k, row in enumerate(rows):
        if k == 0 or rows[k - 1].baseline - row.baseline > ROW_BREAK * pitch:
            groups.append([])
        groups[-1].append(row)
    bounds = [x - COLUMN_TOLERANCE for x in starts[1:]]
    lines = []
    for group in groups:
        cells: list[list[str]] = [[] for _ in starts]
        for row in group:
            for span in row.spans:
                column = sum(1 for b in bounds if span.x0 >= b)
                piece: list[str] = []
                for ch, x in zip(span.text, span.xs, strict=False):
                    c = sum(1 for b in bounds if x >= b)
                    if c != column:
                        cells[column].append("".join(piece).strip())
                        piece, column = [], c
                    piece.append(ch)
                cells[column].append("".join(piece).strip())
        lines.append("\t".join(_join_cell(parts) for parts in cells).rstrip("\t"))
    return lines


def _join_cell(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and part and not (is_cjk(out[-1]) or is_cjk(part[0])):
            out += " "
        out += part
    return out


@dataclass(frozen=True, slots=True)
class Context:
    """What earlier pages of the same file showed: their column gutter and table columns."""

    gutter: Gutter | None = None
    table_columns: tuple[float, ...] = ()


def order_rows(rows: Sequence[Row], prior: Context | None = None) -> tuple[list[str], Context]:
    """Reading order with tables read cell by cell and the rest column by column.

    `prior` carries what earlier pages of the same file showed: a page with too few
    two-column rows to show its own gutter (the end of a document above a table) still
    reads column by column when its rows fit the gutter the pages before had, and a page
    that continues a table without repeating its header row still reads it as a table.
    Returns the lines and the context for the next page.
    """
    prior = prior or Context()
    tables, columns = find_tables(rows, list(prior.table_columns))
    in_table = {k for first, end in tables for k in range(first, end)}
    text_rows = [row for k, row in enumerate(rows) if k not in in_table]
    gutter = find_gutter(text_rows)
    if gutter is None and prior.gutter is not None and _fits(text_rows, prior.gutter):
        gutter = prior.gutter
    lines: list[str] = []
    done = 0
    for first, end in tables:
        lines.extend(order_columns(rows[done:first], gutter))
        lines.extend(read_table(rows[first:end], columns))
        done = end
    lines.extend(order_columns(rows[done:], gutter))
    # A table's columns carry over only while the page ends inside the table.
    carried = tuple(columns) if tables and tables[-1][1] == len(rows) else ()
    return lines, Context(gutter=gutter or prior.gutter, table_columns=carried)


def _fits(rows: Sequence[Row], gutter: Gutter) -> bool:
    """Rows meet a known gutter at its very edges: some column text on each side of it."""
    g0, g1 = gutter
    left = right = 0
    for row in rows:
        if _crosses(row, g0, g1):
            continue
        em = row.size
        if any(abs(s.x1 - g0) <= em and s.x0 + s.x1 < g0 + g1 for s in row.spans):
            left += 1
        if any(abs(s.x0 - g1) <= em for s in row.spans):
            right += 1
    return left >= 1 and right >= 1 and left + right >= 2


def order_columns(rows: Sequence[Row], gutter: Gutter | None) -> list[str]:
    """Lines of text in reading order: full-width rows in place, two-column bands column by column.

    A band (rows between two full-width rows) whose two-sided rows mostly do not reach the gutter
    is a table whose cell gap happens to lie over the gutter: it is read row by row instead.
    """
    if gutter is None:
        return [row.text for row in rows]
    g0, g1 = gutter
    mid = (g0 + g1) / 2
    lines: list[str] = []
    band: list[tuple[Row, list[Span], list[Span]]] = []

    def flush_band() -> None:
        two_sided = [(r, lt, rt) for r, lt, rt in band if lt and rt]
        flush = sum(1 for r, lt, rt in two_sided if _column_row(lt, rt, g0, g1, r.size))
        if len(two_sided) >= 2 and 2 * flush < len(two_sided):
            lines.extend(r.text for r, _, _ in band)
        else:
            lines.extend(join_spans(lt) for _, lt, _ in band if lt)
            lines.extend(join_spans(rt) for _, _, rt in band if rt)
        band.clear()

    for row in rows:
        if _crosses(row, g0, g1):
            flush_band()
            lines.append(row.text)
            continue
        left_spans = [s for s in row.spans if s.x0 + s.x1 < 2 * mid]
        right_spans = [s for s in row.spans if s.x0 + s.x1 >= 2 * mid]
        band.append((row, left_spans, right_spans))
    flush_band()
    return lines
