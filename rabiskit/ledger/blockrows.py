"""The ledger rows of the records a block path settled, built from the block's columns.

``record_row`` gives a record's row from its decoded record and its RecordFacts.  For the
records of a block the block path settles (``rabiskit.facts.batches.decide_block``: clean,
dated, their languages settled) ``settled_columns`` gives the same rows (as columns)
without either: the facts found in the block index as ``rabiskit facts`` finds them
(``rabiskit.facts.batches``: the subfields of every record at once, each text cut by the
careful function or where numpy sees nothing to cut), the decisions behind them (dates
with their source and text, languages, levels), the checksum and the stored JSON from
the record's bytes (``rabiskit.ledger.blockforms``; the few records whose bytes it does
not take are decoded and go through ``stored_record``).

The values go straight to the Python lists the importer binds: the texts of a column are
the block's bytes joined and decoded once, then split (a value never holds the subfield
delimiter 0x1F); 005 as ``parse_005`` reads it, formatted from its digits where they are
a plain valid date and time; the JSON lists written per record that has values.
``tests/test_ledger_columns.py`` checks the columns against those the facts table gives.
"""

from __future__ import annotations

import numpy as np

from rabiskit.facts.batches import (_TABLE_TAGS, _TITLE_END, BlockDecisions, _answers, _cut_all,
                                    _Fields, digits_005, subfield_spans, _strip_or_empty,
                                    _strip_or_none, span_positions)
from rabiskit.facts.blocks import records_of, sorted_distinct
from rabiskit.facts.parse import article_pages, clean_title, pages_from_extent, parse_005
from rabiskit.ledger.blockforms import _expand, stored_forms
from rabiskit.ledger.codec import (NO_001_PREFIX, ROW_COLUMNS, _languages_json, compress_all,
                                   json_list, stored_record)

Spans = tuple[np.ndarray, np.ndarray, np.ndarray]


def _texts(arr: np.ndarray, *columns: Spans) -> list[list]:
    """The text of each (present, start, end) span of each column (None where absent):
    every column's bytes gathered, each value followed by 0x1F, decoded at once."""
    present = np.concatenate([c[0] for c in columns])
    s = np.concatenate([c[1] for c in columns])
    length = np.where(present, np.concatenate([c[2] for c in columns]) - s, 0)
    k = length.size
    texts: list[str] = []
    if k:
        # (one gather of the values and the 0x1F after each but the last, placed after
        # the block's bytes)
        src = np.empty(2 * k, dtype=np.int64)
        ln = np.empty(2 * k, dtype=np.int64)
        src[0::2], ln[0::2] = s, length
        src[1::2], ln[1::2] = arr.size, 1
        ln[-1] = 0
        texts = _expand(src, ln, np.concatenate((arr, _SD))).decode("utf-8").split("\x1f")
    cols = []
    k = 0
    for p, _s, _e in columns:
        m = p.size
        col: list = texts[k:k + m]
        k += m
        if not p.all():
            for i in np.flatnonzero(~p).tolist():
                col[i] = None
        cols.append(col)
    return cols


#: the subfield delimiter, after a block's bytes for ``_texts``' gather
_SD = np.frombuffer(b"\x1f", dtype=np.uint8)


def _changed(buf: bytes, arr: np.ndarray, present: np.ndarray, s: np.ndarray,
             e: np.ndarray) -> list:
    """Each record's 005 as ``parse_005(text).isoformat()`` (None where absent or
    unusable): numpy reads 14 ASCII digits alone or before a '.', ``parse_005`` anything
    else."""
    m = present.size
    n = arr.size
    out: list = [None] * m
    if not m or not present.any():
        return out
    simple, ok, _ = digits_005(arr, present, s, e)
    rows = np.flatnonzero(ok)
    if rows.size:
        # 'YYYY-MM-DDTHH:MM:SS' from the digits' bytes
        text = np.frombuffer(b"0000-00-00T00:00:00" * rows.size, dtype=np.uint8).reshape(-1, 19).copy()
        src = arr[np.clip(s[rows, None] + np.arange(14)[None, :], 0, n - 1)]
        text[:, [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]] = src
        joined = text.tobytes().decode("ascii")
        if rows.size == m:
            out = [joined[k:k + 19] for k in range(0, 19 * m, 19)]
        else:
            for k, i in enumerate(rows.tolist()):
                out[i] = joined[19 * k:19 * k + 19]
    for i in np.flatnonzero(present & ~simple).tolist():
        v = parse_005(buf[int(s[i]):int(e[i])].decode("utf-8"))
        out[i] = None if v is None else v.isoformat()
    return out


