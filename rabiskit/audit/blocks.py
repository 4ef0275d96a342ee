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
from rabiskit.pipeline.records import BlockTask
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

    records: int  # the records the block numbered (the next block's shift)
    audited: int  # records audited
    in_period: int
    not_bibliographic: int
    findings: list[tuple]  # rows (``rabiskit.audit.store``), in the order found
    shares: dict[str, ShareRow]
    summary: FileSummary
    duplicates: FinderPart
    file_problems: list[Problem] = field(default_factory=list)
    settled: int = 0  # records the block path settled

    def items(self, shift: int) -> tuple:
        return ((self, shift),)


class _Rows:
    """The findings of a block as rows, in the order they are found."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def extend(self, findings) -> None:
        self.rows.extend(map(_row, findings))


def _keep_source(src: SourceRecord, facts: RecordFacts) -> SourceRecord:
    return src


def audit_block(task: BlockTask) -> BlockAudit:
    """Read and audit one block (in a worker process).

    The block's quiet records (see :mod:`rabiskit.audit.quiet`: clean UNIMARC records
    in which no per-record check can find anything) are audited from the block's columns;
    every other record is decoded whole (the clean ones from the block index, the others
    by the careful reader) and goes through ``Auditor.add``."""
    from rabiskit.audit.quiet import quiet_records
    from rabiskit.audit.run import Auditor
    from rabiskit.facts.fast import _careful_block, _careful_records
    from rabiskit.facts.blocks import index_block

    ctx: AuditContext = task.args
    buf = task.read()
    rows = _Rows()
    auditor = Auditor(None, ctx.period, ctx.options, only_period=ctx.only_period,
                      findings=rows,  # type: ignore[arg-type]
                      duplicates=DuplicateFinder(in_memory=None))
    summary = FileSummary(file=task.display, db_level=task.db_level)
    ix = index_block(buf, encoding=task.encoding, flavour=task.flavour)
    settled = 0
    if ix is None:  # not a run of clean records: the careful reader reads the block
        chunk = _careful_block(buf, task.start, task.display, task.db_level, task.rules,
                               task.encoding, task.flavour, _keep_source)
        entries, file_problems, quiet = chunk.careful, chunk.file_problems, None
    else:
        quiet, whole = quiet_records(ix, task, ctx)
        careful = _careful_records_of(ix, buf, task, _careful_records)
        entries = sorted(careful.careful + _clean_entries(ix, buf, task, whole, quiet.levels),
                         key=lambda t: t[0])
        file_problems = careful.file_problems
        settled = int(ix.clean.sum())
    numbered = 0
    qi = 0
    q_numbers = quiet.numbers if quiet is not None else []
    for number, facts, reason, problems, src in entries:
        while qi < len(q_numbers) and q_numbers[qi] < number:
            qi = quiet.add_to(auditor, summary, qi, number)
        summary.add_read(facts, reason, problems)
        auditor.add(src, facts)
        numbered = max(numbered, number)
    if quiet is not None and qi < len(q_numbers):
        quiet.add_to(auditor, summary, qi, None)
    if q_numbers:
        numbered = max(numbered, q_numbers[-1])
    return BlockAudit(numbered if summary.records else 0, auditor.records, auditor.in_period,
                      auditor.not_bibliographic, rows.rows, auditor.shares, summary,
                      auditor.duplicates.export(), file_problems, settled)


def _careful_records_of(ix, buf: bytes, task: BlockTask, careful_records):
    import numpy as np

    from rabiskit.facts.fast import ChunkResult

    res = ChunkResult()
    careful_records(res, buf, task.start, ix, np.flatnonzero(~ix.clean).tolist(), task.display,
                    task.db_level, task.rules, task.encoding, task.flavour, _keep_source)
    return res


def _clean_entries(ix, buf: bytes, task: BlockTask, which, lv) -> list[tuple]:
    """The clean records ``which`` decoded whole from the block index, as the block path
    gives them (``rabiskit.facts.fast.block_records``)."""
    from rabiskit.facts.blocks import combo_outcome, records_of
    from rabiskit.facts.extract import extract_facts

    out = []
    if not which.size:
        return out
    recs = records_of(ix, which, None)
    for i, rec, c, code in zip(which.tolist(), recs, ix.combo[which].tolist(),
                               lv.codes[which].tolist()):
        enc, reason = combo_outcome(c, task.encoding)  # type: ignore[misc]
        a = int(ix.starts[i])
        end = int(ix.ends[i]) + 1
        src = SourceRecord(task.display, i + 1, task.start + a, end - a, rec,
                           "unimarc" if c & 1 else "marc21", enc, reason, raw=buf[a:end])
        level = lv.values[code][0] if code >= 0 else None
        facts = extract_facts(src, level)
        out.append((i + 1, facts, reason, (), src))
    return out


class BlockMerge:
    """The sink of ``read_blocks`` for an auditor: records read in this process go to
    ``Auditor.add``, blocks (``BlockAudit``) are merged into it."""

    def __init__(self, auditor) -> None:
        self.auditor = auditor

    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        self.auditor.add(src, facts)

    def add_block(self, res: BlockAudit, shift: int) -> None:
        a = self.auditor
        a.records += res.audited
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
