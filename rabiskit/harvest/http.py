"""One HTTP session for a whole harvest: timeouts, retries with backoff, Retry-After, rate limit.

``HttpClient.get_xml`` is what the SRU and OAI-PMH harvesters call: it fetches a URL,
retries connection errors, 5xx answers and broken (truncated) XML, waits as long as a
503's ``Retry-After`` asks, keeps at least ``min_interval`` seconds between requests,
and parses the answer with entities and network access switched off.
"""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

import requests
from lxml import etree

from rabiskit.i18n import N_
from rabiskit import __version__
from rabiskit.harvest.errors import HttpStatusError, ProtocolError, ServerUnreachable, UsageError

USER_AGENT = f"rabiskit/{__version__} (catalogue harvester)"


@dataclass(frozen=True)
class HttpPolicy:
    """How patient the client is.

    connect_timeout / read_timeout: seconds (requests' (connect, read) timeout pair).
    retries: how many times a failed request is tried again (so retries + 1 tries in all).
    backoff: the first wait after a failure, in seconds; doubled after each further failure.
    max_backoff: no single backoff wait is longer than this.
    max_retry_after: a 503/429 ``Retry-After`` longer than this is not waited for: the harvest
        stops (and can be resumed later) instead.
    min_interval: at least this many seconds between two requests (0: no rate limit).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    min_interval: float = 0.0


@dataclass
class Wait:
    """One pause the client made: why, and for how many seconds."""

    reason: str
    seconds: float


@dataclass
class HttpAnswer:
    """The parts of an HTTP answer the harvesters look at."""

    url: str
    status: int
    content_type: str
    body: bytes


def safe_parser() -> etree.XMLParser:
    """An lxml parser that expands no entities, loads no DTD and never touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_xml(data: bytes | str) -> etree._Element:
    """Parse XML text safely; a string may carry an XML declaration (it is dropped first)."""
    if isinstance(data, str):
        data = re.sub(r"^\s*<\?xml[^>]*\?>", "", data, count=1)
        data = data.strip().encode("utf-8")
    return etree.fromstring(data, parser=safe_parser())


