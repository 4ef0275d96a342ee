"""Counting inputs: each export file read by the block reader on every core where it pays,
else by the careful reader, into one Tally and the per-file summaries (a Scan).

``count_inputs`` is what ``rabiskit count``, the web page and the report's count call; the
decisions stay below (facts, rules, aggregate), this module only chooses the path and
merges the results in input order.
"""

from __future__ import annotations

from rabiskit.aggregate.count import OperatorTally, Tally, classifier_for
from rabiskit.aggregate.period import Period
from rabiskit.plan.model import Plan


def count_inputs(inputs, plan: Plan, period: Period, *, encoding=None, flavour=None,
                 progress=None, fast: bool | None = None, workers: int | None = None,
                 block_size: int | None = None, min_fast_size: int | None = None,
                 operators: OperatorTally | None = None):
    """Read the inputs and tally their records for ``period``.  Returns (Tally, Scan).

    ISO 2709 files and plain MARC 21 slim collections are read by the fast path on every
    core when the plan uses the default level rules or the file is declared with ``--db``,
    and (``fast=None``) the files the fast path can take hold at least ``min_fast_size``
    bytes together (8 MB: below that, starting the worker processes costs more than it
    saves); ``fast=False`` forces the careful reader, ``fast=True`` the fast path whatever
    the size.  Both give the same numbers, summaries and problems, in input order.
    ``operators``: an OperatorTally to feed too (it needs every record's fields, so the
    careful reader reads everything)."""
    from rabiskit.pipeline.sizes import BLOCK_SIZE, MIN_FAST_SIZE
    from rabiskit.facts.scan import Scan, dedupe_inputs, finish_file, start_file
    from rabiskit.rules.engine import DEFAULT_RULES

    result = Scan()
    tally = Tally(period)
    classify = classifier_for(plan)
    if operators is not None:
        fast = False
    rules = tuple(plan.rules_in_force())
    default_rules = rules == tuple(DEFAULT_RULES)
    min_size = MIN_FAST_SIZE if min_fast_size is None else min_fast_size
    items = list(inputs)
    _, dup = dedupe_inputs(items)
    kinds: list[tuple] = []  # (input, summary, fast kind or None), in input order
    fast_size = 0
    for inp in items:
        summary = start_file(inp, result, dup)
        if summary is None:
            continue
        kind, size = _fast_kind(inp, fast, default_rules, encoding)
        fast_size += size if kind else 0
        kinds.append((inp, summary, kind))
    if fast is None and fast_size < min_size:
        kinds = [(inp, summary, None) for inp, summary, _ in kinds]
    if not any(kind for _, _, kind in kinds):  # the careful reader alone: no numpy, no pool
        for inp, summary, _ in kinds:
            _count_carefully(inp, summary, tally, classify, encoding, flavour, progress,
                             operators)
        return tally, result
    from rabiskit.facts.fast import KeyReader
    from rabiskit.pipeline.workers import FastFile, KeyCounts, fast_count_files, make_executor

    jobs = [(inp, summary, FastFile(inp.path, inp.display, kind, inp.db_level, encoding, flavour,
                                    rules) if kind else None) for inp, summary, kind in kinds]
    fast_files = [job for _, _, job in jobs if job is not None]
    executor = make_executor(workers) if fast_files and workers != 1 else None
    fast_tally: dict[str | None, KeyCounts] = {}  # per --db level: the fast path's groups
    languages: list = []
    try:
        results = fast_count_files(fast_files, executor=executor, block_size=block_size or BLOCK_SIZE,
                                   progress=progress)
        for inp, summary, job in jobs:
            res = next(results) if job is not None else None
            if res is None:
                _count_carefully(inp, summary, tally, classify, encoding, flavour, progress,
                                 operators)
            else:
                _add_fast(res, job, summary, tally, fast_tally)
                languages = res.languages or languages
                finish_file(summary)
    finally:
        if executor is not None:
            executor.shutdown()
    # the fast groups of all the files at once: the tally's sums do not depend on the order
    for db_level, keys in fast_tally.items():
        for d, level, language, n in KeyReader(rules, languages, db_level).tally_counts(*keys.total()):
            tally.add_count(d, level, language, n)
    return tally, result


def _fast_kind(inp, fast: bool | None, default_rules: bool, encoding) -> tuple[str | None, int]:
    """("iso2709" or "marcxml", size) when the fast path may read the input, else (None, 0)."""
    from rabiskit.sources import sniff_format

    if fast is False or inp.path.suffix.lower() == ".gz":
        return None, 0
    try:
        size = inp.path.stat().st_size
        kind = sniff_format(inp.path)
    except Exception:
        return None, 0
    # the plain MARCXML path decides levels by the default rules only
    if kind == "iso2709" or (kind == "marcxml" and encoding is None and (default_rules or inp.db_level)):
        return kind, size
    return None, 0


def _count_carefully(inp, summary, tally: Tally, classify, encoding, flavour, progress,
                     operators: OperatorTally | None = None) -> None:
    from rabiskit.facts.scan import scan_one

    for src, facts in scan_one(inp, summary, classify=classify, encoding=encoding,
                               flavour=flavour, progress=progress):
        tally.add(facts)
        if operators is not None:
            operators.add(src, facts)


def _add_fast(res, job, summary, tally: Tally, fast_tally: dict) -> None:
    """A file's fast-path result into its summary and the tally, as the careful path adds
    its records (the ISO 2709 groups into ``fast_tally``, added to the tally at the end)."""
    from rabiskit.facts.fast import FastKey, KeyReader
    from rabiskit.pipeline.workers import KeyCounts
    from rabiskit.facts.scan import sort_problems, with_record_context

    summary.format = job.kind
    summary.size = res.size
    summary.block_settled = res.settled
    if res.keys.size:
        reader = KeyReader(job.rules, res.languages, job.db_level)
        groups, first, last = reader.summary_groups(res.keys, res.counts, encoding=job.encoding)
        for key, n in groups:
            summary.add_group(key, n, dates=(first, last))
        fast_tally.setdefault(job.db_level, KeyCounts()).add(res.keys, res.counts)
    for key, n in res.groups.items():
        key = FastKey.of(key)
        summary.add_group(key, n)
        tally.add_group(key, n)
    for facts, reason, problems in sorted(res.careful, key=lambda c: c[0].record):
        summary.add(facts)
        summary.encoding_reasons[f"{facts.encoding}: {reason}"] += 1
        summary.problems.extend(with_record_context(p, facts) for p in problems)
        tally.add(facts)
    summary.problems.extend(res.file_problems)
    sort_problems(summary)
