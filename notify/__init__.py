"""Change-alert digests: subscribers follow topics and get every relevant change by email once.

subscribers  who receives digests and what they follow (validation, CSV/YAML import)
matching     which events of the change log concern which subscriber, and why
content      the digest's items, grouped by kind, with excerpts and revision comparisons
render       Jinja2 templates → multipart email with UTF-8 headers and List-Unsubscribe
tokens       signed unsubscribe tokens
outbox       queue → digest → SMTP, each (subscriber, event) carried once, never lost
digest       the entry point for flows and the CLI: `send_due_digests(con, settings)`
"""
