"""Build the sample corpus in its real input formats, and the ground truth of where everything landed.

`build_sample(out_dir)` renders every catalogue publication: `pdf/<id>.pdf` (gazette issues and
compilations), `pdf/<id>.glyphs.pdf` (two-column issues redrawn glyph by glyph, issue 3 item 1),
`html/<pub-id>/<n>.html` (the n-th document of a publication as a web article), and
`manifest.json` listing every file with its sha256 and page count, and for every catalogue
document the printed start and end page and the 1-based PDF page indexes in the rendered PDF.
The manifest is the PDF ground truth for the extraction benchmark.

The build is cached: it is skipped when the manifest's inputs hash (catalogue, corpus texts and
the renderers' own source files) is unchanged and every listed file is still there. Everything
is deterministic, so a rebuild gives the same bytes and the same manifest.

    python -m replica.build [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import GazetteError
from replica.catalogue import Catalogue, CatalogueError, load_catalogue
from replica.redraw_pdf import RedrawError, redraw_glyph_by_glyph
from replica.render_html import render_article
from replica.render_pdf import RenderedPdf, RenderError, render_publication_pdf
from replica.typeset import FONT_PATH, FontError

REPLICA_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = REPLICA_DIR / "generated"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# The renderer's own code is an input: a change to the layout must invalidate the cache.
RENDERER_SOURCES = (
    "catalogue.py",
    "paragraphs.py",
    "typeset.py",
    "render_pdf.py",
    "render_image_page.py",
    "redraw_pdf.py",
    "render_html.py",
    "build.py",
)


class ManifestError(GazetteError, ValueError):
    """A manifest.json that cannot be read as a manifest of this version."""


@dataclass(frozen=True)
class BuiltFile:
    """One generated file, relative to the output directory."""

    path: str
    kind: str  # pdf | glyphs_pdf | html
    publication: str
    sha256: str
    bytes: int
    pages: int | None = None


@dataclass
class Manifest:
    """What a build produced. `built` is False when the cache was up to date and nothing ran."""

    out_dir: Path
    inputs_sha256: str
    files: list[BuiltFile]
    publications: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    built: bool = True
    seconds: float = 0.0

    def publication(self, publication_id: str) -> dict[str, Any]:
        for pub in self.publications:
            if pub["id"] == publication_id:
                return pub
        raise KeyError(f"no publication {publication_id!r} in the manifest of {self.out_dir}")

    def file(self, relative_path: str) -> BuiltFile:
        for built in self.files:
            if built.path == relative_path:
                return built
        raise KeyError(f"no file {relative_path!r} in the manifest of {self.out_dir}")

    def to_json(self) -> str:
        data = {
            "version": MANIFEST_VERSION,
            "inputs_sha256": self.inputs_sha256,
            "files": [asdict(f) for f in self.files],
            "publications": self.publications,
            "errors": self.errors,
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        path = out_dir / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                raise ManifestError(
                    f"{path}: manifest version {data.get('version')!r}, expected {MANIFEST_VERSION}"
                )
            return cls(
                out_dir=out_dir,
                inputs_sha256=data["inputs_sha256"],
                files=[BuiltFile(**f) for f in data["files"]],
                publications=data["publications"],
                errors=data.get("errors", []),
                built=False,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, ManifestError):
                raise
            raise ManifestError(f"cannot read manifest {path}: {exc}") from exc


def default_output_dir() -> Path:
    """Where the sample is built unless told otherwise: replica/generated/ (git-ignored)."""
    return DEFAULT_OUT


def inputs_digest(catalogue: Catalogue) -> str:
    """Hash of everything the output depends on: catalogue, texts, renderer code, the font."""
    digest = hashlib.sha256()
    parts: list[Path] = [catalogue.path]
    parts += sorted({pub.text_path for pub in catalogue})
    parts += [REPLICA_DIR / name for name in RENDERER_SOURCES]
    for path in parts:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    font_stat = FONT_PATH.stat().st_size if FONT_PATH.is_file() else -1
    digest.update(f"{FONT_PATH}:{font_stat}".encode())
    return digest.hexdigest()


def build_sample(
    out_dir: Path | None = None, *, force: bool = False, catalogue: Catalogue | None = None
) -> Manifest:
    """Render the whole sample corpus into `out_dir` (default replica/generated/), or reuse the cache.

    A publication that fails to render is reported in `Manifest.errors` and the others are built.
    """
    out_dir = (out_dir or DEFAULT_OUT).resolve()
    catalogue = catalogue or load_catalogue()
    digest = inputs_digest(catalogue)
    if not force:
        cached = _cached(out_dir, digest)
        if cached is not None:
            return cached
    started = time.perf_counter()
    for sub in ("pdf", "html"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[BuiltFile] = []
    publications: list[dict[str, Any]] = []
    errors: list[str] = []
    for pub in catalogue:
        entry: dict[str, Any] = {"id": pub.id, "kind": pub.kind, "layout": pub.layout, "state": pub.state}
        rendered: RenderedPdf | None = None
        try:
            if pub.layout != "html_only":
                pdf_path = out_dir / "pdf" / f"{pub.id}.pdf"
                rendered = render_publication_pdf(pub, pdf_path)
                files.append(_file(out_dir, pdf_path, "pdf", pub.id, len(rendered.pages)))
                entry["pdf"] = files[-1].path
                if pub.layout == "two_column":
                    glyphs_path = out_dir / "pdf" / f"{pub.id}.glyphs.pdf"
                    redraw_glyph_by_glyph(pdf_path, glyphs_path)
                    files.append(_file(out_dir, glyphs_path, "glyphs_pdf", pub.id, len(rendered.pages)))
                    entry["glyphs_pdf"] = files[-1].path
                entry["pages"] = [asdict(p) for p in rendered.pages]
                entry["problems"] = list(rendered.problems)
            entry["documents"] = []
            for n, doc in enumerate(pub.documents, start=1):
                doc_entry: dict[str, Any] = {
                    "number": n,
                    "title": doc.title,
                    "doc_number": doc.doc_number,
                    "lines": list(doc.lines),
                }
                if rendered is not None:
                    placed = rendered.documents[n - 1]
                    doc_entry.update(
                        start_page=placed.start_page,
                        end_page=placed.end_page,
                        start_index=placed.start_index,
                        end_index=placed.end_index,
                    )
                if doc.html or pub.kind == "article":
                    html_path = out_dir / "html" / pub.id / f"{n}.html"
                    _write_atomic(html_path, render_article(pub, doc).encode("utf-8"))
                    files.append(_file(out_dir, html_path, "html", pub.id, None))
                    doc_entry["html"] = files[-1].path
                entry["documents"].append(doc_entry)
        except (RenderError, RedrawError, CatalogueError, FontError, OSError) as exc:
            errors.append(f"{pub.id}: {exc}")
            entry["error"] = str(exc)
        publications.append(entry)
    manifest = Manifest(out_dir, digest, files, publications, errors, built=True)
    _write_atomic(out_dir / MANIFEST_NAME, manifest.to_json().encode("utf-8"))
    manifest.seconds = time.perf_counter() - started
    return manifest


def _cached(out_dir: Path, digest: str) -> Manifest | None:
    try:
        manifest = Manifest.load(out_dir)
    except ManifestError:
        return None
    if manifest.inputs_sha256 != digest or manifest.errors:
        return None
    for built in manifest.files:
        path = out_dir / built.path
        if not path.is_file() or path.stat().st_size != built.bytes:
            return None
    return manifest


def _file(out_dir: Path, path: Path, kind: str, publication: str, pages: int | None) -> BuiltFile:
    data = path.read_bytes()
    return BuiltFile(
        path=path.relative_to(out_dir).as_posix(),
        kind=kind,
        publication=publication,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        pages=pages,
    )


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m replica.build", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when the cache is up to date")
    args = parser.parse_args(argv)
    try:
        manifest = build_sample(args.out, force=args.force)
    except (CatalogueError, FontError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    state = f"built in {manifest.seconds:.1f} s" if manifest.built else "up to date (cached)"
    print(f"sample corpus in {manifest.out_dir}: {state}")
    for built in manifest.files:
        pages = f"{built.pages:>3} pages" if built.pages else "         "
        print(f"  {built.path:<40} {pages} {built.bytes:>9} bytes  sha256 {built.sha256[:12]}")
    for error in manifest.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if manifest.errors else 0


if __name__ == "__main__":
    sys.exit(main())
