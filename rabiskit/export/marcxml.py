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

import numpy as np

from rabiskit.facts.blocks import FT, BlockIndex, code_tag
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


_PIECES = [_RECORD_START, b"</leader>", b'<controlfield tag="', b'">', b"</controlfield>",
           b'<datafield tag="', b'" ind1="', b'" ind2="', b"</datafield>", b'<subfield code="',
           b"</subfield>", b"</record>\n"]
_POOL = b"".join(_PIECES)
_AT = np.cumsum([0] + [len(p) for p in _PIECES])[:-1]
(_P_REC, _P_LEAD_END, _P_CF, _P_Q, _P_CF_END, _P_DF, _P_I1, _P_I2, _P_DF_END, _P_SF, _P_SF_END,
 _P_REC_END) = range(len(_PIECES))
_BAD = np.zeros(256, dtype=bool)
_BAD[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x1D), ord('"'), ord("&"), ord("<"), ord(">"),
      ord("\t"), ord("\n"), ord("\r")]] = True


def plain_records_xml(ix: BlockIndex, recs: np.ndarray) -> list[bytes | None]:
    """``plain_record_xml`` of each clean record ``recs`` (increasing) of the block (None
    where lxml must make it), made for all of them at once (``plain_xml``)."""
    blob, begin, end, plain = plain_xml(ix, recs)
    return [blob[int(a):int(b)] if p else None for a, b, p in zip(begin, end, plain)]


def plain_xml(ix: BlockIndex, recs: np.ndarray) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray]:
    """The ``<record>`` elements of the clean records ``recs`` (increasing) of the block
    that need no escaping, one after the other: (the bytes, where each record's element
    begins and ends in them, whether it is there).  The output is laid out as pieces
    (constant text, or bytes of the block) ordered by where in the record they come from,
    and gathered in one pass."""
    from rabiskit.facts.batches import _Fields, span_positions

    if not recs.size:
        z = np.zeros(0, dtype=np.int64)
        return b"", z, z, z.astype(bool)
    arr = ix.arr
    n = arr.size
    starts, ends = ix.starts[recs], ix.ends[recs]
    # records that need escaping or replacing: the careful element (the bytes of the
    # records asked about alone, each from its start up to its record terminator)
    pos = span_positions(starts, (ends - starts).astype(np.int64))
    vals = arr[pos]
    from rabiskit.facts.blocks import SD

    every = pos[vals == SD]  # the records' subfield delimiters (a data field's lie in it)
    fl = _Fields(ix, recs, delimiters=every)
    ent = fl.ent
    slot = fl.slot
    ef = pos[vals == 0xEF]  # U+FFFE, U+FFFF: no XML character
    ef = ef[ef + 2 < n]
    ef = ef[(arr[ef + 1] == 0xBF) & (arr[ef + 2] >= 0xBE) & (arr[ef + 2] <= 0xBF)]
    bad = pos[_BAD[vals]]  # in order, and no U+FFFE/U+FFFF starts at one of them
    if ef.size:
        bad = np.union1d(bad, ef)

    def per_record(at: np.ndarray) -> np.ndarray:
        """How many of the positions ``at`` (increasing) each record holds."""
        return np.searchsorted(at, ends) - np.searchsorted(at, starts)

    plain = per_record(bad) == 0
    plain &= per_record(pos[vals == FT]) == ix.nent[recs] + 1
    row_of_ent = slot[ix.rec_of_entry[ent]]
    fs = ix.s_abs[ent]
    fe = fs + ix.flen[ent] - 1
    data_field = fl.delims > 0
    # a data field's first delimiter must follow two indicators (ASCII)
    sd_pos = fl.sd_start - 2
    sd_code = fl.sd_key & 255
    first_sd = np.full(ent.size, -1, dtype=np.int64)
    # the delimiters of ``_Fields`` are those followed by a code; the first one of each field
    # decides the indicators: look it up among every delimiter of the records
    k = np.searchsorted(every, fs)
    first_sd[data_field] = every[np.minimum(k[data_field], every.size - 1)] if every.size else -1
    odd = data_field & ((first_sd != fs + 2) | (arr[np.minimum(fs, n - 1)] >= 0x80)
                        | (arr[np.minimum(fs + 1, n - 1)] >= 0x80))
    plain[row_of_ent[odd]] = False
    field_of_sd = np.searchsorted(ent, fl.sd_entry)
    sub = sd_code != 0x1F  # a delimiter followed by another starts no subfield
    plain[row_of_ent[field_of_sd[sub & (sd_code >= 0x80)]]] = False
    # the pieces: (key: where they come from x 8 + their order there, start, length)
    keys, srcs, lens = [], [], []
    pool = n  # constant text lies after the block's bytes

    def add(key, piece=None, start=None, length=None):
        m = key.size
        keys.append(key)
        if piece is not None:
            srcs.append(np.full(m, pool + _AT[piece], dtype=np.int64))
            lens.append(np.full(m, len(_PIECES[piece]), dtype=np.int64))
        else:
            srcs.append(start.astype(np.int64))
            lens.append(np.broadcast_to(length, (m,)).astype(np.int64))

    keep_rec = plain
    st = starts[keep_rec].astype(np.int64) * 8
    add(st, _P_REC)
    add(st + 1, None, starts[keep_rec], 24)
    add(st + 2, _P_LEAD_END)
    add(ends[keep_rec].astype(np.int64) * 8, _P_REC_END)
    keep_ent = plain[row_of_ent]
    tag_at = (ix.starts[ix.rec_of_entry[ent]] + 24 + 12 * (ent - ix.first_entry[ix.rec_of_entry[ent]]))
    cf = keep_ent & ~data_field
    k8 = fs[cf].astype(np.int64) * 8
    add(k8, _P_CF)
    add(k8 + 1, None, tag_at[cf], 3)
    add(k8 + 2, _P_Q)
    add(k8 + 3, None, fs[cf], fe[cf] - fs[cf])
    add(k8 + 4, _P_CF_END)
    df = keep_ent & data_field
    k8 = fs[df].astype(np.int64) * 8
    add(k8, _P_DF)
    add(k8 + 1, None, tag_at[df], 3)
    add(k8 + 2, _P_I1)
    add(k8 + 3, None, fs[df], 1)
    add(k8 + 4, _P_I2)
    add(k8 + 5, None, fs[df] + 1, 1)
    add(k8 + 6, _P_Q)
    add(fe[df].astype(np.int64) * 8, _P_DF_END)
    sf = sub & keep_ent[field_of_sd]
    k8 = sd_pos[sf].astype(np.int64) * 8
    add(k8, _P_SF)
    add(k8 + 1, None, sd_pos[sf] + 1, 1)
    add(k8 + 2, _P_Q)
    add(k8 + 3, None, fl.sd_start[sf], fl.sd_end[sf] - fl.sd_start[sf])
    add(k8 + 4, _P_SF_END)
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")
    src = np.concatenate(srcs)[order]
    length = np.concatenate(lens)[order]
    offsets = np.zeros(length.size + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    total = int(offsets[-1])
    source = np.concatenate((arr, np.frombuffer(_POOL, dtype=np.uint8)))
    out = source[span_positions(src, length)].tobytes()
    # where each record's text starts: its first piece; it ends where the next one starts
    first_piece = np.searchsorted(key[order], starts[keep_rec].astype(np.int64) * 8)
    at = np.append(offsets[first_piece], total)
    begin = np.zeros(recs.size, dtype=np.int64)
    end = np.zeros(recs.size, dtype=np.int64)
    begin[keep_rec] = at[:-1]
    end[keep_rec] = at[1:]
    return out, begin, end, keep_rec
