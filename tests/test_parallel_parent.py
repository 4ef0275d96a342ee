"""The run's own process reading blocks beside its worker pool (``make_executor(...,
parent_works=True)``, ``fast_count_files``): the same results, in the same order, as one
process reading every block; and the small parts that keep a count's start-up short
(``sorted_distinct``, the progress bar's terminal check)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from test_block_path import HAND, both, default_plan, own_rule_plan
from test_block_counting_parts import _block
from rabiskit.facts.blocks import sorted_distinct
from rabiskit.facts.scan import Input
from rabiskit.pipeline.workers import FastFile, fast_count_files, make_executor


def test_make_executor_leaves_a_core_to_this_process():
    for n, want in ((2, 1), (3, 2), (1, 1)):
        pool = make_executor(n, parent_works=True)
        assert pool._max_workers == want and pool.parent_works
        pool.shutdown()
    pool = make_executor(2)
    assert pool._max_workers == 2 and not pool.parent_works
    pool.shutdown()


def _files(tmp_path):
    """Three files: many small blocks with records the careful reader takes (a month 13),
    one that is not a run of records (left whole to the careful reader: None), one short."""
    many = tmp_path / "many.iso"
    many.write_bytes(_block(300) + b"".join(HAND) * 20 + _block(50))
    odd = tmp_path / "odd.iso"
    odd.write_bytes(b"garbage, no record " * 1200)  # no cut within MAX_BLOCKS blocks
    short = tmp_path / "short.iso"
    short.write_bytes(b"".join(HAND))
    return [many, odd, short]


def _results(paths, plan, executor):
    files = [FastFile(p, p.name, "iso2709", rules=tuple(plan.rules_in_force())) for p in paths]
    out = []
    for res in fast_count_files(files, executor=executor, block_size=2000):
        if res is None:
            out.append(None)
            continue
        out.append((res.records, res.settled, res.keys.tolist(), res.counts.tolist(),
                    [(f.record, f.offset, f.date_entered, reason, [p.message for p in ps])
                     for f, reason, ps, _ in res.careful], res.languages))
    return out


def test_this_process_and_the_pool_give_what_one_process_gives(tmp_path):
    paths = _files(tmp_path)
    for plan in (default_plan(), own_rule_plan()):
        alone = _results(paths, plan, None)
        assert alone[1] is None and alone[0][0] == 350 + 6 * 20 and alone[0][1] > 300
        assert len(alone[0][4]) == 20  # the month-13 records, read carefully, in order
        for n in (2, 3):
            pool = make_executor(n, parent_works=True)
            try:
                assert _results(paths, plan, pool) == alone, n
            finally:
                pool.shutdown()


def test_blocks_queued_and_not_started_are_taken_back(tmp_path):
    """At the stream's end this process takes back the blocks queued in the pool that no
    worker has started, and reads them itself (``steal``).  The pool here is one thread kept
    busy by a gate until the reading is over: no block it was given can start, so the run
    ends only if this process took every one of them back; the results are one process's."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    paths = _files(tmp_path)
    plan = default_plan()
    alone = _results(paths, plan, None)
    pool = ThreadPoolExecutor(1)
    pool.parent_works = True  # type: ignore[attr-defined]
    gate, timed_out = threading.Event(), []
    pool.submit(lambda: timed_out.append(not gate.wait(30)))
    try:
        assert _results(paths, plan, pool) == alone
    finally:
        gate.set()
        pool.shutdown()
    assert timed_out == [False]  # the reading ended with the pool still shut


def test_counts_through_the_parent_and_one_worker(tmp_path):
    """A whole count (``count_inputs``) with two processes reading (this one and a worker)
    is the careful reader's."""
    paths = _files(tmp_path)
    inputs = [Input(p) for p in paths]
    for plan in (default_plan(), own_rule_plan()):
        careful, fast, settled = both(inputs, plan, workers=2, block_size=1500)
        assert fast == careful and settled > 300


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(1 << 62), 1 << 62), max_size=40))
@example([])
@example([5])
@example([3, 3, 3])
@example([2, 1, 2, 1])
def test_sorted_distinct_is_np_unique(values):
    a = np.array(values, dtype=np.int64)
    assert sorted_distinct(a).tolist() == np.unique(a).tolist() == sorted(set(values))


@settings(max_examples=60, deadline=None)
@given(blocks=st.lists(st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 9)), max_size=60),
                       max_size=30),
       fold_at=st.sampled_from([5, 50, 1 << 18]))
@example(blocks=[], fold_at=50)
@example(blocks=[[(7, 1)], [(7, 2)], [(3, 1), (7, 1)]], fold_at=1 << 18)  # hits, then a miss
@example(blocks=[[(1, 1), (1, 2)], [(1, 3)]], fold_at=5)  # a key twice in one block
def test_key_counts_sum_every_block(blocks, fold_at):
    from rabiskit.pipeline.workers import KeyCounts

    kc = KeyCounts(fold_at=fold_at)
    expected: dict[int, int] = {}
    for block in blocks:
        keys = np.array([k for k, _ in block], dtype=np.int64)
        counts = np.array([c for _, c in block], dtype=np.int64)
        kc.add(keys, counts)
        for k, c in block:
            expected[k] = expected.get(k, 0) + c
    k, c = kc.total()
    assert k.tolist() == sorted(expected) and dict(zip(k.tolist(), c.tolist())) == expected
    assert kc.total()[1].tolist() == c.tolist()  # total() again: the same, nothing lost
