"""The errors extraction raises for input it cannot read.

Every reader (PDF, HTML, text) raises a subclass of `ExtractionError`, so that a
caller processing many files catches one class, logs the one-line message and
goes on with the next file. Subclassing `ValueError` keeps it catchable by code
that only knows "bad value".
"""

from __future__ import annotations

from core.errors import ExtractionError

# The stage base (a ValueError, a GazetteError) is defined with the other stage bases.
__all__ = [
    "EmptyFileError",
    "ExtractionError",
    "HtmlExtractionError",
    "TextDecodingError",
    "UnsupportedFormatError",
]


class EmptyFileError(ExtractionError):
    """The file has no bytes at all (a failed download, a truncated copy)."""


class UnsupportedFormatError(ExtractionError):
    """The content is neither PDF, HTML nor text (an image, an archive, random bytes)."""


class TextDecodingError(ExtractionError):
    """The bytes decode neither as UTF-8 nor as GB18030."""


class HtmlExtractionError(ExtractionError):
    """An HTML page holds no article body that could be told apart from navigation."""


class InputTooLargeError(ExtractionError):
    """The file is larger than any real publication of its kind: refused before it is parsed."""
