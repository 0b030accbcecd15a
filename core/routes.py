"""The dashboard's page addresses, in one place: its pages use them, and so do digest links.

Here in core, with no Streamlit import, because the digest (notify.content) sits below the
dashboards in the layering and must link to the dashboard's pages without loading it.
"""

from __future__ import annotations

DOCUMENT_PAGE = "document"  # st.Page url_path of the dashboard's document page (dashboards/app.py)


def document_url(document_id: str) -> str:
    """The document page, relative to the dashboard's base URL: `document?id=<id>`."""
    return f"{DOCUMENT_PAGE}?id={document_id}"
