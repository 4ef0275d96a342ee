"""One HTTP session for a whole harvest: timeouts, retries with backoff, Retry-After, rate limit.

``HttpClient.get_xml`` is what the SRU and OAI-PMH harvesters call: it fetches a URL,
retries connection errors, 5xx answers and broken (truncated) XML, waits as long as a
503's ``Retry-After`` asks, keeps at least ``min_interval`` seconds between requests,
and parses the answer with entities and network access switched off.

Every request has a whole deadline: the answer must be complete ``read_timeout`` seconds
after the request was sent, however the server spreads its bytes (a server dripping one
byte a second cannot hold a request longer).  The body is read in chunks as it comes,
decompressed here (gzip, deflate) and fed to the XML parser as it is read, and it is
counted after decompression: an answer larger than ``max_response`` bytes (a gzip bomb
too) stops at that size, is not retried, and ends the harvest with ResponseTooLarge.
A redirect to anything but http(s) (``file://``, ``ftp://``) is refused and named.
"""

from __future__ import annotations

import email.utils
import re
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from urllib.parse import urlsplit

import requests
import urllib3.connection
import urllib3.connectionpool
from lxml import etree
from requests.adapters import HTTPAdapter

from rabiskit.i18n import N_
from rabiskit import __version__
from rabiskit.harvest.errors import (HttpStatusError, ProtocolError, ResponseTooLarge, ServerUnreachable,
                                     UsageError, clip)
from rabiskit.i18n import _

USER_AGENT = f"rabiskit/{__version__} (catalogue harvester)"
#: the default cap on one answer, after decompression (an SRU page of 50 MARCXML records
#: is well under 1 MB; a whole OAI-PMH page rarely above 10 MB)
DEFAULT_MAX_RESPONSE = 64 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpPolicy:
    """How patient the client is.

    connect_timeout: seconds to wait for a connection.
    read_timeout: seconds for the whole answer, from sending the request to its last byte
        (also the longest silence in the middle of it).
    retries: how many times a failed request is tried again (so retries + 1 tries in all).
    backoff: the first wait after a failure, in seconds; doubled after each further failure.
    max_backoff: no single backoff wait is longer than this.
    max_retry_after: a 503/429 ``Retry-After`` longer than this is not waited for: the harvest
        stops (and can be resumed later) instead.
    min_interval: at least this many seconds between two requests (0: no rate limit).
    max_response: the largest answer read, in bytes after decompression.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    min_interval: float = 0.0
    max_response: int = DEFAULT_MAX_RESPONSE


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
        return N_("no connection within {connect_timeout:g} s").format(connect_timeout=policy.connect_timeout)
    if isinstance(exc, (requests.ReadTimeout, socket.timeout, TimeoutError)) or "timed out" in str(exc):
        return N_("the server sent nothing for {read_timeout:g} s").format(read_timeout=policy.read_timeout)
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
    if "IncompleteRead" in text or "Connection broken" in text:
        return "the connection was dropped in the middle of the answer"
    return "connection failed"


def _looks_like_html(answer: HttpAnswer) -> bool:
    head = answer.body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    return "html" in answer.content_type.lower() and not head.startswith(b"<?xml")


class _Deadline(Exception):
    """The whole answer did not arrive before the request's deadline."""


# -- the watchdog: a request's deadline holds in every phase ---------------------------------
# Socket timeouts bound each read, not the request: a server can send its status line and
# headers one byte at a time.  A timer per request shuts the connection's socket down at
# the deadline, which ends any read in progress; the connection classes below tell the
# timer which connection the request is using (redirects included).
_ACTIVE = threading.local()


class _Watch:
    """The deadline of one request and the connection it is on."""

    def __init__(self, seconds: float):
        self.fired = False
        self.conn = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> "_Watch":
        _ACTIVE.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _ACTIVE.watch = None

    def attach(self, conn) -> None:
        with self._lock:
            self.conn = conn
            if self.fired:
                _shutdown(conn)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self.conn is not None:
                _shutdown(self.conn)


