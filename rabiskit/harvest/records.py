"""Harvested MARC records, re-serialised into the MARC 21 slim namespace.

Servers send MARCXML in the slim namespace, without a namespace, or under another
prefix (OAI-PMH ``marc21``/``marcxml`` metadata).  Whatever came, ``slim_record``
writes the record again as plain ``<record>``, ``<leader>``, ``<controlfield>``,
``<datafield>``/``<subfield>`` text, ready to be placed inside a
``<collection xmlns="http://www.loc.gov/MARC21/slim">``.  Every text and attribute
value is XML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SLIM_NS = "http://www.loc.gov/MARC21/slim"
MARC_CHILDREN = ("leader", "controlfield", "datafield")


@dataclass(frozen=True)
class HarvestedRecord:
    """One record as harvested.

    xml: the record as MARC 21 slim text (``<record>...</record>``, no namespace declaration:
        the output collection declares it).
    key: "003|001" of the record, used to never write the same record twice; None without 001.
    position: SRU recordPosition, where the server gave one.
    identifier: OAI-PMH header identifier, for OAI harvests.
    """

    xml: str
    key: str | None = None
    position: int | None = None
    identifier: str | None = None


def localname(element: etree._Element) -> str:
    """The element's name without its namespace ('' for comments and processing instructions)."""
    if not isinstance(element.tag, str):
        return ""
    return etree.QName(element).localname


def is_marc_record(element: etree._Element) -> bool:
    """True for a <record> whose children are MARC leader / control / data fields."""
    if localname(element) != "record":
        return False
    return any(localname(child) in MARC_CHILDREN for child in element)


def marc_records_in(element: etree._Element) -> list[etree._Element]:
    """The MARC records inside an SRU recordData / OAI metadata payload.

    The payload is a MARC <record>, or a <collection> of them; anything else (Dublin Core,
    MODS...) gives an empty list.
    """
    if is_marc_record(element):
        return [element]
    if localname(element) == "collection":
        return [child for child in element if is_marc_record(child)]
    return []


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return (_text(value).replace('"', "&quot;")
            .replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;"))


def _content(element: etree._Element) -> str:
    return "".join(element.itertext())


def record_key(element: etree._Element) -> str | None:
    """'003|001' of a MARC record element, None when it has no 001."""
    values: dict[str, str] = {}
    for child in element:
        if localname(child) == "controlfield" and child.get("tag") in ("001", "003"):
            values.setdefault(child.get("tag"), _content(child).strip())
    if not values.get("001"):
        return None
    return f"{values.get('003', '')}|{values['001']}"


def slim_record(element: etree._Element, indent: str = "  ") -> str:
    """The MARC record element written again as MARC 21 slim text (see the module docstring)."""
    pad, pad2, pad3 = indent, indent * 2, indent * 3
    record_type = element.get("type")
    out = [f'{pad}<record type="{_attr(record_type)}">' if record_type else f"{pad}<record>"]
    for child in element:
        name = localname(child)
        if name == "leader":
            out.append(f"{pad2}<leader>{_text(_content(child))}</leader>")
        elif name == "controlfield":
            out.append(f'{pad2}<controlfield tag="{_attr(child.get("tag", ""))}">'
                       f"{_text(_content(child))}</controlfield>")
        elif name == "datafield":
            out.append(f'{pad2}<datafield tag="{_attr(child.get("tag", ""))}" '
                       f'ind1="{_attr(child.get("ind1", " "))}" ind2="{_attr(child.get("ind2", " "))}">')
            for sub in child:
                if localname(sub) == "subfield":
                    out.append(f'{pad3}<subfield code="{_attr(sub.get("code", ""))}">'
                               f"{_text(_content(sub))}</subfield>")
            out.append(f"{pad2}</datafield>")
    out.append(f"{pad}</record>")
    return "\n".join(out) + "\n"


def harvested(element: etree._Element, *, position: int | None = None,
              identifier: str | None = None) -> HarvestedRecord:
    """A HarvestedRecord from a MARC record element."""
    return HarvestedRecord(slim_record(element), record_key(element), position, identifier)
