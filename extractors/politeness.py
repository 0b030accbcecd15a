"""Fetching like a good citizen: robots.txt, a per-host rate limit, retries that back off.

A government web server is not ours to hammer. `PoliteSession` is a `requests.Session`
whose every request (so `extractors.fetch.fetch` and the listing walk alike) first asks
the host's robots.txt, then waits for its turn under the host's rate limit, and on
429, 5xx, timeouts and refused connections waits and tries again: exponential backoff
with jitter, or exactly the server's Retry-After when it sends one. A Retry-After longer
than we are willing to wait ends the attempts: the answer goes back to the caller, who
reports it, rather than a poll blocking for an hour.

The rate limiters live in a process-wide registry keyed by host, so threads of a
backfill that each open their own session still share one budget per host.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from protego import Protego

from extractors.fetch import Deadline, FetchError, Limits, iter_body, open_guarded

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (requests.exceptions.Timeout, requests.exceptions.ConnectionError)


class RobotsDisallowed(FetchError, requests.RequestException):
    """robots.txt of the host does not allow this URL for our user agent."""


@dataclass(frozen=True)
class PolitenessPolicy:
    """How gently one source is fetched; built from the source's `fetch:` settings."""

    user_agent: str
    requests_per_second: float = 1.0
    respect_robots: bool = True
    attempts: int = 4  # tries per request, the first included
    backoff_base: float = 1.0  # seconds before the 2nd try; doubled each time
    backoff_max: float = 60.0
    jitter: float = 0.5  # each wait is stretched by up to this fraction, at random
    max_retry_after: float = 120.0  # a longer Retry-After is not waited for
    robots_timeout: tuple[float, float] = (5.0, 15.0)
    robots_total_seconds: float = 30.0  # the whole robots.txt exchange, redirects and body included
    allowed_hosts: tuple[str, ...] = ()  # where a robots.txt redirect may lead besides its own host


@dataclass(frozen=True)
class Wait:
    """One pause the session made, and why: kept so a run summary can show it."""

    url: str
    seconds: float
    reason: str  # "HTTP 503", "Retry-After", "ReadTimeout", ...


