"""OAI-PMH ListRecords harvesting with resumption tokens, page by page.

``iter_oai_pages`` sends ListRecords (metadataPrefix, from, until, set), then follows the
resumption tokens until the server sends an empty one, yielding a ``Page`` per answer.
Records whose header has status="deleted" are counted in ``Page.deleted`` and never
returned as records.  OAI-PMH errors become ``Diagnostic`` (noRecordsMatch is not an
error: it is an empty harvest).
"""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from rabiskit.i18n import N_
from rabiskit.harvest.errors import Diagnostic, ProtocolError, UsageError, clip
from rabiskit.harvest.http import AnyClient, as_client, check_url
from rabiskit.harvest.page import Page
from rabiskit.harvest.records import HarvestedRecord, harvested, localname, marc_records_in

# OAI-PMH datestamps: a day, or a UTC second.
_DATESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")

ERROR_HINTS = {
    "badResumptionToken": "the server no longer accepts the resumption token (it may have expired); "
                          "start the harvest again with --restart",
    "cannotDisseminateFormat": "the server does not offer this metadata prefix; its ListMetadataFormats "
                               "answer names the ones it has (MARC is often 'marc21' or 'marcxml')",
    "noSetHierarchy": "the server has no sets: leave out --set",
    "badArgument": "the server refused the request's arguments (check --from, --until, --set)",
    "badVerb": "the server does not understand ListRecords: is this the OAI-PMH address?",
}


def check_datestamp(value: str | None, option: str) -> str | None:
    """The value, or UsageError when it is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ."""
    if value is None or value == "":
        return None
    if not _DATESTAMP.match(value):
        raise UsageError(N_("{option} must be a date like 2024-01-31 or 2024-01-31T00:00:00Z, not {value!r}").format(
            option=option, value=value))
    return value


def oai_params(prefix: str, from_: str | None = None, until: str | None = None, set_: str | None = None,
               token: str | None = None) -> dict[str, str]:
    """ListRecords parameters: the first request, or a continuation with a resumption token."""
    if token is not None:
        return {"verb": "ListRecords", "resumptionToken": token}
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    if from_:
        params["from"] = from_
    if until:
        params["until"] = until
    if set_:
        params["set"] = set_
    return params


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if localname(c) == name]


def parse_oai_page(root: etree._Element, prefix: str) -> Page:
    """One ListRecords answer as a Page."""
    if localname(root) != "OAI-PMH":
        raise ProtocolError(N_("the answer is not an OAI-PMH response (it is <{localname}>)").format(localname=clip(localname(root), 60)))
    errors = _children(root, "error")
    if errors:
        code = errors[0].get("code", "")
        text = "".join(errors[0].itertext()).strip()
        if code == "noRecordsMatch":
            return Page([], None, total=0)
        hint = ERROR_HINTS.get(code)
        message = (N_("OAI-PMH error {code}").format(code=clip(code, 60)) + (f": {clip(text)}" if text else "")
                   + (f" ({hint})" if hint else ""))
        raise Diagnostic(message, code, text)

    lists = _children(root, "ListRecords")
    if not lists:
        raise ProtocolError("the OAI-PMH answer has no ListRecords element")
    body = lists[0]
    records: list[HarvestedRecord] = []
    deleted = 0
    deleted_ids: list[str] = []
    for entry in _children(body, "record"):
        headers = _children(entry, "header")
        header = headers[0] if headers else None
        identifier = None
        if header is not None:
            ids = _children(header, "identifier")
            identifier = "".join(ids[0].itertext()).strip() if ids else None
            if header.get("status") == "deleted":
                deleted += 1
                if identifier:
                    deleted_ids.append(identifier)
                continue
        metadata = _children(entry, "metadata")
        payload = [c for c in metadata[0] if isinstance(c.tag, str)] if metadata else []
        if not payload:
            raise ProtocolError(N_("record {v} has no metadata").format(v=clip(identifier or '?')))
        marc = marc_records_in(payload[0])
        if not marc:
            raise ProtocolError(
                N_("record {v} is not MARCXML (metadata <{localname}> for prefix '{prefix}'); use a MARC metadata prefix such as marc21 or marcxml").format(v=clip(identifier or '?'), localname=clip(localname(payload[0]), 60), prefix=prefix))
        for element in marc:
            records.append(harvested(element, identifier=identifier))

    token_elements = _children(body, "resumptionToken")
    token: str | None = None
    total: int | None = None
    if token_elements:
        token_element = token_elements[0]
        token = "".join(token_element.itertext()).strip() or None
        size = token_element.get("completeListSize")
        if size and size.strip().isdigit():
            total = int(size)
    return Page(records, token, total=total, deleted=deleted, deleted_ids=deleted_ids)


def check_oai_args(url: str, prefix: str, from_: str | None, until: str | None) -> None:
    """UsageError for a request that cannot be right (before anything is sent)."""
    check_url(url)
    if not prefix.strip():
        raise UsageError("the metadata prefix is empty (use e.g. --prefix marc21)")
    check_datestamp(from_, "--from")
    check_datestamp(until, "--until")


def iter_oai_pages(client: AnyClient, url: str, prefix: str, from_: str | None = None,
                   until: str | None = None, set_: str | None = None,
                   token: str | None = None) -> Iterator[Page]:
    """Every page of ListRecords; with ``token`` the harvest continues from that resumption token."""
    check_oai_args(url, prefix, from_, until)
    client = as_client(client)
    seen_tokens: set[str] = set()
    while True:
        root = client.get_xml(url, oai_params(prefix, from_, until, set_, token))
        page = parse_oai_page(root, prefix)
        yield page
        if page.next is None:
            return
        token = str(page.next)
        if token in seen_tokens:
            raise ProtocolError("the server sent the same resumption token twice; stopping to avoid a loop")
        seen_tokens.add(token)


def iter_oai_records(client: AnyClient, url: str, prefix: str, from_: str | None = None,
                     until: str | None = None, set_: str | None = None,
                     token: str | None = None) -> Iterator[HarvestedRecord]:
    """Every (not deleted) record of ListRecords, in the server's order."""
    for page in iter_oai_pages(client, url, prefix, from_, until, set_, token):
        yield from page.records
