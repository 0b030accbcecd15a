"""Decoding a web page's bytes: the one rule for listing pages and article pages alike.

Candidates in order: a UTF-8 byte-order mark, the server's charset (HTTP Content-Type),
the page's own <meta charset>, then UTF-8, then GB18030. GB2312 and GBK labels are read as
GB18030, their superset, as browsers do (government pages routinely hold characters only
GB18030 defines); a label that does not decode the bytes is skipped rather than trusted,
since old sites often mislabel. When nothing decodes cleanly the bad bytes are replaced
and the page says so, instead of failing.
"""

from __future__ import annotations

import codecs
import re

_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = _CONTENT_TYPE_CHARSET.search(content_type)
    return match.group(1) if match else None


def codec_name(label: str | None) -> str | None:
    """Python's codec for a charset label (GB2312/GBK → GB18030); None for an unknown label."""
    if not label:
        return None
    name = _CHARSET_ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(body: bytes, http_charset: str | None = None) -> tuple[str, str, list[str]]:
    """(text, codec used, problems) of a page; a BOM is never part of the text."""
    candidates: list[str | None] = []
    if body.startswith(codecs.BOM_UTF8):
        candidates.append("utf-8-sig")
    candidates.append(codec_name(http_charset))
    meta = _META_CHARSET.search(body[:4096])
    candidates.append(codec_name(meta.group(1).decode("ascii")) if meta else None)
    candidates += ["utf-8", "gb18030"]
    for codec in candidates:
        if codec is None:
            continue
        try:
            return body.decode(codec), codec, []
        except UnicodeDecodeError:
            continue
    fallback = next((c for c in candidates[:3] if c), "gb18030")
    text = body.decode(fallback, errors="replace")
    return text.removeprefix("\ufeff"), fallback, [f"invalid {fallback} bytes replaced with U+FFFD"]