def _shutdown(conn) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _WatchedMixin:
    def request(self, *args, **kwargs):
        watch = getattr(_ACTIVE, "watch", None)
        if watch is not None:
            watch.attach(self)
        return super().request(*args, **kwargs)


class _HTTPConnection(_WatchedMixin, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_WatchedMixin, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections the request's watchdog can reach."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class _BrokenBody(Exception):
    """The answer's body could not be read to its end (dropped, reset, silent too long)."""


class _Decoder:
    """The answer's Content-Encoding undone here, chunk by chunk, never more than CHUNK
    bytes of output at a time (so a gzip bomb is counted as it unpacks)."""

    def __init__(self, encoding: str):
        names = [e.strip().lower() for e in encoding.split(",") if e.strip()]
        names = [e for e in names if e != "identity"]
        if len(names) > 1 or (names and names[0] not in ("gzip", "x-gzip", "deflate")):
            raise ProtocolError(_("the server sent the answer in an encoding rabiskit does not read "
                                  "(Content-Encoding: {encoding})").format(encoding=clip(encoding)))
        self.kind = names[0] if names else None
        self._z = self._new(first=True)

    def _new(self, first: bool = False, raw: bool = False):
        if self.kind is None:
            return None
        if self.kind in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def decode(self, data: bytes):
        if self._z is None:
            yield data
            return
        while data:
            try:
                out = self._z.decompress(data, CHUNK)
            except zlib.error:
                if self.kind == "deflate" and self._z.total_in == 0 and not getattr(self, "_raw", False):
                    self._raw = True  # 'deflate' sent as raw deflate (no zlib header), as IIS does
                    self._z = self._new(raw=True)
                    continue
                raise ProtocolError(_("the server's compressed answer is damaged (it does not unpack)")) from None
            if out:
                yield out
            data = self._z.unconsumed_tail
            if self._z.eof:
                rest = self._z.unused_data
                if rest.strip(b"\0"):  # another gzip member follows
                    self._z = self._new()
                    data = rest
                else:
                    data = b""

    def finish(self):
        if self._z is not None:
            out = self._z.flush()
            if out:
                yield out


def _socket_of(response) -> socket.socket | None:
    """The socket under a streamed requests response, when it can be reached."""
    try:
        return response.raw._fp.fp.raw._sock
    except AttributeError:
        return None


class _BytesSink:
    """Collects the body (for ``HttpClient.get``)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.size = 0

    def __call__(self, chunk: bytes) -> None:
        self.data += chunk
        self.size += len(chunk)

    @property
    def head(self) -> bytes:
        return bytes(self.data[:512])


class _XmlSink:
    """Feeds the body to a safe lxml parser as it is read; keeps only its first 512 bytes."""

    def __init__(self) -> None:
        self.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                      dtd_validation=False, huge_tree=False, remove_blank_text=False)
        self._head = bytearray()
        self.size = 0
        self.error: etree.XMLSyntaxError | None = None

    def __call__(self, chunk: bytes) -> None:
        if len(self._head) < 512:
            self._head += chunk[:512 - len(self._head)]
        self.size += len(chunk)
        if self.error is None:
            try:
                self.parser.feed(chunk)
            except etree.XMLSyntaxError as exc:
                self.error = exc

    @property
    def head(self) -> bytes:
        return bytes(self._head)

    def root(self) -> etree._Element:
        if self.error is not None:
            raise self.error
        if not self.size:
            raise etree.XMLSyntaxError("the answer was empty", None, 0, 0)
        return self.parser.close()


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
        self.session.headers["User-Agent"] = USER_AGENT
        # the encodings decoded here (brotli and zstd would need modules of their own)
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _WatchedAdapter())

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

    def _too_large(self, url: str) -> ResponseTooLarge:
        cap = self.policy.max_response
        size = f"{cap / 1048576:g} MB" if cap >= 1048576 else N_("{cap:,} bytes").format(cap=cap)
        return ResponseTooLarge(
            _("{host} sent an answer larger than {size} (counted unpacked) for one page; stopping "
              "without asking again (ask for smaller pages with --batch, or allow more with "
              "--max-response)").format(host=_host(url), size=size))

    def _read_body(self, response, deadline: float, sink) -> None:
        """Read the streamed body into ``sink`` before ``deadline`` (monotonic), decoded,
        never more than ``max_response`` bytes."""
        policy = self.policy
        length = response.headers.get("Content-Length", "")
        encoding = response.headers.get("Content-Encoding", "")
        if length.strip().isdigit() and not encoding.strip() and int(length) > policy.max_response:
            raise self._too_large(response.url)
        decoder = _Decoder(encoding)
        sock = _socket_of(response)
        raw = response.raw
        total = 0

        def take(pieces) -> None:
            nonlocal total
            for piece in pieces:
                total += len(piece)
                if total > policy.max_response:
                    raise self._too_large(response.url)
                sink(piece)

        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Deadline()
            if sock is not None:
                try:
                    sock.settimeout(max(0.001, min(policy.read_timeout, remaining)))
                except OSError:  # closed under us (the server hung up): the read says so
                    sock = None
            try:
                data = raw.read1(CHUNK, decode_content=False)
            except Exception as exc:  # urllib3 / http.client / socket errors, all of them
                if time.monotonic() >= deadline or getattr(getattr(_ACTIVE, "watch", None), "fired", False):
                    raise _Deadline() from None
                raise _BrokenBody(_describe(exc, policy)) from None
            if not data:
                if getattr(getattr(_ACTIVE, "watch", None), "fired", False):
                    raise _Deadline()  # the watchdog cut the connection
                break
            take(decoder.decode(data))
        take(decoder.finish())

    def _fetch(self, url: str, params: dict[str, str] | None, make_sink) -> tuple[HttpAnswer, object]:
        """GET with retries; the body goes to a new ``make_sink()`` per try.  Returns the
        answer (its ``body`` empty) and the sink of the try that got it."""
        policy = self.policy
        problem = ""
        for attempt in range(policy.retries + 1):
            self._pace()
            self.requests_made += 1
            deadline = time.monotonic() + policy.read_timeout
            with _Watch(policy.read_timeout) as watch:
                answer, sink, failure = self._try(url, params, make_sink, deadline, attempt, watch)
            if failure is None:
                return answer, sink
            problem, wait, reason = failure
            if attempt == policy.retries:
                break
            self._wait(reason, wait)
        tries = policy.retries + 1
        raise ServerUnreachable((N_("cannot get an answer from {host}: {problem} ({tries} try)") if tries == 1 else N_("cannot get an answer from {host}: {problem} ({tries} tries)")).format(
            host=_host(url), problem=problem, tries=tries))

    def _try(self, url: str, params, make_sink, deadline: float, attempt: int, watch: _Watch):
        """One try: (answer, sink, None), or (None, None, (problem, seconds to wait, reason))
        when it is worth trying again."""
        policy = self.policy
        late = _("the whole answer did not come within {seconds} s").format(
            seconds=f"{policy.read_timeout:g}")
        try:
            resp = self.session.get(url, params=params, stream=True,
                                    timeout=(policy.connect_timeout, policy.read_timeout))
        except requests.exceptions.InvalidSchema as exc:
            target = re.search(r"'([^']*)'", str(exc))
            where = clip(target.group(1)) if target else "?"
            raise ServerUnreachable(_("{host} redirected the request to {target}, which is not a web "
                                      "address (http or https); rabiskit does not follow it").format(
                host=_host(url), target=where)) from None
        except requests.TooManyRedirects:
            raise ServerUnreachable(_("{host} redirects the request in a loop (more than {n} "
                                      "redirects)").format(host=_host(url), n=self.session.max_redirects)) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.URLRequired) as exc:
            raise ServerUnreachable(_("{host} redirected the request to an address that is not "
                                      "usable ({error})").format(host=_host(url), error=clip(exc))) from None
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            problem = late if watch.fired else _describe(exc, policy)
            wait, reason = self._backoff(attempt), N_("retry after error: {problem}").format(problem=problem)
        except requests.RequestException as exc:
            raise ServerUnreachable(N_("cannot get an answer from {host}: {exc}").format(host=_host(url), exc=clip(exc))) from None
        else:
            with resp:
                status = resp.status_code
                if status < 500 and status != 429:
                    sink = make_sink()
                    try:
                        self._read_body(resp, deadline, sink)
                    except _Deadline:
                        problem = late
                        wait, reason = self._backoff(attempt), N_("retry after error: {problem}").format(problem=problem)
                    except _BrokenBody as exc:
                        problem = str(exc)
                        wait, reason = self._backoff(attempt), N_("retry after error: {problem}").format(problem=problem)
                    else:
                        answer = HttpAnswer(resp.url, status, resp.headers.get("Content-Type", ""), b"")
                        return answer, sink, None
                else:
                    problem = N_("HTTP {status} {v}").format(status=status, v=clip(resp.reason or '', 60)).strip()
                    retry_after = (parse_retry_after(resp.headers.get("Retry-After"))
                                   if status in (429, 503) else None)
                    if retry_after is not None:
                        if retry_after > policy.max_retry_after:
                            raise ServerUnreachable(
                                N_("{host} is busy ({problem}) and asks to wait {retry_after:.0f} s; try again later").format(host=_host(url), problem=problem, retry_after=retry_after))
                        wait, reason = retry_after, N_("Retry-After ({problem})").format(problem=problem)
                    else:
                        wait, reason = self._backoff(attempt), N_("retry after {problem}").format(problem=problem)
        return None, None, (problem, wait, reason)

    def get(self, url: str, params: dict[str, str] | None = None) -> HttpAnswer:
        """GET with retries. Returns any answer below 500 (4xx included: it may carry a diagnostic).

        Connection errors, timeouts (the whole answer late), dropped connections, 429 and 5xx
        are retried; a 503 or 429 with Retry-After waits that long (unless longer than
        ``max_retry_after``).  Raises ServerUnreachable when every try failed, and
        ResponseTooLarge (at once) for an answer over ``max_response``.
        """
        answer, sink = self._fetch(url, params, _BytesSink)
        answer.body = bytes(sink.data)
        return answer

    def get_xml(self, url: str, params: dict[str, str] | None = None) -> etree._Element:
        """GET and parse as XML (as the body is read); broken XML (e.g. a truncated answer)
        is fetched again.  An HTML page, or a 4xx answer that is not XML, is not retried.
        """
        error = ""
        for attempt in range(self.policy.retries + 1):
            answer, sink = self._fetch(url, params, _XmlSink)
            answer.body = sink.head
            if _looks_like_html(answer):
                if answer.status >= 400:
                    raise HttpStatusError(N_("{host} answered HTTP {status} for {url}").format(host=_host(url), status=answer.status, url=clip(answer.url)),
                                          answer.status)
                raise ProtocolError(N_("{host} answered with a web page, not XML: is {url} the SRU / OAI-PMH address?").format(host=_host(url), url=clip(url)))
            try:
                return sink.root()
            except etree.XMLSyntaxError as exc:
                if answer.status >= 400:
                    raise HttpStatusError(N_("{host} answered HTTP {status} for {url}").format(host=_host(url), status=answer.status, url=clip(answer.url)),
                                          answer.status) from None
                line = getattr(exc, "lineno", None)
                error = clip(f"{exc.msg if hasattr(exc, 'msg') else exc}") + (N_(" (line {line})").format(line=line) if line else "")
                if not sink.size or not answer.body.strip():
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
