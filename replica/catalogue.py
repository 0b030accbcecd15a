"""The sample corpus catalogue: which text becomes which publication, and which documents it holds.

The catalogue (replica/corpus/catalogue.yaml, described in docs/catalogue-schema.md) is the single
source of truth shared by the renderer (text → PDF/HTML), the replica site (what appears in which
state) and the extraction benchmarks (the hand-made ground truth). Keeping it as data and loading it
through one typed reader means those three can never disagree about a line range or a date.

Line numbers are 1-based and inclusive, counted the way editors and `sed -n` count them: the text is
split on "\\n" only (a final newline does not start an extra line), so a range read in an editor is the
range the code sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.errors import GazetteError

CORPUS_DIR: Path = Path(__file__).resolve().parent / "corpus"
CATALOGUE_PATH: Path = CORPUS_DIR / "catalogue.yaml"

PUBLICATION_KINDS = frozenset({"gazette_issue", "compilation", "article"})
LAYOUTS = frozenset({"two_column", "single_column", "html_only"})
# What a constructed state-1 document is for (issue 2, item 4): the evolve step must add one of each.
CASES = frozenset({"republished", "revised", "repeals", "correction"})


class CatalogueError(GazetteError, ValueError):
    """The catalogue file is missing, unreadable or does not follow docs/catalogue-schema.md."""


class _PlainDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its field, not a traceback."""


_PlainDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


LineRange = tuple[int, int]


@dataclass(frozen=True)
class CatalogueDocument:
    """One official document of a publication: its place in the text and its ground-truth metadata.

    `start_page`/`end_page` are printed page numbers, given only where the text itself says so (the
    目录 of an issue, the "# Page N:" markers of a compilation); for rendered PDFs the renderer's
    manifest is the authority. `case` and `target` only appear on constructed documents: `case`
    says which evolution the document exercises (republished, revised, repeals, correction) and
    `target` is the doc_number of the earlier document it repeats, revises, repeals or corrects.
    """

    lines: LineRange
    title: str
    doc_number: str | None
    issuer: str | None
    doc_type: str | None
    issued_date: dt.date | None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    start_page: int | None = None
    end_page: int | None = None
    html: bool = True
    case: str | None = None
    target: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Publication:
    """One file the publisher puts online: a gazette issue, a compilation, or a web article."""

    id: str
    kind: str
    source: str
    title: str
    year: int | None
    number: int | None
    total_number: int | None
    published: dt.date | None
    state: int
    text_path: Path
    layout: str
    first_printed_page: int
    front_matter: LineRange | None
    image_only_lines: LineRange | None
    constructed: bool
    documents: tuple[CatalogueDocument, ...]
    notes: str | None = None

    def text_lines(self) -> list[str]:
        """The publication's text as a list of lines; index i holds line i + 1."""
        return read_lines(self.text_path)


@dataclass(frozen=True)
class Catalogue:
    """All sample publications, in catalogue order."""

    publications: tuple[Publication, ...]
    path: Path

    def __iter__(self) -> Iterator[Publication]:
        return iter(self.publications)

    def publication(self, publication_id: str) -> Publication:
        """The publication with this id; KeyError names the id when there is none."""
        for pub in self.publications:
            if pub.id == publication_id:
                return pub
        raise KeyError(f"no publication {publication_id!r} in {self.path}")

    def in_state(self, state: int) -> list[Publication]:
        """Publications visible on the replica site once it has reached `state` (cumulative)."""
        return [pub for pub in self.publications if pub.state <= state]

    def added_in_state(self, state: int) -> list[Publication]:
        """Publications that appear for the first time in `state`: what the evolve step adds."""
        return [pub for pub in self.publications if pub.state == state]

    @property
    def max_state(self) -> int:
        return max((pub.state for pub in self.publications), default=0)


def read_lines(path: Path) -> list[str]:
    """Split a corpus text into lines the way `sed -n` numbers them (only "\\n" ends a line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"cannot read corpus text {path}: {exc}") from exc
    if text.endswith("\n"):
        text = text[:-1]
    return [line.rstrip("\r") for line in text.split("\n")]


def document_lines(pub: Publication, doc: CatalogueDocument) -> list[str]:
    """The lines of one document, first to last inclusive, as they stand in the publication's text."""
    first, last = doc.lines
    lines = pub.text_lines()
    if last > len(lines):
        raise CatalogueError(f"{pub.id}: document {doc.title!r} ends at line {last}, text has {len(lines)}")
    return lines[first - 1 : last]


