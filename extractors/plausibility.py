"""Is a fetched body plausibly the publication, or something a broken or hostile server sent instead?

A 200 answer is not proof of a document. Servers cut bodies short (a Content-Length
that announces half the page: the client reads half, and the length check agrees),
and single-sign-on gateways and web application firewalls answer a document's URL
with their own page and a 200. Loaded, such a body becomes the document's current
text (a truncated "revision") or a new "document" called 统一身份认证平台. These
checks look at the bytes only; the comparison with the last good copy of the same
publication needs the warehouse and lives in `warehouse.quarantine`.
"""

from __future__ import annotations

import re

# What a login or firewall page says about itself, in its <title> or in the little text it has.
# Markers seen on Chinese government single-sign-on gateways and on the firewall products
# that front government sites (block and challenge pages).
INTERSTITIAL_MARKERS: tuple[str, ...] = (
    "统一身份认证",
    "统一认证平台",
    "用户登录",
    "登录超时",
    "请先登录",
    "请重新登录",
    "请输入验证码",
    "滑动验证",
    "安全验证",
    "人机验证",
    "访问验证",
    "访问被拦截",
    "请求被拦截",
    "访问被拒绝",
    "您的访问请求可能对网站造成安全威胁",
    "网站防火墙",
    "Web应用防火墙",
    "安全狗",
    "云锁",
    "创宇盾",
    "Access Denied",
    "Request Rejected",
    "Attention Required",
)
# An interstitial names itself in a short title ("统一身份认证平台", "访问被拦截_提示"), or says so in
# the little text it has; a document's title merely mentioning a platform is long and says more.
TITLE_SLACK = 8  # characters a title may have besides the marker (a site name suffix is cut off)
INTERSTITIAL_MAX_TEXT = 300
_TITLE_SUFFIX = re.compile(r"\s*[_|｜—–-].*$")

_PASSWORD_FIELD = re.compile(rb"<input\b[^>]*\btype\s*=\s*[\"']?password", re.IGNORECASE)
_TITLE = re.compile(rb"<title\b[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_OPEN = re.compile(rb"<html\b|<body\b", re.IGNORECASE)
_HTML_CLOSE = re.compile(rb"</html\s*>|</body\s*>", re.IGNORECASE)
_TAG = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _is_html(data: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    return bool(_HTML_OPEN.search(data[:4096]))


def _is_pdf(data: bytes, content_type: str | None) -> bool:
    return data.startswith(b"%PDF") or bool(content_type and "pdf" in content_type.lower())


def truncated_utf8(data: bytes) -> bool:
    """True when the body is UTF-8 except that it ends inside a character: it was cut short."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data"
    return False


def _visible_text(data: bytes) -> str:
    text = data.decode("utf-8", errors="ignore")
    if "\ufffd" in text or not text:
        text = data.decode("gb18030", errors="ignore")
    return _SPACE.sub(" ", _TAG.sub(" ", text)).strip()


def _title(data: bytes) -> str:
    match = _TITLE.search(data[:65536])
    return _visible_text(match.group(1)) if match else ""


def implausible_body(data: bytes, content_type: str | None) -> str | None:
    """Why these bytes are not a publication (one line), or None when nothing is wrong with them."""
    if not data:
        return "the body is empty"
    if _is_pdf(data, content_type):
        if not data.startswith(b"%PDF"):
            return "declared a PDF but the body does not start with %PDF"
        if b"%%EOF" not in data[-2048:]:
            return "the PDF ends before its %%EOF marker: the body was cut short"
        return None
    if truncated_utf8(data):
        return "the body ends inside a UTF-8 character: it was cut short"
    if not _is_html(data, content_type):
        return None
    if _HTML_OPEN.search(data[:4096]) and not _HTML_CLOSE.search(data[-4096:]):
        return "the HTML ends before </body> or </html>: the body was cut short"
    if _PASSWORD_FIELD.search(data):
        return f"a login page, not a document (it asks for a password; title {_title(data)!r})"
    title = _title(data)
    own_title = _TITLE_SUFFIX.sub("", title)
    for marker in INTERSTITIAL_MARKERS:
        if marker.lower() in own_title.lower() and len(own_title) <= len(marker) + TITLE_SLACK:
            return f"a login or firewall page, not a document (title {title!r})"
    text = _visible_text(data)
    if len(text) <= INTERSTITIAL_MAX_TEXT:
        found = next((m for m in INTERSTITIAL_MARKERS if m.lower() in text.lower()), None)
        if found is not None:
            return f"a login or firewall page, not a document ({found!r} in {len(text)} characters of text)"
    return None
