"""Source lines of a corpus text → the paragraphs and table rows a typesetter or a CMS would lay out.

The seed texts are PDF text dumps, so their line breaks mean different things: in 004 every line is
a whole paragraph, in 001 every line is a fragment of a ~21-character gazette column, and a
tab-separated line is a table row. The PDF and HTML renderers share this one reading of the text so
that both publish the same paragraphs, and every paragraph remembers its source line numbers so the
renderers can say on which page a catalogue document starts and ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A narrow-column dump: at least 90% of its lines are no longer than this many characters.
NARROW_COLUMN_CHARS = 30
# Characters that end a sentence or clause: a full column line ending with one may still end its
# paragraph, but a line ending with anything else certainly continues on the next line.
_CLOSING = "。；：！？:;!?"


@dataclass(frozen=True)
class Paragraph:
    """One paragraph (or table row) with the 1-based source lines it came from.

    `cells` is set for table rows (tab-separated source lines) and holds the row's cells,
    empty cells included so that columns stay aligned.
    """

    text: str
    first_line: int
    last_line: int
    cells: tuple[str, ...] | None = None

    @property
    def is_table_row(self) -> bool:
        return self.cells is not None


def join_width(lines: list[str]) -> int | None:
    """The column width (in characters) of a narrow-column dump, or None when lines are paragraphs.

    A dump whose lines are mostly short was broken by a narrow column layout; its full lines have
    to be joined back into paragraphs. The 90th percentile of line lengths is that column width.
    """
    lengths = sorted(len(line.strip()) for line in lines if line.strip() and "\t" not in line)
    if not lengths:
        return None
    p90 = lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]
    return p90 if p90 <= NARROW_COLUMN_CHARS else None


def paragraphs(lines: list[str], first_line: int, width: int | None = None) -> list[Paragraph]:
    """Group `lines` (whose first element is source line `first_line`) into paragraphs.

    With `width` (from `join_width`), a line that fills the column (within two characters of it)
    and does not end a sentence is continued by the next line, the way a reader of the printed
    column would read it; otherwise every non-blank line is a paragraph of its own.
    """
    result: list[Paragraph] = []
    pending: list[str] = []
    pending_first = 0
    pending_last = 0

    def flush() -> None:
        nonlocal pending
        if pending:
            result.append(Paragraph(_join(pending), pending_first, pending_last))
            pending = []

    for offset, raw in enumerate(lines):
        number = first_line + offset
        if "\t" in raw:
            flush()
            cells = tuple(cell.strip() for cell in raw.rstrip("\n").split("\t"))
            result.append(Paragraph(" ".join(c for c in cells if c), number, number, cells))
            continue
        line = raw.strip()
        if not line:
            continue
        if not pending:
            pending_first = number
        pending.append(line)
        pending_last = number
        if not _continues(line, width):
            flush()
    flush()
    return result


def _continues(line: str, width: int | None) -> bool:
    if width is None:
        return False
    return len(line) >= width - 2 and line[-1] not in _CLOSING


_ASCII_END = re.compile(r"[A-Za-z0-9]$")
_ASCII_START = re.compile(r"^[A-Za-z0-9]")


def _join(parts: list[str]) -> str:
    """Join column fragments as CJK text joins: no space, except between two Latin words."""
    text = parts[0]
    for part in parts[1:]:
        if _ASCII_END.search(text) and _ASCII_START.search(part) and not text[-1].isdigit():
            text += " " + part
        else:
            text += part
    return text