class HostRateLimiter:
    """At most `rate` requests a second to one host, across every thread of the process."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until this caller may send; return how long it waited."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)
        return delay


_limiters: dict[tuple[str, float], HostRateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(host: str, rate: float) -> HostRateLimiter:
    """The process-wide limiter of `host` at `rate` (one per host and rate)."""
    key = (host.lower(), rate)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = HostRateLimiter(rate)
        return limiter


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, policy: PolitenessPolicy, rng: random.Random | None = None) -> float:
    """Wait before try number `attempt + 1` (attempt counts from 1): base·2^(attempt-1), capped, jittered."""
    base = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
    return base * (1.0 + policy.jitter * (rng or random).random())


# RFC 9309 2.5: a parser must read at least 500 KiB; what lies beyond may be ignored.
ROBOTS_MAX_BYTES = 512 * 1024


@dataclass
class _Robots:
    parser: Protego | None  # None = everything allowed
    disallow_all: bool = False
    reason: str = ""  # why everything is disallowed, for the error message


# robots.txt is read once per origin and user agent per process (and again after a day, as
# RFC 9309 allows caching for 24 hours), so parallel tasks with their own sessions share it.
ROBOTS_MAX_AGE = 24 * 3600.0
_robots_cache: dict[tuple[str, str], tuple[float, _Robots]] = {}
_robots_lock = threading.Lock()


def forget_robots() -> None:
    """Drop every cached robots.txt (a test that changes a site's robots.txt needs this)."""
    with _robots_lock:
        _robots_cache.clear()


class PoliteSession(requests.Session):
    """A `requests.Session` that honours robots.txt, a per-host rate limit and backoff on faults."""

    def __init__(self, policy: PolitenessPolicy, rng: random.Random | None = None) -> None:
        super().__init__()
        self.policy = policy
        self.headers["User-Agent"] = policy.user_agent
        self.waits: list[Wait] = []
        self.requests_sent = 0
        self._rng = rng or random.Random()

    def request(self, method: str, url: str, *args, **kwargs) -> requests.Response:  # type: ignore[override]
        if self.policy.respect_robots:
            self._check_robots(url)
        attempt = 1
        while True:
            self._take_turn(url)
            try:
                response = self._send(method, url, *args, **kwargs)
            except RETRY_EXCEPTIONS as exc:
                if attempt >= self.policy.attempts:
                    raise
                self._pause(url, backoff_seconds(attempt, self.policy, self._rng), type(exc).__name__)
                attempt += 1
                continue
            if response.status_code not in RETRY_STATUSES or attempt >= self.policy.attempts:
                return response
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None and asked > self.policy.max_retry_after:
                return response  # the caller reports the status; we do not block for that long
            response.close()
            if asked is not None:
                self._pause(url, asked, "Retry-After")
            else:
                self._pause(
                    url, backoff_seconds(attempt, self.policy, self._rng), f"HTTP {response.status_code}"
                )
            attempt += 1

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of the URL's host lets our user agent fetch it."""
        robots = self._robots_for(url)
        if robots.disallow_all:
            return False
        return robots.parser is None or robots.parser.can_fetch(url, self.policy.user_agent)

    def _send(self, method: str, url: str, *args, **kwargs) -> requests.Response:
        self.requests_sent += 1
        return super().request(method, url, *args, **kwargs)

    def _take_turn(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        waited = limiter_for(host, self.policy.requests_per_second).acquire()
        if waited > 0.001:
            self.waits.append(Wait(url, waited, "rate limit"))

    def _pause(self, url: str, seconds: float, reason: str) -> None:
        self.waits.append(Wait(url, seconds, reason))
        time.sleep(seconds)

    def _check_robots(self, url: str) -> None:
        if not self.allowed(url):
            reason = self._robots_for(url).reason
            raise RobotsDisallowed(
                f"robots.txt of {urlsplit(url).netloc} disallows {url}" + (f" ({reason})" if reason else "")
            )

    def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        key = (origin, self.policy.user_agent)
        with _robots_lock:
            cached = _robots_cache.get(key)
            if cached is None or time.monotonic() - cached[0] > ROBOTS_MAX_AGE:
                cached = _robots_cache[key] = (time.monotonic(), self._read_robots(origin))
            return cached[1]

    def _read_robots(self, origin: str) -> _Robots:
        """Per RFC 9309: 4xx means no rules; 5xx or no answer means assume everything is disallowed.

        Read through the same guarded request as every page: redirects only to the origin's own
        host (or the policy's allowed hosts) and port, the first `ROBOTS_MAX_BYTES` decoded bytes
        (a gzip bomb inflates no further), and a total-time limit. A robots.txt that cannot be
        read within those rules disallows everything, with the reason in the error.
        """
        robots_url = f"{origin}/robots.txt"
        deadline = Deadline(self.policy.robots_total_seconds)
        limits = Limits(
            max_bytes=ROBOTS_MAX_BYTES,
            timeout=self.policy.robots_timeout,
            total_seconds=self.policy.robots_total_seconds,
        )

        def get(url: str, **kwargs: object) -> requests.Response:
            self._take_turn(url)
            return self._send("GET", url, **kwargs)

        try:
            response = open_guarded(
                get,
                robots_url,
                allowed_hosts=(urlsplit(origin).netloc, *self.policy.allowed_hosts),
                limits=limits,
                deadline=deadline,
            )
        except (FetchError, requests.RequestException) as exc:
            return _Robots(parser=None, disallow_all=True, reason=f"robots.txt unreadable: {exc}")
        with response:
            if 400 <= response.status_code < 500:
                return _Robots(parser=None)
            if response.status_code != 200:
                return _Robots(
                    parser=None, disallow_all=True, reason=f"robots.txt answered HTTP {response.status_code}"
                )
            try:
                body = b"".join(
                    iter_body(
                        response, robots_url, max_bytes=ROBOTS_MAX_BYTES, deadline=deadline, truncate=True
                    )
                )
            except FetchError as exc:
                return _Robots(parser=None, disallow_all=True, reason=f"robots.txt unreadable: {exc}")
            return _Robots(parser=Protego.parse(body.decode("utf-8", "replace")))  # RFC 9309: UTF-8
