"""Signed unsubscribe tokens: anyone holding the token may unsubscribe that address, nobody else.

The token is `<subscriber_id>.<HMAC-SHA256(secret, "unsubscribe:<id>:<email>")>`,
so it needs no table: a token keeps working until the secret changes, and a
token for one address cannot be edited into a token for another. The secret
comes from an environment variable named in the config, never from a file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import duckdb

from core.errors import NotifyError

_SIGNATURE_BYTES = 18  # 144 bits: unguessable, and short enough for a mailto subject


class TokenError(NotifyError, ValueError):
    """An unsubscribe token that is malformed, forged, or for an unknown subscriber."""


def unsubscribe_secret(env_name: str) -> bytes:
    """The signing secret from `$env_name`; a clear error naming the variable when it is unset."""
    value = os.environ.get(env_name, "")
    if len(value) < 16:
        raise TokenError(
            f"set the environment variable {env_name} to a random secret of at least 16 characters "
            "(it signs the unsubscribe links)"
        )
    return value.encode("utf-8")


def _signature(subscriber_id: int, email: str, secret: bytes) -> str:
    message = f"unsubscribe:{subscriber_id}:{email.lower()}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def make_unsubscribe_token(subscriber_id: int, email: str, secret: bytes) -> str:
    return f"{subscriber_id}.{_signature(subscriber_id, email, secret)}"


def verify_unsubscribe_token(
    token: str, email_of: dict[int, str] | duckdb.DuckDBPyConnection, secret: bytes
) -> int:
    """The subscriber number the token was issued for; TokenError when it was not issued by us.

    `email_of` is the warehouse (the address is looked up) or a mapping of
    subscriber number → address.
    """
    number, _, signature = (token or "").strip().partition(".")
    if not number.isdigit() or not signature:
        raise TokenError("malformed unsubscribe token")
    subscriber_id = int(number)
    if isinstance(email_of, dict):
        email = email_of.get(subscriber_id)
    else:
        row = email_of.execute(
            "SELECT email FROM subscribers WHERE subscriber_id = ?", [subscriber_id]
        ).fetchone()
        email = row[0] if row else None
    if email is None:
        raise TokenError("unsubscribe token for an unknown subscriber")
    if not hmac.compare_digest(signature, _signature(subscriber_id, email, secret)):
        raise TokenError("unsubscribe token signature does not match")
    return subscriber_id
