"""The audit of one block of an ISO 2709 file, in a worker process, and its merge.

``audit_block(task)`` (run by ``rabiskit.pipeline.audit.read_blocks`` in a worker) reads
its block itself, takes each record as the block path gives it (``block_records``: the
clean records decoded from the block index, the others by the careful reader) and puts it
through the same per-record checks as the careful path (``Auditor.add``).  What it returns
is compact and typed (:class:`BlockAudit`): the findings as rows, the Kazakh-share counts,
the block's file summary and the duplicate finder's hashed keys and marshalled references
(``DuplicateFinder.export``), with the records numbered from 1 in the block.
``BlockMerge.add_block`` adds it to the run's auditor, the record numbers moved on by the
records of the file before the block: the result is the careful path's, finding for
finding, whatever the block size or the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rabiskit.aggregate.period import Period
from rabiskit.audit.checks import AuditOptions
from rabiskit.audit.duplicates import DuplicateFinder, FinderPart
from rabiskit.audit.findings import Finding, ShareRow
from rabiskit.audit.store import _row
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import FileSummary
from rabiskit.pipeline.audit import BlockTask, merge_summary
from rabiskit.records import Problem, SourceRecord


@dataclass(frozen=True)
class AuditContext:
    """What a worker needs to check a block's records (see ``Auditor``)."""

    period: Period
    options: AuditOptions
    only_period: bool = False


@dataclass
class BlockAudit:
    """One block's audit, its records numbered from 1 in the block."""

    numbered: int  # the records the block numbered (the next block's shift)
    records: int  # records audited
    in_period: int
    not_bibliographic: int
    findings: list[tuple]  # rows (``rabiskit.audit.store``), in the order found
    shares: dict[str, ShareRow]
    summary: FileSummary
    duplicates: FinderPart
    file_problems: list[Problem] = field(default_factory=list)


class _Rows:
    """The findings of a block as rows, in the order they are found."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def extend(self, findings) -> None:
        self.rows.extend(map(_row, findings))


def _keep_source(src: SourceRecord, facts: RecordFacts) -> SourceRecord:
    return src


def audit_block(task: BlockTask) -> BlockAudit:
    """Read and audit one block (in a worker process)."""
    from rabiskit.audit.run import Auditor
    from rabiskit.facts.fast import block_records

    ctx: AuditContext = task.context
    res = block_records(task.read(), task.start, display=task.display, db_level=task.db_level,
                        rules=task.rules, encoding=task.encoding, flavour=task.flavour,
                        tags=None, extract=_keep_source)
    rows = _Rows()
    auditor = Auditor(None, ctx.period, ctx.options, only_period=ctx.only_period,
                      findings=rows,  # type: ignore[arg-type]
                      duplicates=DuplicateFinder(in_memory=1 << 30))
    summary = FileSummary(file=task.display, db_level=task.db_level)
    summary.block_settled = res.settled
    numbered = 0
    for number, facts, reason, problems, src in res.records:
        summary.add_read(facts, reason, problems)
        auditor.add(src, facts)
        numbered = max(numbered, number)
    return BlockAudit(numbered, auditor.records, auditor.in_period, auditor.not_bibliographic,
                      rows.rows, auditor.shares, summary, auditor.duplicates.export(),
                      res.file_problems)


class BlockMerge:
    """The sink of ``read_blocks`` for an auditor: records read in this process go to
    ``Auditor.add``, blocks (``BlockAudit``) are merged into it."""

    def __init__(self, auditor) -> None:
        self.auditor = auditor

    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        self.auditor.add(src, facts)

    def add_block(self, res: BlockAudit, shift: int, summary: FileSummary) -> int:
        a = self.auditor
        a.records += res.records
        a.in_period += res.in_period
        a.not_bibliographic += res.not_bibliographic
        store = a.findings
        for row in res.findings:
            store.add(Finding(row[0], row[1], row[2] + shift, *row[3:]))
        for level, part in res.shares.items():
            row = a.shares.setdefault(level, ShareRow())
            row.records += part.records
            row.coded_kazakh += part.coded_kazakh
            row.written_kazakh += part.written_kazakh
            row.from_coding += part.from_coding
        a.duplicates.merge(res.duplicates, shift)
        merge_summary(summary, res.summary, shift)
        summary.problems.extend(res.file_problems)
        return res.numbered if res.summary.records else 0
