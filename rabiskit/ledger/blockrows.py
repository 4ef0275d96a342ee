"""The ledger rows of the records a block path settled, built from the block's columns.

``record_row`` gives a record's row from its decoded record and its RecordFacts.  For the
records of a block the block path settles (``rabiskit.facts.batches.decide_block``: clean,
dated, their languages settled) ``settled_columns`` gives the same rows (as columns) without either: the
facts from the block's facts table (``rabiskit.facts.batches``, the columns ``rabiskit
facts`` writes) and the decisions behind it (dates with their source and text, languages,
levels), the checksum and the stored JSON from the record's bytes
(``rabiskit.ledger.blockforms``; the few records whose bytes it does not take are decoded
and go through ``canonical_bytes`` / ``record_blob``).
"""

from __future__ import annotations

import hashlib

import numpy as np

from rabiskit.facts.batches import BlockDecisions, _fast_table
from rabiskit.facts.blocks import records_of
from rabiskit.ledger.blockforms import stored_forms
from rabiskit.ledger.codec import (ROW_COLUMNS, _languages_json, canonical_bytes, compress,
                                   json_list, record_blob, record_key)


def _iso(values: list) -> list:
    return [None if v is None else v.isoformat() for v in values]


def settled_columns(d: BlockDecisions, display: str, base_offset: int) -> list[list]:
    """The ``ROW_COLUMNS`` (``problems``: empty tuples) of the records ``d.which``, in
    order, one list a column, as ``record_row`` gives them record by record."""
    ix, which = d.ix, d.which
    assert ix is not None
    m = which.size
    if not m:
        return [[] for _ in ROW_COLUMNS]
    table = _fast_table(d, display, base_offset)

    def col(name: str) -> list:
        return table.column(name).to_pylist()

    # what the ledger keeps of the record itself
    forms, rest = stored_forms(ix, which)
    if not rest.size:
        checksums = forms.checksums
        blobs = list(map(compress, forms.texts))
    else:
        checksums = [""] * m
        blobs = [b""] * m
        for k, ch, t in zip(np.searchsorted(which, forms.which).tolist(), forms.checksums,
                            forms.texts):
            checksums[k] = ch
            blobs[k] = compress(t)
        for k, rec in zip(np.searchsorted(which, rest).tolist(), records_of(ix, rest, None)):
            checksums[k] = hashlib.sha256(canonical_bytes(rec)).hexdigest()
            blobs[k] = record_blob(rec)
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
    lead = ix.lead[which]
    status = list(lead[:, 5].tobytes().decode("ascii"))
    starts = ix.starts[which]
    cn = col("control_number")
    none = [None] * m
    out = {
        "key": list(map(record_key, cn, checksums)), "checksum": checksums,
        "deleted": [int(st == "d") for st in status], "file": [display] * m,
        "record": (which + 1).tolist(), "offset": (starts + base_offset).tolist(),
        "control_number": cn,
        "flavour": _per_case(case_of, ["unimarc" if c & 1 else "marc21" for c in cases]),
        "encoding": _per_case(case_of, [outcome[c][0] for c in cases]),
        "record_status": status, "record_type": list(lead[:, 6].tobytes().decode("ascii")),
        "bibliographic_level": list(lead[:, 7].tobytes().decode("ascii")),
        "languages": [v[0] for v in lang_of],
        "language": [v[1] for v in lang_of],
        "languages_coded": [v[2] for v in lang_of],
        "date_entered": [v[0] for v in date_of],
        "date_entered_source": [v[1] for v in date_of], "date_entered_problem": none,
        "date_entered_raw": [v[2] for v in date_of], "date_changed": _iso(table.column("date_changed").to_numpy(zero_copy_only=False).tolist()),
        "title": col("title"), "isbn": list(map(json_list, col("isbn"))),
        "links": list(map(json_list, col("links"))), "extent": col("extent"),
        "pages": col("pages"), "article_pages": col("article_pages"),
        "host_title": col("host_title"), "damaged": [0] * m,
        "level": [names[k] for k in d.level_codes.tolist()], "line": none,
        "length": (ix.ends[which] - starts + 1).tolist(),
        "encoding_reason": _per_case(case_of, [outcome[c][1] for c in cases]),
        "problems": [()] * m, "record_data": blobs,
    }
    return [out[c] for c in ROW_COLUMNS]


def _per_case(case_of: list[int], values: list) -> list:
    return [values[k] for k in case_of]
