"""One base exception for the project, one subclass per stage.

A run's boundary (the monitor, a CLI command) catches `GazetteError` and prints its
one-line message: every failure the project anticipates derives from it, so a new
error class cannot silently slip past the handlers. What is *not* a GazetteError
is a bug; the monitor records it with its traceback as an event instead of
pretending to understand it.

Each stage base also derives from the builtin it used to be (ValueError for bad
input, RuntimeError for a failing system), so that code catching those keeps working.
"""

from __future__ import annotations


class GazetteError(Exception):
    """Anything gazette monitor anticipates going wrong; the message is one line for a human."""


class ConfigError(GazetteError, ValueError):
    """A settings file or a source config is unreadable or invalid; the message names file, key and fix."""


class FetchError(GazetteError, RuntimeError):
    """A page or file could not be fetched or archived as it should (HTTP, network, limits, WARC)."""


class ExtractionError(GazetteError, ValueError):
    """A file could not be turned into pages and documents."""


class WarehouseError(GazetteError, RuntimeError):
    """The warehouse could not be opened, migrated, loaded, searched or published."""


class ReconcileError(GazetteError, RuntimeError):
    """A reconcile step could not run: the run fails, it never just warns."""


class NotifyError(GazetteError, RuntimeError):
    """Subscriptions, digests or mail delivery failed."""


class UserInputError(GazetteError, ValueError):
    """What a user typed (a document number, a query, a name) matches nothing or is malformed."""
