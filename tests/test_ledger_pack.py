"""A block's rows sent from a worker process (pickled) arrive as they were built: the text
columns packed into one string each come back value for value (None, empty text, text
holding the separator, values that are not text)."""

from __future__ import annotations

import pickle

from hypothesis import example, given, settings
from hypothesis import strategies as st

from test_ledger import books, rec
from test_ledger_bytes import _Task

from rabiskit.pipeline.ledgerrows import _PACKED, _work, pack_texts, unpack_texts
from rabiskit.plan.load import default_plan
from rabiskit.sources.iso2709_writer import encode_record

VALUE = st.one_of(st.none(), st.text(st.sampled_from(list("ab Аә\x1f\x1e\"") + ["\udc80"]),
                                     max_size=5))


def _round_trip(values: list) -> list:
    return unpack_texts(pickle.loads(pickle.dumps(pack_texts(list(values)))))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(VALUE, max_size=8))
@example(values=[])
@example(values=[None])
@example(values=[""])
@example(values=["", None, ""])
@example(values=["a\x1fb", None])
@example(values=["\x1f"])
def test_packed_texts_come_back_as_they_were(values):
    assert _round_trip(values) == values


def test_what_is_not_text_is_sent_as_it_is():
    for values in ([1, "a"], [b"x"], ["a", 2.5], [("t",)]):
        assert pack_texts(values) is values
        assert _round_trip(values) == values
    assert pack_texts(["a", None, "b"]) == ("a\x1f\x1fb", (1,))  # (written out by hand)


def test_a_block_s_rows_arrive_as_the_worker_built_them():
    recs = books(range(1, 40)) + [rec(None, title="Без нөмір"), rec("KZ9", date=None),
                                  rec("KZ10", title='Қос "тырнақша"\\', host="Жалын")]
    buf = b"".join(encode_record(r, "utf-8") for r in recs)
    out = _work(_Task(buf, default_plan().rules_in_force()))
    assert out.settled >= 39 and len(out.columns[0]) == 42
    state = out.__getstate__()
    assert all(isinstance(state["columns"][k], tuple) for k in _PACKED)  # packed indeed
    back = pickle.loads(pickle.dumps(out))
    assert back.columns == out.columns
    assert (back.summary, back.settled, back.records) == (out.summary, out.settled, out.records)
