"""The digest as an email: plain text and HTML from Jinja2 templates, headers fit for Chinese.

The HTML carries its CSS inline (style attributes on table-based layout),
because common mail clients drop <style> blocks and external sheets. Headers
with Chinese (Subject, the sender's display name) are RFC 2047-encoded UTF-8
by the standard library's email policy; bodies are UTF-8 with a transfer
encoding that survives 7-bit relays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from functools import cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from notify.content import DigestContent

TEMPLATES = Path(__file__).with_name("templates")
_MARKED = re.compile(r"«(.+?)»")


@dataclass(frozen=True)
class Unsubscribe:
    """Where a recipient unsubscribes: a web link (one-click when https) and a mailto address."""

    token: str
    url: str | None
    mailto: str | None

    @property
    def link(self) -> str | None:
        """The link shown in the email body: the web page, else the mailto."""
        if self.url:
            separator = "&" if "?" in self.url else "?"
            return f"{self.url}{separator}token={quote(self.token)}"
        if self.mailto:
            return f"mailto:{self.mailto}?subject={quote('unsubscribe ' + self.token)}"
        return None

    def header(self) -> str:
        parts = []
        if self.url:
            parts.append(f"<{self.link}>")
        if self.mailto:
            parts.append(f"<mailto:{self.mailto}?subject={quote('unsubscribe ' + self.token)}>")
        return ", ".join(parts)


def _mark(text: str) -> Markup:
    """Escape, then turn the «match» marks of an excerpt into a highlighted span."""
    escaped = str(escape(text))
    return Markup(
        _MARKED.sub(r'<strong style="background-color:#fef08a;color:#111827;">\1</strong>', escaped)
    )


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["mark"] = _mark
    return env


def render_bodies(content: DigestContent, unsubscribe_link: str | None = None) -> tuple[str, str]:
    """(plain text, HTML) of the digest."""
    context = {
        "subscriber": content.subscriber,
        "groups": content.groups,
        "subject": content.subject,
        "generated_local": content.generated_local,
        "L": content.labels,
        "unsubscribe_url": unsubscribe_link,
    }
    env = _environment()
    text = env.get_template("digest.txt.j2").render(context)
    html = env.get_template("digest.html.j2").render(context)
    return re.sub(r"\n{3,}", "\n\n", text), html


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_message(
    content: DigestContent,
    *,
    sender: str,
    message_id: str,
    unsubscribe: Unsubscribe | None,
) -> EmailMessage:
    """The multipart/alternative message (text first, HTML preferred) with its headers."""
    text, html = render_bodies(content, unsubscribe.link if unsubscribe else None)
    message = EmailMessage()
    display, address = parseaddr(sender)
    message["From"] = formataddr((display, address)) if display else address
    subscriber = content.subscriber
    message["To"] = formataddr((subscriber.name, subscriber.email)) if subscriber.name else subscriber.email
    message["Subject"] = content.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe and unsubscribe.header():
        message["List-Unsubscribe"] = unsubscribe.header()
        if unsubscribe.url and unsubscribe.url.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # base64: mostly-CJK bodies stay compact, and no line exceeds SMTP's 998-octet limit
    message.set_content(text, charset="utf-8", cte="base64")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return message
