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
  entity bomb, and uses them in a record.

Faults are planned per page ("cursor": the SRU startRecord, or for OAI "" for the first
request and the resumption token after): ``faults[cursor]`` is a list consumed one
request at a time, ``sticky[cursor]`` applies to every request until removed.
Every request is logged in ``log`` as (cursor, fault or None).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SLIM_NS = "http://www.loc.gov/MARC21/slim"
SRU_NS = "http://www.loc.gov/zing/srw/"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"


class FaultServer:
    """See the module docstring.  ``records``: MARCXML <record> texts (None: an OAI deleted record)."""

    def __init__(self, records: list[str | None], protocol: str = "sru", page_size: int = 5):
        self.records = records
        self.protocol = protocol
        self.page_size = page_size
        self.faults: dict[str, list[str]] = {}
        self.sticky: dict[str, str] = {}
        self.retry_after = "1"
        self.log: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"owner": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{protocol}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

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
        after = first + len(chunk)
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
        page = int(cursor.split("-")[1]) if cursor else 1
        first = (page - 1) * self.page_size
        chunk = self.records[first:first + self.page_size]
        parts = [head, "<ListRecords>"]
        for index, record in enumerate(chunk, start=first + 1):
            if record is None:
                parts.append(f'<record><header status="deleted"><identifier>oai:test:{index}</identifier>'
                             f"<datestamp>2024-05-01</datestamp></header></record>")
            else:
                parts.append(f"<record><header><identifier>oai:test:{index}</identifier>"
                             f"<datestamp>2024-05-01</datestamp></header><metadata>{record}</metadata></record>")
        if first + self.page_size < len(self.records):
            parts.append(f'<resumptionToken completeListSize="{len(self.records)}" cursor="{first}">'
                         f"page-{page + 1}</resumptionToken>")
        else:
            parts.append(f'<resumptionToken completeListSize="{len(self.records)}" cursor="{first}"/>')
        parts.append("</ListRecords></OAI-PMH>\n")
        return "".join(parts).encode("utf-8")


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
        fault = owner._fault(cursor)
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

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
