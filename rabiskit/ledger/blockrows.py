"""The ledger rows of the records a block path settled, built from the block's columns.

``record_row`` gives a record's row from its decoded record and its RecordFacts.  For the
records of a block the block path settles (``rabiskit.facts.batches.decide_block``: clean,
dated, their languages settled) ``settled_rows`` gives the same rows without either: the
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
from rabiskit.ledger.blockforms import compress, stored_forms
from rabiskit.ledger.codec import _languages_json, canonical_bytes, json_list, record_blob, record_key


def _iso(values: list) -> list:
    return [None if v is None else v.isoformat() for v in values]


def settled_rows(d: BlockDecisions, display: str, base_offset: int) -> list[tuple]:
    """The ``ROW_COLUMNS`` (``problems``: an empty tuple) of the records ``d.which``, in
    order, as ``record_row`` gives them."""
    ix, which = d.ix, d.which
    assert ix is not None
    m = which.size
    if not m:
        return []
    table = _fast_table(d, display, base_offset)

    def col(name: str) -> list:
        return table.column(name).to_pylist()

    # what the ledger keeps of the record itself
    forms, rest = stored_forms(ix, which)
    checksums: list = [None] * m
    blobs: list = [None] * m
    slot = np.searchsorted(which, forms.which).tolist()
    for k, c, t in zip(slot, forms.checksums, forms.texts):
        checksums[k] = c
        blobs[k] = compress(t)
    if rest.size:
        for k, rec in zip(np.searchsorted(which, rest).tolist(), records_of(ix, rest, None)):
            checksums[k] = hashlib.sha256(canonical_bytes(rec)).hexdigest()
            blobs[k] = record_blob(rec)
    # the decisions: encoding case, date entered, languages, level
    cases, outcome = d.cases, d.outcome
    case_of = d.case_of.tolist()
    flavour_of = ["unimarc" if c & 1 else "marc21" for c in cases]
    encoding_of = [outcome[c][0] for c in cases]
    reason_of = [outcome[c][1] for c in cases]
    dates = [(v[0].isoformat(), v[1], v[2]) for v in d.dates.values]
    date_of = d.dates.codes[which].tolist()
    langs = [(_languages_json(v[0]), v[0][0] if v[0] else "und", int(v[1]))
             for v in d.langs.values]
    lang_of = d.langs.codes[which].tolist()
    names = d.level_names()
    level_of = d.level_codes.tolist()
    lead = ix.lead[which]
    status = lead[:, 5].tobytes().decode("ascii")
    rtype = lead[:, 6].tobytes().decode("ascii")
    blevel = lead[:, 7].tobytes().decode("ascii")
    starts = ix.starts[which]
    offsets = (starts + base_offset).tolist()
    lengths = (ix.ends[which] - starts + 1).tolist()
    cn = col("control_number")
    changed = _iso(col("date_changed"))
    title, isbn, links = col("title"), col("isbn"), col("links")
    extent, pages, art, host = col("extent"), col("pages"), col("article_pages"), col("host_title")
    out = []
    for i, n in enumerate((which + 1).tolist()):
        c = case_of[i]
        de, de_source, de_raw = dates[date_of[i]]
        lj, language, coded = langs[lang_of[i]]
        code = level_of[i]
        checksum = checksums[i]
        st = status[i]
        out.append((
            record_key(cn[i], checksum), checksum, int(st == "d"),
            display, n, offsets[i], cn[i], flavour_of[c], encoding_of[c], st, rtype[i],
            blevel[i], lj, language, coded, de, de_source, None, de_raw, changed[i],
            title[i], json_list(isbn[i]), json_list(links[i]), extent[i], pages[i], art[i],
            host[i], 0, names[code] if code >= 0 else None, None,
            lengths[i], reason_of[c], (), blobs[i]))
    return out
