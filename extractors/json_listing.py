"""JSON listings: sites that page their lists through an API answering JSON.

The same records as an HTML listing page (`ListingPage` of `IssueLink`s), read by dotted keys
instead of CSS selectors: `items_path` finds the list, `link_path` and each field's `path` read
an item, and `page_param` + the stated total (`total_path` items, `pages_path` pages) page the
API. A body that is not JSON, a missing `items_path` or an empty list is a `ListingLayoutError`,
as an HTML page whose selectors match nothing is: an API that changed shape must not read as
"nothing new".
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from extractors.listing import (
    FieldSpec,
    IssueLink,
    ListingLayoutError,
    ListingPage,
    ListingSpec,
    PagerTotal,
    RejectedLink,
    SourceConfig,
    _resolve,
    _to_int,
    decode_html,
    listed_item,
)

_MISSING = object()


def json_value(data: Any, path: str) -> Any:
    """The value at a dotted path ("data.list", "result.0.title"; "" = `data` itself), or `_MISSING`."""
    value = data
    for key in [part for part in path.split(".") if part]:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _text(value: Any) -> str | None:
    if value is _MISSING or value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text or None


def _field(item: Any, spec: FieldSpec) -> str | None:
    value = _text(json_value(item, spec.path or ""))
    if value is not None and spec.regex:
        match = re.search(spec.regex, value)
        value = (match.group(1) if match.groups() else match.group(0)) if match else None
    return value


def parse_json_listing(
    body: bytes | str, page_url: str, source: SourceConfig, spec: ListingSpec, charset: str | None = None
) -> ListingPage:
    """Read one page of a JSON listing: its items, the next page's URL, the stated total."""
    text = body if isinstance(body, str) else decode_html(body, charset)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ListingLayoutError(
            f"{page_url}: {source.id}/{spec.name} expects JSON, got {text[:60]!r} ({exc})"
        ) from None
    items_raw = json_value(data, spec.items_path or "")
    if not isinstance(items_raw, list):
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ListingLayoutError(
            f"{page_url}: items_path {spec.items_path!r} is not a list in the answer (top level: {keys})"
        )
    if not items_raw:
        raise ListingLayoutError(
            f"{page_url}: items_path {spec.items_path!r} of {source.id}/{spec.name} is an empty list"
        )
    items: list[IssueLink] = []
    rejected: list[RejectedLink] = []
    linked = 0
    for raw in items_raw:
        href = _text(json_value(raw, spec.link_path or "url"))
        url = _resolve(href, page_url) if href else None
        if url is None:
            continue
        linked += 1
        values = {name: _field(raw, field_spec) for name, field_spec in spec.fields.items()}
        title = values.get("title")
        if not source.allows(url):
            rejected.append(RejectedLink(url=url, reason="host not in allowed_hosts", text=title or ""))
            continue
        missing = [
            name for name, field_spec in spec.fields.items() if field_spec.required and not values.get(name)
        ]
        if missing:
            rejected.append(
                RejectedLink(url=url, reason=f"missing field(s) {', '.join(missing)}", text=title or "")
            )
            continue
        items.append(listed_item(source, spec, page_url, url, {**values, "title": title}))
    if linked == 0:
        raise ListingLayoutError(
            f"{page_url}: no item of {spec.items_path!r} has a link at {spec.link_path!r}"
        )
    if not items and any(r.reason.startswith("missing") for r in rejected):
        raise ListingLayoutError(f"{page_url}: no item has the required fields ({rejected[0].reason})")
    next_url, pager = _next_api_page(data, page_url, spec)
    return ListingPage(
        url=page_url, items=items, next_url=next_url, rejected=rejected, entries=linked, pager=pager
    )


def _next_api_page(data: Any, page_url: str, spec: ListingSpec) -> tuple[str | None, PagerTotal | None]:
    pagination = spec.pagination
    if not pagination.page_param:
        return None, None
    stated: dict[str, int | None] = {}
    for key, name, path in (
        ("pages", "pages_path", pagination.pages_path),
        ("items", "total_path", pagination.total_path),
    ):
        if path:
            value = json_value(data, path)
            number = None if value is _MISSING else _to_int(str(value))
            if number is None:
                raise ListingLayoutError(
                    f"{page_url}: pagination.{name} {path!r} is not a number in the answer: the API changed"
                )
            stated[key] = number
    parts = urlsplit(page_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    current = next(
        (int(v) for k, v in query if k == pagination.page_param and v.isdigit()), pagination.page_base
    )
    pager = PagerTotal(pages=stated.get("pages"), items=stated.get("items"), current=current)
    more = pager.pages is None or current - pagination.page_base + 1 < pager.pages
    if not more:
        return None, pager
    nxt = str(current + 1)  # the page parameter keeps its place in the query, as the site writes it
    next_query = [(k, nxt if k == pagination.page_param else v) for k, v in query]
    if all(k != pagination.page_param for k, _ in query):
        next_query.append((pagination.page_param, nxt))
    return urlunsplit(parts._replace(query=urlencode(next_query))), pager
