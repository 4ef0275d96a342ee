"""A small misbehaving SRU / OAI-PMH server on 127.0.0.1 for the fault tests.

It serves real-looking SRU 1.2 searchRetrieve pages or OAI-PMH ListRecords pages from a
list of MARCXML records, and on chosen requests misbehaves instead:

- ``drop``: sends the headers and half the body, then closes the connection;
- ``close``: closes the connection without answering;
- ``503``: 503 Service Unavailable with ``Retry-After`` (``retry_after``, 1 s by default);
- ``500``: 500 Internal Server Error;
- ``truncate``: 200 with the XML cut in the middle (a consistent Content-Length);
- ``html``: 200 with an HTML error page;
- ``404``: 404 Not Found with an HTML page;
- ``badtoken``: (OAI) the badResumptionToken error;
- ``overlap``: (SRU) the page starts one record before the one asked for;
- ``entities``: (SRU) the answer declares an external entity (a local file) and an
  entity bomb, and uses them in a record;
- ``drip``: the headers at once, then the body one byte every ``drip_interval`` seconds;
- ``drip_all``: the whole answer, status line and headers too, one byte at a time;
- ``huge``: an answer of ``huge_size`` bytes (no Content-Length), made as it is sent;
- ``huge_length``: the same with its Content-Length announced;
- ``gzipbomb``: ``bomb_size`` bytes of XML gzip-compressed (about a thousandth on the wire);
- ``redirect_file`` / ``redirect_ftp``: a 302 to ``file:///etc/passwd`` / ``ftp://...``;
- ``longtoken``: (OAI) the page's resumption token is ``long_size`` characters long;
- ``longerror``: (OAI) an error whose text is ``long_size`` characters long.

``after_last`` says what the server does past its last record: None (a normal end),
``"empty"`` (OAI: a new resumption token with no records, forever; SRU: claims
``10**9`` records and sends none, with an advancing ``nextRecordPosition``) or
``"repeat"`` (the first page's records again, with a new token / position, forever).

The server is bounded: it answers at most ``max_requests`` requests (later ones are
closed unanswered) and shuts itself down ``lifetime`` seconds after it started.

Faults are planned per page ("cursor": the SRU startRecord, or for OAI "" for the first
request and the resumption token after): ``faults[cursor]`` is a list consumed one
request at a time, ``sticky[cursor]`` applies to every request until removed.
Every request is logged in ``log`` as (cursor, fault or None).
"""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SLIM_NS = "http://www.loc.gov/MARC21/slim"
SRU_NS = "http://www.loc.gov/zing/srw/"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"


