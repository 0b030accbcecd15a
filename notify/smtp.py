"""Talking to the SMTP server, and telling a server that is down from an address that is bad.

The difference decides what happens to a digest: a server that cannot be
reached, or a temporary (4xx) answer, leaves it queued for the next run; a
permanent (5xx) refusal of the recipient is a visible failure. The password is
read from the environment at login and appears in no message or log.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from typing import Literal

from core.config import SmtpSettings
from core.errors import NotifyError


class SmtpConfigError(NotifyError):
    """The SMTP settings cannot work as given (e.g. the password variable is unset)."""


class SmtpUnavailable(NotifyError):
    """The server cannot be reached or refused the session: everything stays queued."""


@dataclass(frozen=True)
class Delivery:
    outcome: Literal["sent", "deferred", "refused"]
    error: str | None = None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"{exc.smtp_code} {text}".strip()
    return f"{type(exc).__name__}: {exc}".strip()


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """A logged-in session, or SmtpUnavailable / SmtpConfigError with a one-line reason."""
    password = None
    if settings.user:
        password = os.environ.get(settings.password_env)
        if not password:
            raise SmtpConfigError(
                f"smtp.user is set but the environment variable {settings.password_env} (the password) is not"
            )
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            session: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            session = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        session.ehlo()
        if settings.security == "starttls":
            session.starttls(context=ssl.create_default_context())
            session.ehlo()
        if settings.user:
            session.login(settings.user, password or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpConfigError(f"SMTP login as {settings.user} at {where} refused: {_describe(exc)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailable(f"SMTP server {where} unavailable: {_describe(exc)}") from exc
    return session


def deliver(session: smtplib.SMTP, sender: str, recipient: str, message: str) -> Delivery:
    """Hand one message to the server; raise SmtpUnavailable when the session itself broke.

    Lines end in CRLF on the wire (smtplib leaves bytes untouched, and a
    server reads a message with bare LFs as one over-long line).
    """
    wire = message.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    try:
        session.sendmail(sender, [recipient], wire)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        reason = f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
        return Delivery("refused" if code >= 500 else "deferred", f"{recipient}: {reason}")
    except smtplib.SMTPSenderRefused as exc:  # our From is the problem, not the recipient: keep it queued
        return Delivery("deferred", f"sender refused: {_describe(exc)}")
    except smtplib.SMTPDataError as exc:
        return Delivery("refused" if exc.smtp_code >= 500 else "deferred", _describe(exc))
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpUnavailable(f"SMTP session broke: {_describe(exc)}") from exc
    return Delivery("sent")
