"""SRU searchRetrieve harvesting (SRU 1.1, 1.2 and 2.0), page by page.

``iter_sru_pages`` asks for ``batch`` records at a time from ``startRecord`` on, until the
server's ``numberOfRecords`` is reached, and yields a ``Page`` per answer;
``iter_sru_records`` yields the records one by one.  SRU diagnostics become
``Diagnostic`` exceptions with the server's message; per-record (surrogate)
diagnostics are reported in ``Page.skipped`` and the harvest goes on.
"""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from rabiskit.i18n import N_
from rabiskit.harvest.errors import Diagnostic, ProtocolError, UsageError, clip
from rabiskit.harvest.http import AnyClient, as_client, check_url, parse_xml
from rabiskit.harvest.page import Page
from rabiskit.harvest.records import HarvestedRecord, harvested, localname, marc_records_in

SRU_VERSIONS = ("1.1", "1.2", "2.0")

# Common SRU diagnostics (info:srw/diagnostic/1/N), for servers that send no message of their own.
DIAGNOSTIC_NAMES = {
    "1": "general system error",
    "4": "unsupported operation",
    "5": "unsupported version",
    "6": "unsupported parameter value",
    "7": "mandatory parameter not supplied",
    "8": "unsupported parameter",
    "10": "query syntax error",
    "15": "unsupported context set",
    "16": "unsupported index",
    "19": "unsupported relation",
    "61": "first record position out of range",
    "64": "record temporarily unavailable",
    "65": "record does not exist",
    "66": "unknown schema for retrieval",
    "67": "record not available in this schema",
    "68": "not authorised to send record",
    "71": "unsupported record packing",
}


def sru_params(query: str, schema: str | None, start: int, batch: int, version: str) -> dict[str, str]:
    """The searchRetrieve request parameters for one page."""
    params = {
        "version": version,
        "operation": "searchRetrieve",
        "query": query,
        "startRecord": str(start),
        "maximumRecords": str(batch),
    }
    if version == "2.0":
        params["recordXMLEscaping"] = "xml"
    else:
        params["recordPacking"] = "xml"
    if schema:
        params["recordSchema"] = schema
    return params


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if localname(child) == name:
            return child
    return None