def _json_lists(buf: bytes, arr: np.ndarray, fl: _Fields, unimarc: np.ndarray,
                u: tuple[str, str], m21: tuple[str, str]) -> list[str]:
    """Every value of the subfield (UNIMARC ``u``, MARC 21 ``m21``) of each record,
    stripped, the empty ones left out, as the JSON list ``json_list`` writes (the values
    of ``rabiskit.facts.batches._values_list``)."""
    m = fl.which.size
    rows, s, e = subfield_spans(buf, arr, fl, unimarc, u, m21)
    out = ["[]"] * m
    if not rows.size:
        return out
    present, s, e = _cut_all(buf, arr, np.ones(rows.size, dtype=bool), s, e, _strip_or_empty, b"")
    keep = present & (e > s)
    rows, s, e = rows[keep], s[keep], e[keep]
    if not rows.size:
        return out
    # '["a", "b"]' per record that has values, its values' bytes between the JSON's
    first = np.ones(rows.size, dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    last = np.ones(rows.size, dtype=bool)
    last[:-1] = first[1:]
    base = arr.size
    src = np.empty((rows.size, 3), dtype=np.int64)
    ln = np.empty((rows.size, 3), dtype=np.int64)
    src[:, 0], ln[:, 0] = base + _J_OPEN[0], first * _J_OPEN[1]
    src[:, 1], ln[:, 1] = s, e - s
    src[:, 2] = np.where(last, base + _J_CLOSE[0], base + _J_NEXT[0])
    ln[:, 2] = np.where(last, _J_CLOSE[1], _J_NEXT[1])
    texts = _expand(src.ravel(), ln.ravel(), np.concatenate((arr, _J_POOL))
                    ).decode("utf-8").split("\x1f")
    for r, text in zip(rows[first].tolist(), texts):
        out[r] = text
    # values JSON escapes (quotes, backslashes, control characters): as json_list writes them
    pos = span_positions(s, e - s)
    b = arr[pos]
    odd = (b == 0x22) | (b == 0x5C) | (b < 0x20)
    if odd.any():
        group = np.cumsum(first) - 1  # each value's record among those with values
        starts = np.flatnonzero(first).tolist() + [rows.size]
        for g in sorted_distinct(np.repeat(group, e - s)[odd]).tolist():
            out[int(rows[starts[g]])] = json_list([buf[a:b].decode("utf-8") for a, b in zip(
                s[starts[g]:starts[g + 1]].tolist(), e[starts[g]:starts[g + 1]].tolist())])
    return out


#: the fixed parts of a JSON list column's text (at their place in ``_J_POOL``, length)
_J_POOL = np.frombuffer(b'["' + b'", "' + b'"]\x1f', dtype=np.uint8)
_J_OPEN, _J_NEXT, _J_CLOSE = (0, 2), (2, 4), (6, 3)


def _where(unimarc: np.ndarray, u: Spans, m21: Spans) -> Spans:
    return tuple(np.where(unimarc, a, b) for a, b in zip(u, m21))  # type: ignore[return-value]


def settled_columns(d: BlockDecisions, display: str, base_offset: int) -> list[list]:
    """The ``ROW_COLUMNS`` (``problems``: empty tuples) of the records ``d.which``, in
    order, one list a column, as ``record_row`` gives them record by record."""
    ix, which = d.ix, d.which
    assert ix is not None
    m = which.size
    if not m:
        return [[] for _ in ROW_COLUMNS]
    arr, buf = ix.arr, ix.buf
    # what the ledger keeps of the record itself
    forms, rest = stored_forms(ix, which)
    if not rest.size:
        checksums = forms.checksums
        blobs = compress_all(forms.texts)
    else:
        checksums = [""] * m
        blobs = [b""] * m
        for k, ch, blob in zip(np.searchsorted(which, forms.which).tolist(), forms.checksums,
                               compress_all(forms.texts)):
            checksums[k] = ch
            blobs[k] = blob
        for k, rec in zip(np.searchsorted(which, rest).tolist(), records_of(ix, rest, None)):
            checksums[k], blobs[k] = stored_record(rec)
    # the facts found in the index (``rabiskit.facts.batches._fast_table``'s)
    fl = _Fields(ix, which, _TABLE_TAGS)
    unimarc = ix.unimarc[which]
    lead = ix.lead[which]
    cn = _cut_all(buf, arr, *fl.control("001"), _strip_or_none, b"")
    title = _cut_all(buf, arr, *_where(unimarc, fl.first_subfield("200", "a"),
                                       fl.first_subfield("245", "a")), clean_title, _TITLE_END)
    extent = _where(unimarc, fl.first_subfield("215", "a"), fl.first_subfield("300", "a"))
    h463 = fl.first_subfield("463", "t")
    h461 = fl.first_subfield("461", "t")
    use463 = h463[0] & (h463[2] > h463[1])
    host_u = tuple(np.where(use463, a, b) for a, b in zip(h463, h461))
    host = _cut_all(buf, arr, *_where(unimarc, host_u, fl.first_subfield("773", "t")),  # type: ignore[arg-type]
                    clean_title, _TITLE_END)
    art_raw = _where(unimarc, fl.first_subfield("463", "v"), fl.first_subfield("773", "g"))
    control, title_text, extent_text, host_text, art_text = _texts(arr, cn, title, extent, host,
                                                                   art_raw)
    pages = _answers(pages_from_extent, extent_text)
    art = _answers(article_pages, art_text)
    # a UNIMARC article without 463$v pages: the extent's
    from_extent = unimarc & (lead[:, 7] == ord("a"))
    if from_extent.any():
        for i in np.flatnonzero(from_extent).tolist():
            if art[i] is None:
                art[i] = _answers(article_pages, [extent_text[i]])[0]
    changed = _changed(buf, arr, *fl.control("005"))
    isbn = _json_lists(buf, arr, fl, unimarc, ("010", "a"), ("020", "a"))
    links = _json_lists(buf, arr, fl, unimarc, ("856", "u"), ("856", "u"))
    # the decisions: encoding case, date entered, languages, level
    cases, outcome = d.cases, d.outcome
    case_of = d.case_of.tolist()
    # (each distinct date and language list written once, its text shared by its records)
    dates = [(None if v[0] is None else v[0].isoformat(), v[1], v[2]) for v in d.dates.values]
    date_of = [dates[k] for k in d.dates.codes[which].tolist()]
    langs = [(_languages_json(v[0]), v[0][0] if v[0] else "und", int(v[1]))
             for v in d.langs.values]
    lang_of = [langs[k] for k in d.langs.codes[which].tolist()]
    names = d.level_names() + [None]  # (-1: no level)
    status = list(lead[:, 5].tobytes().decode("ascii"))
    starts = ix.starts[which]
    none = [None] * m
    prefix = NO_001_PREFIX
    out = {
        # (``record_key``: the control number is stripped already)
        "key": [c if c else prefix + h[:32] for c, h in zip(control, checksums)],
        "checksum": checksums,
        "deleted": [int(st == "d") for st in status], "file": [display] * m,
        "record": (which + 1).tolist(), "offset": (starts + base_offset).tolist(),
        "control_number": control,
        "flavour": _per_case(case_of, ["unimarc" if c & 1 else "marc21" for c in cases]),
        "encoding": _per_case(case_of, [outcome[c][0] for c in cases]),
        "record_status": status, "record_type": list(lead[:, 6].tobytes().decode("ascii")),
        "bibliographic_level": list(lead[:, 7].tobytes().decode("ascii")),
        "languages": [v[0] for v in lang_of],
        "language": [v[1] for v in lang_of],
        "languages_coded": [v[2] for v in lang_of],
        "date_entered": [v[0] for v in date_of],
        "date_entered_source": [v[1] for v in date_of], "date_entered_problem": none,
        "date_entered_raw": [v[2] for v in date_of], "date_changed": changed,
        "title": title_text, "isbn": isbn, "links": links, "extent": extent_text,
        "pages": pages, "article_pages": art, "host_title": host_text, "damaged": [0] * m,
        "level": [names[k] for k in d.level_codes.tolist()], "line": none,
        "length": (ix.ends[which] - starts + 1).tolist(),
        "encoding_reason": _per_case(case_of, [outcome[c][1] for c in cases]),
        "problems": [()] * m, "record_data": blobs,
    }
    return [out[c] for c in ROW_COLUMNS]


def _per_case(case_of: list[int], values: list) -> list:
    return [values[k] for k in case_of]