def document_text(pub: Publication, doc: CatalogueDocument) -> str:
    """The document's text joined with newlines, for renderers that want one string."""
    return "\n".join(document_lines(pub, doc))


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue; any schema violation raises CatalogueError naming the entry."""
    path = (path or CATALOGUE_PATH).resolve()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_PlainDatesLoader)
    except OSError as exc:
        raise CatalogueError(f"cannot read catalogue {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"catalogue {path} is not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("publications"), list):
        raise CatalogueError(f"catalogue {path} must be a mapping with a 'publications' list")
    base = path.parent
    publications = tuple(_publication(entry, base, i) for i, entry in enumerate(raw["publications"]))
    ids = [pub.id for pub in publications]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"catalogue {path}: duplicate publication ids {duplicates}")
    return Catalogue(publications=publications, path=path)


def _publication(entry: Any, base: Path, index: int) -> Publication:
    where = f"publication #{index + 1}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {type(entry).__name__}")
    where = f"publication {entry.get('id', f'#{index + 1}')!r}"
    fields = _Fields(entry, where)
    kind = fields.choice("kind", PUBLICATION_KINDS)
    docs_raw = fields.get("documents", required=True)
    if not isinstance(docs_raw, list) or not docs_raw:
        raise CatalogueError(f"{where}: 'documents' must be a non-empty list")
    return Publication(
        id=fields.text("id"),
        kind=kind,
        source=fields.text("source"),
        title=fields.text("title"),
        year=fields.optional_integer("year"),
        number=fields.optional_integer("number"),
        total_number=fields.optional_integer("total_number"),
        published=fields.date("published"),
        state=fields.integer("state"),
        text_path=(base / fields.text("text")).resolve(),
        layout=fields.choice("layout", LAYOUTS),
        first_printed_page=fields.optional_integer("first_printed_page") or 1,
        front_matter=fields.line_range("front_matter"),
        image_only_lines=fields.line_range("image_only_lines"),
        constructed=fields.boolean("constructed", default=False),
        documents=tuple(_document(doc, f"{where} document #{i + 1}") for i, doc in enumerate(docs_raw)),
        notes=fields.optional_text("notes"),
    )


def _document(entry: Any, where: str) -> CatalogueDocument:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {type(entry).__name__}")
    fields = _Fields(entry, where)
    lines = fields.line_range("lines")
    if lines is None:
        raise CatalogueError(f"{where}: 'lines' is required")
    case = fields.optional_text("case")
    if case is not None and case not in CASES:
        raise CatalogueError(f"{where}: case {case!r} is not one of {sorted(CASES)}")
    return CatalogueDocument(
        lines=lines,
        title=fields.text("title"),
        doc_number=fields.optional_text("doc_number"),
        issuer=fields.optional_text("issuer"),
        doc_type=fields.optional_text("doc_type"),
        issued_date=fields.date("issued_date"),
        effective_date=fields.date("effective_date"),
        expiry_date=fields.date("expiry_date"),
        start_page=fields.optional_integer("start_page"),
        end_page=fields.optional_integer("end_page"),
        html=fields.boolean("html", default=True),
        case=case,
        target=fields.optional_text("target"),
        notes=fields.optional_text("notes"),
    )


class _Fields:
    """Typed access to one YAML mapping, so every error message names the entry and the field."""

    def __init__(self, entry: dict[str, Any], where: str) -> None:
        self.entry = entry
        self.where = where

    def get(self, key: str, required: bool = False) -> Any:
        if required and self.entry.get(key) is None:
            raise CatalogueError(f"{self.where}: {key!r} is required")
        return self.entry.get(key)

    def text(self, key: str) -> str:
        value = self.get(key, required=True)
        if not isinstance(value, str) or not value.strip():
            raise CatalogueError(f"{self.where}: {key!r} must be a non-empty string")
        return value.strip()

    def optional_text(self, key: str) -> str | None:
        return None if self.entry.get(key) is None else self.text(key)

    def choice(self, key: str, allowed: frozenset[str]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise CatalogueError(f"{self.where}: {key} {value!r} is not one of {sorted(allowed)}")
        return value

    def integer(self, key: str) -> int:
        value = self.get(key, required=True)
        if isinstance(value, bool) or not isinstance(value, int):
            raise CatalogueError(f"{self.where}: {key!r} must be an integer, got {value!r}")
        return value

    def optional_integer(self, key: str) -> int | None:
        return None if self.entry.get(key) is None else self.integer(key)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.entry.get(key, default)
        if not isinstance(value, bool):
            raise CatalogueError(f"{self.where}: {key!r} must be true or false, got {value!r}")
        return value

    def date(self, key: str) -> dt.date | None:
        value = self.entry.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise CatalogueError(f"{self.where}: {key!r} must be an ISO date (YYYY-MM-DD), got {value!r}")

    def line_range(self, key: str) -> LineRange | None:
        value = self.entry.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            raise CatalogueError(f"{self.where}: {key!r} must be [first, last] line numbers, got {value!r}")
        first, last = value
        if first < 1 or last < first:
            raise CatalogueError(f"{self.where}: {key!r} {value} is not a 1-based range with first <= last")
        return (first, last)