def _child_text(element: etree._Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None:
        return None
    return "".join(child.itertext()).strip()


def _int(text: str | None, what: str) -> int | None:
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise ProtocolError(N_("the SRU answer's {what} is not a number: {text}").format(what=what, text=clip(repr(text)))) from None


def diagnostic_message(element: etree._Element) -> tuple[str, str, str]:
    """(uri, message, details) of an SRU <diagnostic> element."""
    uri = _child_text(element, "uri") or ""
    message = _child_text(element, "message") or ""
    details = _child_text(element, "details") or ""
    number = uri.rsplit("/", 1)[-1] if uri.startswith("info:srw/diagnostic/1/") else ""
    if not message:
        message = DIAGNOSTIC_NAMES.get(number, "")
    label = N_("SRU diagnostic {number}").format(number=clip(number, 20)) if number else N_("SRU diagnostic {v}").format(v=clip(uri or '(no code)', 80))
    text = f"{label}: {clip(message)}" if message else label
    if details:
        text += f" ({clip(details)})"
    return uri, text, details


def _payload(record: etree._Element) -> etree._Element | None:
    """The XML inside <recordData>, parsing it when the server packed it as a string."""
    data = _child(record, "recordData")
    if data is None:
        return None
    elements = [c for c in data if isinstance(c.tag, str)]
    if elements:
        return elements[0]
    text = (data.text or "").strip()
    if not text.startswith("<"):
        return None
    try:
        return parse_xml(text)
    except etree.XMLSyntaxError as exc:
        raise ProtocolError(N_("a record sent as a string is not well-formed XML: {exc}").format(exc=clip(exc))) from None


def parse_sru_page(root: etree._Element, start: int) -> Page:
    """One searchRetrieve answer (any SRU version) as a Page; ``start`` is the startRecord asked for."""
    name = localname(root)
    if name != "searchRetrieveResponse":
        if name == "explainResponse":
            raise ProtocolError("the server answered with its Explain record instead of search results")
        if name == "diagnostic":  # some servers answer a bad request with a bare diagnostic
            uri, text, details = diagnostic_message(root)
            raise Diagnostic(text, uri, details)
        raise ProtocolError(N_("the answer is not an SRU searchRetrieve response (it is <{name}>)").format(name=clip(name, 60)))

    diagnostics = _child(root, "diagnostics")
    if diagnostics is not None:
        found = [d for d in diagnostics if localname(d) == "diagnostic"]
        if found:
            uri, text, details = diagnostic_message(found[0])
            raise Diagnostic(text, uri, details)

    total = _int(_child_text(root, "numberOfRecords"), "numberOfRecords")
    if total is None:
        raise ProtocolError("the SRU answer does not say how many records were found (no numberOfRecords)")

    records: list[HarvestedRecord] = []
    skipped: list[str] = []
    surrogate: tuple[str, str, str] | None = None
    entries = []
    holder = _child(root, "records")
    if holder is not None:
        entries = [r for r in holder if localname(r) == "record"]
    for index, entry in enumerate(entries):
        position = _int(_child_text(entry, "recordPosition"), "recordPosition") or start + index
        payload = _payload(entry)
        schema = _child_text(entry, "recordSchema") or ""
        if (payload is not None and localname(payload) == "diagnostic") or "diagnostic" in schema:
            if payload is not None:
                surrogate = diagnostic_message(payload)
                skipped.append(N_("record {position}: {surrogate}").format(
                    position=position, surrogate=surrogate[1]))
            else:
                skipped.append(N_("record {position}: the server could not send it").format(
                    position=position))
            continue
        if payload is None:
            raise ProtocolError(N_("record {position} of the SRU answer has no record data").format(
                position=position))
        marc = marc_records_in(payload)
        if not marc:
            raise ProtocolError(
                N_("record {position} is not MARCXML (the server sent <{localname}> in schema '{v}'); ask for MARCXML with --schema (e.g. marcxml, marc21, MARC21-xml)").format(position=position, localname=clip(localname(payload), 60), v=clip(schema or '?', 80)))
        for element in marc:
            records.append(harvested(element, position=position))

    if surrogate is not None and not records:
        uri, text, details = surrogate
        raise Diagnostic(text, uri, details)

    next_position = _int(_child_text(root, "nextRecordPosition"), "nextRecordPosition")
    if next_position is None and entries and start + len(entries) <= total:
        next_position = start + len(entries)
    if next_position is not None and next_position > total:
        next_position = None
    if next_position is None and not entries and start <= total:
        raise ProtocolError(N_("the server found {total} records but sent none from position {start}").format(
            total=total, start=start))
    if next_position is not None and next_position <= start:
        raise ProtocolError(N_("the server's next record position ({next_position}) does not move past {start}").format(
            next_position=next_position, start=start))
    done = (next_position - 1) if next_position is not None else total
    return Page(records, next_position, total=total, done=done, skipped=skipped)


def check_sru_args(url: str, query: str, batch: int, version: str) -> None:
    """UsageError for a request that cannot be right (before anything is sent)."""
    check_url(url)
    if not query.strip():
        raise UsageError("the CQL query is empty (use e.g. --query 'cql.allRecords=1')")
    if batch < 1:
        raise UsageError("--batch must be at least 1")
    if version not in SRU_VERSIONS:
        raise UsageError(N_("SRU version must be one of {items}, not {version!r}").format(
            items=', '.join(SRU_VERSIONS), version=version))


def iter_sru_pages(client: AnyClient, url: str, query: str, schema: str | None = "marcxml",
                   batch: int = 50, start: int = 1, version: str = "1.2") -> Iterator[Page]:
    """Every page of a searchRetrieve for ``query``, from record ``start`` on."""
    check_sru_args(url, query, batch, version)
    client = as_client(client)
    start = max(1, start)
    while True:
        root = client.get_xml(url, sru_params(query, schema, start, batch, version))
        page = parse_sru_page(root, start)
        yield page
        if page.next is None:
            return
        start = int(page.next)


def iter_sru_records(client: AnyClient, url: str, query: str, schema: str | None = "marcxml",
                     batch: int = 50, start: int = 1, version: str = "1.2") -> Iterator[HarvestedRecord]:
    """Every record of a searchRetrieve for ``query``, in the server's order."""
    for page in iter_sru_pages(client, url, query, schema, batch, start, version):
        yield from page.records
