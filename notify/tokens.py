"""Signed, time-limited unsubscribe tokens: the holder may unsubscribe that address, for a while.

The token is `<subscriber_id>.<timestamp>.<signature>`, an itsdangerous timed signature of
the subscriber number, salted with the address: it needs no table, a token for one address
cannot be edited into a token for another, and it expires (`unsubscribe_token_days` in
config.yaml, 90 by default), so an old email forwarded or leaked years later
no longer works. An expired token is refused with a message pointing to a recent digest,
whose link is fresh. The secret comes from an environment variable named in the config,
never from a file.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC

import duckdb
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from core.config import UNSUBSCRIBE_TOKEN_DAYS
from core.errors import NotifyError

_SALT = "gazette-monitor unsubscribe"


class TokenError(NotifyError, ValueError):
    """An unsubscribe token that is malformed, forged, expired, or for an unknown subscriber."""


def unsubscribe_secret(env_name: str) -> bytes:
    """The signing secret from `$env_name`; a clear error naming the variable when it is unset."""
    value = os.environ.get(env_name, "")
    if len(value) < 16:
        raise TokenError(
            f"set the environment variable {env_name} to a random secret of at least 16 characters "
            "(it signs the unsubscribe links)"
        )
    return value.encode("utf-8")


def _signer(email: str, secret: bytes) -> TimestampSigner:
    return TimestampSigner(secret, salt=f"{_SALT}:{email.lower()}", digest_method=hashlib.sha256)


def make_unsubscribe_token(subscriber_id: int, email: str, secret: bytes) -> str:
    return _signer(email, secret).sign(str(subscriber_id)).decode("ascii")


def verify_unsubscribe_token(
    token: str,
    email_of: dict[int, str] | duckdb.DuckDBPyConnection,
    secret: bytes,
    max_age_days: int = UNSUBSCRIBE_TOKEN_DAYS,
) -> int:
    """The subscriber number the token was issued for; TokenError when not ours or too old.

    `email_of` is the warehouse (the address is looked up) or a mapping of
    subscriber number → address.
    """
    number, _, rest = (token or "").strip().partition(".")
    if not number.isdigit() or rest.count(".") != 1:
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
    try:
        _signer(email, secret).unsign(token.strip(), max_age=max_age_days * 86400)
    except SignatureExpired as exc:
        signed = exc.date_signed.astimezone(UTC).date() if exc.date_signed else "an unknown date"
        raise TokenError(
            f"unsubscribe link expired: issued on {signed}, links are valid {max_age_days} days; "
            "use the link in a recent digest"
        ) from exc
    except BadSignature as exc:
        raise TokenError("unsubscribe token signature does not match") from exc
    return subscriber_id