class FaultServer:
    """See the module docstring.  ``records``: MARCXML <record> texts (None: an OAI deleted record)."""

    def __init__(self, records: list[str | None], protocol: str = "sru", page_size: int = 5,
                 max_requests: int = 500, lifetime: float = 120.0):
        self.records = records
        self.protocol = protocol
        self.page_size = page_size
        self.faults: dict[str, list[str]] = {}
        self.sticky: dict[str, str] = {}
        self.retry_after = "1"
        self.after_last: str | None = None
        self.drip_interval = 0.2
        self.huge_size = 200 * 1024 * 1024
        self.bomb_size = 100 * 1024 * 1024
        self.long_size = 1024 * 1024
        self.max_requests = max_requests
        self.log: list[tuple[str, str | None]] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._bomb: bytes | None = None
        handler = type("Handler", (_Handler,), {"owner": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{protocol}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        self._stopped = threading.Event()
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def gzip_bomb(self) -> tuple[bytes, int]:
        """``bomb_size`` bytes of well-formed XML (mostly a comment of spaces), gzipped: a
        multi-member gzip stream (as RFC 1952 allows), one 16 MiB member of spaces repeated,
        so that a 1 GB bomb is made in a fraction of a second."""
        if self._bomb is None:
            head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<zs:searchRetrieveResponse xmlns:zs="{SRU_NS}">'
                    "<!--").encode()
            tail = b"--></zs:searchRetrieveResponse>\n"
            block = 16 * 1024 * 1024
            left = self.bomb_size - len(head) - len(tail)
            member = gzip.compress(b" " * block, 9)
            parts = [gzip.compress(head)] + [member] * (left // block)
            parts += [gzip.compress(b" " * (left % block), 9), gzip.compress(tail)]
            self._bomb = b"".join(parts)
        return self._bomb, self.bomb_size

    def requests_for(self, cursor: str) -> int:
        return sum(1 for c, _ in self.log if c == cursor)

    def _fault(self, cursor: str) -> str | None:
        with self._lock:
            fault = self.sticky.get(cursor)
            if fault is None and self.faults.get(cursor):
                fault = self.faults[cursor].pop(0)
            self.log.append((cursor, fault))
            return fault

    # --- page bodies -----------------------------------------------------------------

    def sru_page(self, start: int, fault: str | None) -> bytes:
        first = max(1, start - 1) if fault == "overlap" else start
        chunk = self.records[first - 1:first - 1 + self.page_size]
        total = len(self.records)
        beyond = first > total and self.after_last is not None
        if self.after_last is not None:
            total = 10 ** 9
        if beyond and self.after_last == "repeat":
            chunk = self.records[:self.page_size]
        elif beyond:
            chunk = []
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        if fault == "entities":
            parts.append('<!DOCTYPE searchRetrieveResponse [\n'
                         '  <!ENTITY secret SYSTEM "file:///etc/hostname">\n'
                         '  <!ENTITY lol "lollollollollollollollollollol">\n'
                         '  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
                         '  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
                         ']>\n')
        parts.append(f'<zs:searchRetrieveResponse xmlns:zs="{SRU_NS}"><zs:version>1.2</zs:version>'
                     f"<zs:numberOfRecords>{total}</zs:numberOfRecords><zs:records>")
        for offset, record in enumerate(chunk):
            text = record or ""
            if fault == "entities" and offset == 0:
                text = text.replace("</leader>", "</leader><controlfield tag=\"009\">&secret;&lol3;</controlfield>", 1)
            parts.append(f"<zs:record><zs:recordSchema>info:srw/schema/1/marcxml-v1.1</zs:recordSchema>"
                         f"<zs:recordPacking>xml</zs:recordPacking><zs:recordData>{text}</zs:recordData>"
                         f"<zs:recordPosition>{first + offset}</zs:recordPosition></zs:record>")
        parts.append("</zs:records>")
        after = first + (self.page_size if beyond else len(chunk))
        if after <= total:
            parts.append(f"<zs:nextRecordPosition>{after}</zs:nextRecordPosition>")
        parts.append("</zs:searchRetrieveResponse>\n")
        return "".join(parts).encode("utf-8")

    def oai_page(self, cursor: str, fault: str | None) -> bytes:
        head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{OAI_NS}">'
                f"<responseDate>2024-06-01T00:00:00Z</responseDate><request verb=\"ListRecords\">{self.url}</request>")
        if fault == "badtoken":
            return (head + '<error code="badResumptionToken">The resumption token is invalid or expired.</error>'
                    "</OAI-PMH>\n").encode("utf-8")
        if fault == "longerror":
            return (head + '<error code="badArgument">' + "no such argument " * (self.long_size // 17)
                    + "</error></OAI-PMH>\n").encode("utf-8")
        page = int(cursor.split("-")[1]) if cursor else 1
        first = (page - 1) * self.page_size
        chunk = self.records[first:first + self.page_size]
        if first >= len(self.records) and self.after_last is not None:
            chunk = self.records[:self.page_size] if self.after_last == "repeat" else []
            return "".join([head, "<ListRecords>", *self._oai_records(chunk, 1),
                            f"<resumptionToken>page-{page + 1}</resumptionToken>",
                            "</ListRecords></OAI-PMH>\n"]).encode("utf-8")
        parts = [head, "<ListRecords>", *self._oai_records(chunk, first + 1)]
        if fault == "longtoken":
            parts.append(f"<resumptionToken>page-{page + 1}-{'x' * self.long_size}</resumptionToken>")
        elif first + self.page_size < len(self.records) or self.after_last is not None:
            parts.append(f'<resumptionToken completeListSize="{len(self.records)}" cursor="{first}">'
                         f"page-{page + 1}</resumptionToken>")
        else:
            parts.append(f'<resumptionToken completeListSize="{len(self.records)}" cursor="{first}"/>')
        parts.append("</ListRecords></OAI-PMH>\n")
        return "".join(parts).encode("utf-8")


    @staticmethod
    def _oai_records(chunk: list[str | None], start: int) -> list[str]:
        parts = []
        for index, record in enumerate(chunk, start=start):
            if record is None:
                parts.append(f'<record><header status="deleted"><identifier>oai:test:{index}</identifier>'
                             f"<datestamp>2024-05-01</datestamp></header></record>")
            else:
                parts.append(f"<record><header><identifier>oai:test:{index}</identifier>"
                             f"<datestamp>2024-05-01</datestamp></header><metadata>{record}</metadata></record>")
        return parts


class _Handler(BaseHTTPRequestHandler):
    owner: FaultServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        owner = self.owner
        params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if owner.protocol == "sru":
            cursor = params.get("startRecord", "1")
        else:
            cursor = params.get("resumptionToken", "")
        if len(owner.log) >= owner.max_requests:  # bounded: no answer beyond max_requests
            self.close_connection = True
            return
        fault = owner._fault(cursor)
        try:
            self._answer(owner, cursor, fault)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: fine
            self.close_connection = True

    def _answer(self, owner: FaultServer, cursor: str, fault: str | None) -> None:
        if fault in ("redirect_file", "redirect_ftp"):
            target = "file:///etc/passwd" if fault == "redirect_file" else "ftp://127.0.0.1:21/catalogue.xml"
            self._send(302, b"moved\n", "text/plain", {"Location": target})
            return
        if fault in ("huge", "huge_length"):
            self._huge(owner, fault == "huge_length")
            return
        if fault == "gzipbomb":
            body, _size = owner.gzip_bomb()
            self._send(200, body, "text/xml; charset=utf-8", {"Content-Encoding": "gzip"})
            return
        if fault == "close":
            self.close_connection = True
            return
        if fault == "503":
            self._send(503, b"busy\n", "text/plain", {"Retry-After": owner.retry_after})
            return
        if fault == "500":
            self._send(500, b"internal error\n", "text/plain")
            return
        if fault == "404":
            self._send(404, b"<html><body>Not Found</body></html>\n", "text/html")
            return
        if fault == "html":
            self._send(200, b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>\n", "text/html")
            return
        if owner.protocol == "sru":
            body = owner.sru_page(int(cursor), fault)
        else:
            body = owner.oai_page(cursor, fault)
        if fault == "truncate":
            self._send(200, body[:len(body) * 2 // 3], "text/xml; charset=utf-8")
            return
        if fault == "drip_all":
            head = (f"HTTP/1.0 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\nX-Padding: {'p' * 200}\r\n\r\n").encode()
            self._drip(owner, head + body)
            return
        if fault == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            self._drip(owner, body)
            return
        if fault == "drop":
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(200, body, "text/xml; charset=utf-8")

    def _drip(self, owner: FaultServer, data: bytes) -> None:
        for k in range(len(data)):
            if owner._stopped.is_set():
                break
            self.wfile.write(data[k:k + 1])
            self.wfile.flush()
            owner.bytes_sent += 1
            time.sleep(owner.drip_interval)
        self.close_connection = True

    def _huge(self, owner: FaultServer, announce: bool) -> None:
        """``huge_size`` bytes of XML, made as they are sent (until the client hangs up)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        if announce:
            self.send_header("Content-Length", str(owner.huge_size))
        self.end_headers()
        head = f'<?xml version="1.0" encoding="UTF-8"?>\n<zs:searchRetrieveResponse xmlns:zs="{SRU_NS}"><!--'
        self.wfile.write(head.encode())
        left = owner.huge_size - len(head)
        block = b" " * 65536
        while left > 0 and not owner._stopped.is_set():
            self.wfile.write(block[:min(left, len(block))])
            owner.bytes_sent += min(left, len(block))
            left -= len(block)
        self.close_connection = True

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
