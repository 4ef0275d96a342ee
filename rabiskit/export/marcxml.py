"""MARCXML for ``rabiskit export``, one record at a time, as bytes the workers can make.

An export file is the bytes ``rabiskit.sources.marcxml_writer.MarcXmlWriter`` writes: the
declaration, a ``<collection>`` in the MARC 21 slim namespace, each ``<record>`` element
(``record_element``) followed by a newline, and the end of the collection.  Here each
record is made on its own (``record_xml``), so the worker processes make the records of
their blocks and the parent only writes them in order.  ``plain_record_xml`` writes a clean
record of the block index straight from its bytes when nothing in it needs escaping or
replacing (no ``& < > "``, no tab, line feed, carriage return or other control character,
no U+FFFE/U+FFFF, ASCII indicators and codes): the same bytes lxml writes for it, which
``tests/test_fact_batches.py`` checks against ``MarcXmlWriter`` on generated records.
"""

from __future__ import annotations

import re

from rabiskit.facts.blocks import BlockIndex, code_tag
from rabiskit.records import Record
from rabiskit.sources.marcxml_writer import MARC21_SLIM_NS, _Counter, record_element

COLLECTION_START = ("<?xml version='1.0' encoding='utf-8'?>\n"
                    f'<collection xmlns="{MARC21_SLIM_NS}">\n').encode("ascii")
COLLECTION_END = b"</collection>"

_RECORD_START = f'<record xmlns="{MARC21_SLIM_NS}"><leader>'.encode("ascii")
# what escaping or replacing would change (the record terminator, field terminators and
# subfield delimiters are the structure, counted apart)
_NOT_PLAIN = re.compile(rb'[\x00-\x08\x0b\x0c\x0e-\x1c"&<>\t\n\r]|\xef\xbf[\xbe\xbf]')
_FT, _SD = b"\x1e", b"\x1f"


def record_xml(record: Record) -> tuple[bytes, int]:
    """(the ``<record>`` element and its newline as ``MarcXmlWriter`` writes them, the
    characters written as U+FFFD)."""
    from lxml import etree

    counter = _Counter()
    return etree.tostring(record_element(record, counter), encoding="utf-8") + b"\n", \
        counter.replaced


def plain_record_xml(ix: BlockIndex, i: int) -> bytes | None:
    """The ``<record>`` element (and newline) of clean record ``i`` of the block, made from
    its bytes; None when something in it needs escaping (then ``record_xml``)."""
    buf = ix.buf
    a, end = int(ix.starts[i]), int(ix.ends[i])
    first, n = int(ix.first_entry[i]), int(ix.nent[i])
    if _NOT_PLAIN.search(buf, a, end) or buf.count(_FT, a, end) != n + 1:
        return None
    out = [_RECORD_START, buf[a:a + 24], b"</leader>"]
    codes, s_abs, flen = ix.codes, ix.s_abs, ix.flen
    for e in range(first, first + n):
        tag = code_tag(int(codes[e])).encode("latin-1")
        s = int(s_abs[e])
        fb = buf[s:s + int(flen[e]) - 1]
        k = fb.find(_SD)
        if k == -1:
            out += (b'<controlfield tag="', tag, b'">', fb, b"</controlfield>")
            continue
        if not fb[:k].isascii():
            return None
        out += (b'<datafield tag="', tag, b'" ind1="', fb[0:1] if k else b" ",
                b'" ind2="', fb[1:2] if k > 1 else b" ", b'">')
        for part in fb[k + 1:].split(_SD):
            if not part:
                continue
            if part[0] >= 0x80:
                return None
            out += (b'<subfield code="', part[:1], b'">', part[1:], b"</subfield>")
        out.append(b"</datafield>")
    out.append(b"</record>\n")
    return b"".join(out)
