"""A real OAI-PMH server for the tests: ``oaipmh.server.Server`` on 127.0.0.1.

The ``oaipmh`` package (PyPI ``oaipmh`` >= 4, the maintained fork of pyoai; pyoai 2.5.0
itself calls ``cgi.parse_qs``, which Python 3.8 removed, so its resumption tokens fail)
implements the protocol: verbs, argument checks, resumption
tokens (``resumption_batch_size`` records a page), errors such as
cannotDisseminateFormat and badResumptionToken.  What is ours is only the data behind
it: ``MemoryRepository``, an in-memory repository of MARC 21 records (some deleted,
in sets, with datestamps), and a few lines of WSGI glue served by wsgiref in a thread.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree
from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import Server, oai_dc_writer

MARC_PREFIX = "marc21"
SLIM_NS = "http://www.loc.gov/MARC21/slim"


@dataclass
class Item:
    """One repository item: OAI identifier, datestamp, sets, the MARC record element (None if deleted)."""

    identifier: str
    datestamp: datetime
    sets: list[str]
    marc: etree._Element | None
    title: str = ""

    @property
    def deleted(self) -> bool:
        return self.marc is None


class MemoryRepository:
    """The oaipmh IOAI interface over a list of Items, in list order."""

    def __init__(self, items: list[Item], base_url: str = "http://127.0.0.1/oai"):
        self.items = items
        self.base_url = base_url

    def identify(self):
        return common.Identify(
            repositoryName="rabiskit test repository", baseURL=self.base_url, protocolVersion="2.0",
            adminEmails=["admin@example.kz"], earliestDatestamp=datetime(2024, 1, 1),
            deletedRecord="persistent", granularity="YYYY-MM-DDThh:mm:ssZ", compression=["identity"])

    def listMetadataFormats(self, identifier=None):
        return [(MARC_PREFIX, "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", SLIM_NS),
                ("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                 "http://www.openarchives.org/OAI/2.0/oai_dc/")]

    def listSets(self):
        names = sorted({s for item in self.items for s in item.sets})
        return [(name, name, None) for name in names]

    def _select(self, metadataPrefix, set=None, from_=None, until=None):
        if metadataPrefix not in (MARC_PREFIX, "oai_dc"):
            raise error.CannotDisseminateFormatError(f"unknown metadata format {metadataPrefix}")
        for item in self.items:
            if set is not None and set not in item.sets:
                continue
            if from_ is not None and item.datestamp < from_:
                continue
            if until is not None and item.datestamp > until:
                continue
            yield item

    def _header(self, item: Item):
        return common.Header(None, item.identifier, item.datestamp, item.sets, item.deleted)

    def _metadata(self, item: Item):
        if item.deleted:
            return None
        return common.Metadata(item.marc, {"title": [item.title], "identifier": [item.identifier]})

    def listIdentifiers(self, metadataPrefix, set=None, from_=None, until=None):
        return [self._header(item) for item in self._select(metadataPrefix, set, from_, until)]

    def listRecords(self, metadataPrefix, set=None, from_=None, until=None):
        return [(self._header(item), self._metadata(item), None)
                for item in self._select(metadataPrefix, set, from_, until)]

    def getRecord(self, metadataPrefix, identifier):
        for item in self._select(metadataPrefix):
            if item.identifier == identifier:
                return self._header(item), self._metadata(item), None
        raise error.IdDoesNotExistError(identifier)


def marc21_writer(element, metadata) -> None:
    """oaipmh metadata writer: the MARC record element itself, in the slim namespace."""
    element.append(copy.deepcopy(metadata.element()))


def make_wsgi_app(repository: MemoryRepository, batch_size: int):
    """A WSGI application answering OAI-PMH requests with oaipmh's Server."""
    registry = MetadataRegistry()
    registry.registerWriter(MARC_PREFIX, marc21_writer)
    registry.registerWriter("oai_dc", oai_dc_writer)
    server = Server(repository, registry, resumption_batch_size=batch_size)

    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8")
        request = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
        body = server.handleRequest(request)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class RunningOai:
    """An oaipmh server in a background thread; ``url`` is its base URL."""

    def __init__(self, repository: MemoryRepository, batch_size: int):
        self.httpd: WSGIServer = make_server("127.0.0.1", 0, make_wsgi_app(repository, batch_size),
                                             handler_class=_QuietHandler)
        port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{port}/oai"
        repository.base_url = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
