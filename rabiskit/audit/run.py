"""Run the audit over export files: the one scan loop, every check, the Kazakh share.

``audit_inputs(inputs, plan, period, today=...)`` reads the inputs once (through
:func:`rabiskit.facts.scan.scan`, classifying each record's level with the plan's rules)
and returns an :class:`AuditResult`.  ``audit_records(pairs, plan, period, ...)`` does the
same from (SourceRecord, RecordFacts) pairs already read (e.g. from the ledger), and
``Auditor`` is the same thing fed record by record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable

from rabiskit.aggregate.count import levels_in_order
from rabiskit.aggregate.period import Period
from rabiskit.audit.checks import (AuditOptions, check_dates, check_encoding, check_language,
                                   check_structure, text_language)
from rabiskit.audit.duplicates import DuplicateFinder
from rabiskit.audit.findings import AuditResult, ShareRow
from rabiskit.audit.language import KAZ
from rabiskit.audit.store import FindingStore
from rabiskit.facts.model import RecordFacts
from rabiskit.plan.model import Plan
from rabiskit.records import SourceRecord

@dataclass
class Auditor:
    """Feed (SourceRecord, RecordFacts) pairs with :meth:`add`, then call :meth:`result`.

    ``period``: the Kazakh share counts the records entered in it (not deleted).
    ``only_period``: report content findings (language, encoding) only for records entered
    in the period or with no usable date; dates, structure and duplicates are always
    reported for every record.
    """

    plan: Plan | None  # (None in a worker process: only ``result`` reads the plan)
    period: Period
    options: AuditOptions
    only_period: bool = False
    findings: FindingStore = field(default_factory=FindingStore)
    shares: dict[str, ShareRow] = field(default_factory=dict)
    duplicates: DuplicateFinder = field(default_factory=DuplicateFinder)
    records: int = 0
    in_period: int = 0
    not_bibliographic: int = 0

    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        self.records += 1
        self.findings.extend(check_structure(src, facts))
        if facts.not_bibliographic:
            self.not_bibliographic += 1  # authority, holdings ...: no language or date to check
            return
        self.duplicates.add(src, facts)
        if facts.is_deleted:
            return
        self.findings.extend(check_dates(src, facts, self.options))
        d = facts.date_entered
        inside = d is not None and self.period.contains(d)
        if not self.only_period or inside or d is None:
            lang = text_language(src)
            self.findings.extend(check_language(src, facts, self.options, lang))
            self.findings.extend(check_encoding(src, facts))
        if inside:  # (then the language was read above)
            self.in_period += 1
            row = self.shares.setdefault(facts.level or "book", ShareRow())
            row.records += 1
            coded_kaz = facts.languages_coded and facts.language == KAZ
            row.coded_kazakh += coded_kaz
            det = lang.detection
            if det.decided:
                row.written_kazakh += det.language == KAZ
            else:
                row.from_coding += 1
                row.written_kazakh += coded_kaz

    def result(self, scan=None) -> AuditResult:
        """The result; the findings stay in the store (spooled), read back in order by the
        result's writers.  The auditor takes no more records after this."""
        dups = self.duplicates
        self.findings.add_made("duplicate", dups.duplicate_count(), dups.duplicate_findings,
                               close=dups.close, texts=dups.duplicate_texts,
                               pieces=dups.duplicate_bytes)
        self.findings.add_grouped("repeated_control_number", dups.repeated_id_findings())
        return AuditResult(store=self.findings, kazakh_share=self.share_table(),
                           period=self.period, records=self.records, in_period=self.in_period,
                           not_bibliographic=self.not_bibliographic,
                           today=self.options.today, scan=scan)

    def share_table(self) -> dict[str, ShareRow]:
        """Rows for the plan's levels and any level found, then "total"; plan targets for
        the period's quarters (none for a period that is not whole quarters)."""
        assert self.plan is not None
        quarters = self.period.quarters if self.period.aligned else ()
        out: dict[str, ShareRow] = {}
        total = ShareRow()
        for lv in levels_in_order(self.plan, self.shares):
            row = self.shares.get(lv)
            planned = bool(lv in self.plan.catalogue and quarters
                           and self.plan.target(lv, quarters)[0])
            if row is None and not planned:
                continue
            row = row or ShareRow()
            if planned:
                row.target_total, row.target_kazakh = self.plan.target(lv, quarters)
            out[lv] = row
            total.records += row.records
            total.coded_kazakh += row.coded_kazakh
            total.written_kazakh += row.written_kazakh
            total.from_coding += row.from_coding
        if quarters:
            total.target_total, total.target_kazakh = self.plan.total_target(quarters)
        out["total"] = total
        return out


def audit_inputs(inputs: Iterable, plan: Plan, period: Period, today: dt.date | None = None, *,
                 oldest: dt.date = dt.date(1990, 1, 1), min_confidence: float = 0.7,
                 only_period: bool = False, encoding: str | None = None,
                 flavour: str | None = None, progress: Callable[[int, str], None] | None = None,
                 workers: int | None = None, min_fast_size: int | None = None,
                 block_size: int | None = None) -> AuditResult:
    """Audit every record of ``inputs`` (rabiskit.facts.scan.Input values).

    ``today`` (default: the real today) decides what is in the future; ``oldest`` what is
    implausibly old.  The result's ``scan`` holds the per-file summaries and problems.

    ISO 2709 files of ``min_fast_size`` bytes or more together (default 8 MB; 0: always)
    are audited in blocks by ``workers`` processes (default one per core; 1: in this
    process), merged in record order (``rabiskit.audit.blocks``): the same result."""
    from rabiskit.audit.blocks import AuditContext, BlockMerge, audit_block
    from rabiskit.pipeline.audit import read_blocks

    opts = AuditOptions(today=today or dt.date.today(), oldest=oldest,
                        min_confidence=min_confidence)
    auditor = Auditor(plan, period, opts, only_period=only_period)
    scan = read_blocks(inputs, plan, BlockMerge(auditor), audit_block,
                       context=AuditContext(period, opts, only_period), encoding=encoding,
                       flavour=flavour, progress=progress, workers=workers,
                       min_fast_size=min_fast_size, block_size=block_size)
    return auditor.result(scan)


def audit_records(pairs: Iterable[tuple[SourceRecord, RecordFacts]], plan: Plan, period: Period,
                  today: dt.date | None = None, *, oldest: dt.date = dt.date(1990, 1, 1),
                  min_confidence: float = 0.7, only_period: bool = False, scan=None
                  ) -> AuditResult:
    """Audit (SourceRecord, RecordFacts) pairs already read and classified, e.g. the
    records kept in a ledger (``rabiskit.ledger.source.ledger_sources``).

    ``scan``: the Scan describing where they came from (per-file summaries, problems),
    given to the result; it is read only after every pair has been audited."""
    opts = AuditOptions(today=today or dt.date.today(), oldest=oldest,
                        min_confidence=min_confidence)
    auditor = Auditor(plan, period, opts, only_period=only_period)
    for src, facts in pairs:
        auditor.add(src, facts)
    return auditor.result(scan)