def check_url(url: str) -> str:
    """The URL as given, or UsageError when it is not an http(s) address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(N_("'{url}' is not a web address: it must start with http:// or https://").format(
            url=url))
    return url


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _describe(exc: Exception, policy: HttpPolicy) -> str:
    """Plain words for a requests exception."""
    if isinstance(exc, requests.ConnectTimeout):
        return N_("no connection within {connect_timeout:g} s").format(
            connect_timeout=policy.connect_timeout)
    if isinstance(exc, requests.ReadTimeout):
        return N_("the server sent nothing for {read_timeout:g} s").format(
            read_timeout=policy.read_timeout)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the connection was dropped in the middle of the answer"
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused (is the server running, is the port right?)"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the server closed the connection without answering"
    if "Name or service not known" in text or "getaddrinfo failed" in text or "nodename nor servname" in text:
        return "unknown host name"
    if "Connection reset" in text:
        return "the connection was reset"
    return "connection failed"


def _looks_like_html(answer: HttpAnswer) -> bool:
    head = answer.body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    return "html" in answer.content_type.lower() and not head.startswith(b"<?xml")


@dataclass
class HttpClient:
    """A requests session plus the policy.

    ``waits`` records every pause made (reason, seconds); ``sent_at`` the monotonic time at
    which each request was sent; ``requests_made`` how many were sent.  ``on_wait``, when
    set, is told about each pause before it starts (the command line shows it).
    """

    session: requests.Session = field(default_factory=requests.Session)
    policy: HttpPolicy = field(default_factory=HttpPolicy)
    sleep: Callable[[float], None] = time.sleep
    waits: list[Wait] = field(default_factory=list)
    requests_made: int = 0
    sent_at: list[float] = field(default_factory=list)
    on_wait: Callable[[Wait], None] | None = None

    def __post_init__(self) -> None:
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self.session.close()

    def _wait(self, reason: str, seconds: float) -> None:
        if seconds <= 0:
            return
        wait = Wait(reason, seconds)
        self.waits.append(wait)
        if self.on_wait is not None:
            self.on_wait(wait)
        self.sleep(seconds)

    def _pace(self) -> None:
        if self.policy.min_interval > 0 and self.sent_at:
            gap = self.sent_at[-1] + self.policy.min_interval - time.monotonic()
            if gap > 0:
                self._wait("rate limit", gap)
        self.sent_at.append(time.monotonic())

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.max_backoff, self.policy.backoff * (2 ** attempt))

    def get(self, url: str, params: dict[str, str] | None = None) -> HttpAnswer:
        """GET with retries. Returns any answer below 500 (4xx included: it may carry a diagnostic).

        Connection errors, timeouts, dropped connections, 429 and 5xx are retried; a 503 or 429
        with Retry-After waits that long (unless longer than ``max_retry_after``).
        Raises ServerUnreachable when every try failed.
        """
        policy = self.policy
        problem = ""
        for attempt in range(policy.retries + 1):
            self._pace()
            self.requests_made += 1
            try:
                resp = self.session.get(url, params=params,
                                        timeout=(policy.connect_timeout, policy.read_timeout))
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                problem = _describe(exc, policy)
                wait, reason = self._backoff(attempt), N_("retry after error: {problem}").format(
                    problem=problem)
            else:
                status = resp.status_code
                if status < 500 and status != 429:
                    return HttpAnswer(resp.url, status, resp.headers.get("Content-Type", ""), resp.content)
                problem = N_("HTTP {status} {v}").format(status=status, v=resp.reason or '').strip()
                retry_after = parse_retry_after(resp.headers.get("Retry-After")) if status in (429, 503) else None
                if retry_after is not None:
                    if retry_after > policy.max_retry_after:
                        raise ServerUnreachable(
                            N_("{host} is busy ({problem}) and asks to wait {retry_after:.0f} s; try again later").format(
                                host=_host(url), problem=problem, retry_after=retry_after))
                    wait, reason = retry_after, N_("Retry-After ({problem})").format(
                        problem=problem)
                else:
                    wait, reason = self._backoff(attempt), N_("retry after {problem}").format(
                        problem=problem)
            if attempt == policy.retries:
                break
            self._wait(reason, wait)
        tries = policy.retries + 1
        raise ServerUnreachable((N_("cannot get an answer from {host}: {problem} ({tries} try)") if tries == 1 else N_("cannot get an answer from {host}: {problem} ({tries} tries)")).format(
            host=_host(url), problem=problem, tries=tries))

    def get_xml(self, url: str, params: dict[str, str] | None = None) -> etree._Element:
        """GET and parse as XML; broken XML (e.g. a truncated answer) is fetched again.

        An HTML page, or a 4xx answer that is not XML, is not retried.
        """
        error = ""
        for attempt in range(self.policy.retries + 1):
            answer = self.get(url, params)
            if _looks_like_html(answer):
                if answer.status >= 400:
                    raise HttpStatusError(N_("{host} answered HTTP {status} for {url}").format(
                        host=_host(url), status=answer.status, url=answer.url),
                                          answer.status)
                raise ProtocolError(N_("{host} answered with a web page, not XML: is {url} the SRU / OAI-PMH address?").format(
                    host=_host(url), url=url))
            try:
                return parse_xml(answer.body)
            except etree.XMLSyntaxError as exc:
                if answer.status >= 400:
                    raise HttpStatusError(N_("{host} answered HTTP {status} for {url}").format(
                        host=_host(url), status=answer.status, url=answer.url),
                                          answer.status) from None
                line = getattr(exc, "lineno", None)
                error = f"{exc.msg if hasattr(exc, 'msg') else exc}" + (N_(" (line {line})").format(
                    line=line) if line else "")
                if not answer.body.strip():
                    error = "the answer was empty"
            if attempt < self.policy.retries:
                self._wait(N_("retry after broken XML: {error}").format(
                    error=error), self._backoff(attempt))
        raise ProtocolError(N_("{host} keeps sending broken XML: {error}").format(
            host=_host(url), error=error))


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


# What the harvesters accept as their first argument: an HttpClient, a bare requests session
# (used with the default policy) or None (a new session).
AnyClient = HttpClient | requests.Session | None


def as_client(client: AnyClient) -> HttpClient:
    """An HttpClient from an HttpClient, a bare requests session (default policy) or None (new session)."""
    if isinstance(client, HttpClient):
        return client
    if client is None:
        return HttpClient()
    return HttpClient(session=client)
