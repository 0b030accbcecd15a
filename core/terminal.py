"""Text from the outside world made safe for a terminal: one place for every CLI.

Titles, numbers and snippets come from publishers' pages. Printed raw, an ESC
sequence in a title could recolour the terminal, clear the screen or plant an
OSC 8 link, and a `[/]` in it breaks Rich's markup (a MarkupError for every
search that returns it). So stored text is cleaned of control and escape
sequences before it is printed, and escaped when it goes inside Rich markup.
"""

from __future__ import annotations

import re

from rich.markup import escape

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC strings, two-byte ESC
# sequences, and their 8-bit C1 forms.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
# Other C0/C1 controls (tab and newline stay) and the bidirectional overrides that reorder
# what a terminal shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: object) -> str:
    """`text` without escape sequences or control characters (newlines and tabs are kept)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", str(text)))


def markup_safe(text: object) -> str:
    """`text` cleaned and escaped, to be put inside a Rich markup string."""
    return escape(clean(text))
