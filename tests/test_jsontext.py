"""JSON text written in pieces (rabiskit.jsontext) and the digitisation's documents kept on
disk (rabiskit.digitisation.store): the same text as json.dumps, written out by hand here."""

from __future__ import annotations

import copy
import datetime as dt
import io
import pickle
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from rabiskit.digitisation.store import DocumentStore, Documents, document_text
from rabiskit.jsontext import indented_chunks, json_default, write_indented


def test_indented_text_as_written_by_hand():
    value = {"a": [], "b": {}, "c": [1, "Қ\n"], 2: None, "d": dt.date(2026, 3, 1),
             "e": (True, False), "f": 0.5}
    want = ('{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    "Қ\\n"\n  ],\n  "2": null,\n'
            '  "d": "2026-03-01",\n  "e": [\n    true,\n    false\n  ],\n  "f": 0.5\n}')
    assert "".join(indented_chunks(value)) == want
    out = io.StringIO()
    write_indented(value, out.write, batch=3)
    assert out.getvalue() == want


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                    st.floats(allow_nan=False))
values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=4), children, max_size=4),
                      max_leaves=20)


@settings(max_examples=60, deadline=None)
@given(values)
def test_indented_chunks_equal_json_dumps(value):
    assert "".join(indented_chunks(value)) == json.dumps(value, ensure_ascii=False, indent=2,
                                                          default=json_default)


def test_documents_kept_in_the_store_read_back_and_written_in_place():
    docs = [{"source": "catalogue", "id": "Б1", "pages": 12, "links": ["a.pdf", "b.pdf"],
             "pdfs": [], "host_title": None, "in_period": True},
            {"source": "catalogue", "id": "2", "pages": None, "links": [], "ratio": 0.25}]
    assert document_text(docs[0]) == (
        '{\n  "source": "catalogue",\n  "id": "Б1",\n  "pages": 12,\n  "links": [\n'
        '    "a.pdf",\n    "b.pdf"\n  ],\n  "pdfs": [],\n  "host_title": null,\n'
        '  "in_period": true\n}')
    store = DocumentStore(spool_bytes=64)  # on disk after the first document
    assert [store.append(d) for d in docs] == [0, 1]
    log = {"source": "log", "id": None, "line": 3}
    seq = Documents(store, 2, [log])
    assert len(seq) == 3 and seq[1] == docs[1] and seq[-1] == log and seq[0:2] == docs
    assert list(seq) == docs + [log] and seq == docs + [log] and seq != docs
    data = {"n": 1, "documents": seq}
    text = "".join(indented_chunks(data))
    assert text == json.dumps({"n": 1, "documents": docs + [log]}, ensure_ascii=False, indent=2)
    assert json.dumps(data, default=json_default) == json.dumps({"n": 1, "documents": docs + [log]})
    assert "".join(indented_chunks(Documents(store, 0))) == "[]"
    assert pickle.loads(pickle.dumps(seq)) == docs + [log]
    assert copy.deepcopy({"d": seq}) == {"d": docs + [log]}
    store.close()


def test_a_store_dropped_closes_its_temporary_file():
    """No ResourceWarning (``python -W default`` shows one) for the store's spooled file,
    in memory or on disk, when the store is dropped."""
    import gc
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for spool in (1 << 20, 16):  # in memory; on disk after the first document
            store = DocumentStore(spool_bytes=spool)
            store.append({"title": "Абай жолы"})
            assert store.get(0) == {"title": "Абай жолы"}
            del store
            gc.collect()
    assert [w for w in seen if issubclass(w.category, ResourceWarning)] == []
