"""The words the page and document readers look for, loaded from vocabulary.yaml.

Label names (索引号, 发文机关 …), title habits of news and guide pages, promulgation forms:
vocabulary changes with every publisher, so it is data; the structure that uses it is code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY_FILE = Path(__file__).resolve().parent / "vocabulary.yaml"
_LABEL_NOISE = re.compile(r"[\s\u3000\u00a0:：]")


@dataclass(frozen=True)
class Vocabulary:
    """vocabulary.yaml, compiled for lookups."""

    labels: dict[str, str]  # printed label (spaces and colon removed) → field
    meta_tags: dict[str, str]  # lower-cased <meta name> → field
    placeholders: frozenset[str]
    title_prefixes: tuple[str, ...]
    title_suffixes: tuple[str, ...]
    non_document_titles: tuple[tuple[str, re.Pattern[str], bool], ...]  # (kind, pattern, weak)
    columns: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, column-name pattern)
    official_types: tuple[str, ...]  # longest first
    organ_names: tuple[str, ...]  # longest first
    signer_titles: tuple[str, ...]
    promulgation_verbs: tuple[str, ...]
    headnote_verbs: tuple[str, ...]


def label_key(text: str) -> str:
    """A printed label as a lookup key: 发 文 字 号： → 发文字号."""
    return _LABEL_NOISE.sub("", text)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary, read once per process."""
    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    labels = {label_key(label): name for name, names in raw["page_labels"].items() for label in names}
    meta = {str(k).lower(): v for k, v in raw["meta_tags"].items() if v}
    non_documents = tuple(
        (entry["kind"], re.compile(pattern), bool(entry.get("weak")))
        for entry in raw["non_document_titles"]
        for pattern in entry["patterns"]
    )
    promulgation = raw["promulgation"]
    return Vocabulary(
        labels=labels,
        meta_tags=meta,
        placeholders=frozenset(str(p).lower() for p in raw["placeholders"]),
        title_prefixes=tuple(raw["title_prefixes"]),
        title_suffixes=tuple(raw["title_suffixes"]),
        non_document_titles=non_documents,
        columns=tuple(
            (kind, re.compile("|".join(patterns))) for kind, patterns in raw["non_document_columns"].items()
        ),
        official_types=tuple(sorted(raw["official_title_types"], key=len, reverse=True)),
        organ_names=tuple(sorted(raw["organ_names"], key=len, reverse=True)),
        signer_titles=tuple(sorted(promulgation["signer_titles"], key=len, reverse=True)),
        promulgation_verbs=tuple(promulgation["verbs"]),
        headnote_verbs=tuple(promulgation["headnote_verbs"]),
    )
