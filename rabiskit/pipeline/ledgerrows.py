"""The records of export files as the ledger stores them, for ``rabiskit import``.

``import_blocks(inputs, plan, result=...)`` yields ``RowBlock``s (``rabiskit.ledger.importer``):
every record of every input, in order, as the columns of its ledger row.  ISO 2709 files
are cut into blocks that worker processes read from the file themselves and decide as
``rabiskit facts`` does (``rabiskit.facts.batches.decide_block``: the block path, the
careful reader for the records it does not settle); each worker also computes what the
ledger keeps of each record and the block's part of the file summary, and sends the block
back as plain columns (ints, text, bytes), so this process only renumbers the records and
inserts them.  The rows of the records the block path settled come from the block's
columns and bytes (``rabiskit.ledger.blockrows.settled_columns``), the others' from the
decoded record (``rabiskit.ledger.codec.record_row``).  Other inputs, and every input
below the size where workers pay, are read by the careful reader here.  The rows and
summaries are those of ``rabiskit.pipeline.records.read_records`` with ``record_row``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from rabiskit.facts.scan import FileSummary, Input, Scan
from rabiskit.ledger.codec import ROW_COLUMNS, ROW_PROBLEMS, ROW_RECORD, record_row
from rabiskit.ledger.importer import RowBlock, pair_row, problems_json, rows_block
from rabiskit.plan.model import Plan
from rabiskit.records import Problem

#: records of a carefully read file given to the importer together
CAREFUL_BATCH = 2000


@dataclass
class BlockRows:
    """What a worker gives back for one block (``rabiskit.pipeline.records.BlockOutput``):
    the ``ROW_COLUMNS`` of its records (numbered in the block; ``problems``: tuples of
    Problems), the block's part of the file summary (its problems numbered in the block
    too), the problems outside records, how many records the block path settled, and the
    last record number of the block."""

    display: str
    columns: list[list] = field(default_factory=list)
    summary: FileSummary = field(default_factory=lambda: FileSummary(file=""))
    file_problems: list[Problem] = field(default_factory=list)
    settled: int = 0
    records: int = 0

    def items(self, shift: int) -> tuple[RowBlock]:
        """The block as the importer takes it: numbered in the file, problems as JSON."""
        cols = self.columns
        if cols:
            if shift:
                cols[ROW_RECORD] = [r + shift for r in cols[ROW_RECORD]]
            problems = cols[ROW_PROBLEMS]
            if problems.count(()) == len(problems):  # (the usual block: none)
                cols[ROW_PROBLEMS] = ["[]"] * len(problems)
            else:
                cols[ROW_PROBLEMS] = [problems_json(ps, shift) if ps else "[]"
                                      for ps in problems]
        return (RowBlock(self.display, cols),)

    # from a worker to this process: the text columns whose values differ record by record
    # as one string each (pickled and unpickled in a fraction of the time of their values)
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        cols = state["columns"]
        if cols:
            cols = list(cols)
            for k in _PACKED:
                cols[k] = pack_texts(cols[k])
            state["columns"] = cols
        return state

    def __setstate__(self, state: dict) -> None:
        cols = state["columns"]
        for k in _PACKED if cols else ():
            cols[k] = unpack_texts(cols[k])
        self.__dict__.update(state)


#: the columns ``BlockRows`` sends as one string each
_PACKED = tuple(ROW_COLUMNS.index(c) for c in (
    "key", "checksum", "control_number", "date_entered_raw", "date_changed", "title", "isbn",
    "links", "extent", "host_title"))
#: between the values of a packed column (a value holding it is sent as it is)
_SEP = "\x1f"


def pack_texts(values: list) -> list | tuple:
    """A column of text (and None) as (the values joined by ``_SEP``, where the Nones
    were); the column itself when a value is not text or holds ``_SEP``."""
    n = len(values)
    if not n:
        return values
    where: tuple[int, ...] = ()
    texts = values
    if values.count(None):
        where = tuple(i for i, v in enumerate(values) if v is None)
        texts = ["" if v is None else v for v in values]
    try:
        joined = _SEP.join(texts)
    except TypeError:
        return values
    if joined.count(_SEP) != n - 1:
        return values
    return (joined, where)


def unpack_texts(packed: list | tuple) -> list:
    """The column ``pack_texts`` packed."""
    if isinstance(packed, list):
        return packed
    joined, where = packed
    values: list = joined.split(_SEP)
    for i in where:
        values[i] = None
    return values


def _work(task) -> BlockRows:
    from rabiskit.facts.batches import decide_block
    from rabiskit.ledger.blockrows import settled_columns

    d = decide_block(task.read(), task.start, display=task.display, db_level=task.db_level,
                     rules=task.rules, encoding=task.encoding, flavour=task.flavour, whole=True)
    # the records read one by one (the careful reader's, and clean ones left undecided):
    # their rows from the decoded record; the settled ones' from the block's columns
    careful = [(number, record_row(src, facts)) for number, facts, _r, _p, src in d.rows]
    if d.ix is not None and d.which.size:
        columns = settled_columns(d, task.display, task.start)
        if careful:
            numbered = sorted([*careful, *zip((d.which + 1).tolist(), zip(*columns))],
                              key=_first)
            columns = [list(c) for c in zip(*(row for _n, row in numbered))]
    else:
        columns = [list(c) for c in zip(*(row for _n, row in careful))]
    if columns:
        _in_read_order(d.summary, columns)
    return BlockRows(task.display, columns, d.summary, d.file_problems, int(d.which.size),
                     d.records)


def _first(item: tuple):
    return item[0]


_COL = {c: k for k, c in enumerate(ROW_COLUMNS)}


def _in_read_order(summary: FileSummary, columns: list[list]) -> None:
    """The summary's counters with their keys in the order the records first name them
    (the order ``FileSummary.add_read`` record by record gives them, which the ledger's
    summary JSON keeps); the block path counts them by group."""
    encodings = columns[_COL["encoding"]]

    def reasons() -> list[str]:
        return [f"{e}: {r}" for e, r in zip(encodings, columns[_COL["encoding_reason"]])]

    for name, keys in (("flavours", columns[_COL["flavour"]]), ("encodings", encodings),
                       ("encoding_reasons", reasons),
                       ("record_types", columns[_COL["record_type"]]),
                       ("bibliographic_levels", columns[_COL["bibliographic_level"]]),
                       ("languages", columns[_COL["language"]]),
                       ("levels", columns[_COL["level"]])):
        counter = getattr(summary, name)
        if len(counter) > 1:
            if callable(keys):  # (the reasons' texts only when the block has several)
                keys = keys()
            ordered = Counter({k: counter[k] for k in dict.fromkeys(keys) if k in counter})
            for k in counter.keys() - ordered.keys():  # (none: every key is some record's)
                ordered[k] = counter[k]
            setattr(summary, name, ordered)


def _careful_row(src, facts) -> tuple:
    return ((facts.file, pair_row(src, facts)),)


def import_blocks(inputs: Iterable[Input], plan: Plan, *, result: Scan,
                  encoding: str | None = None, flavour: str | None = None,
                  progress: Callable[[int, str], None] | None = None,
                  workers: int | None = None, min_fast_size: int | None = None,
                  block_size: int | None = None) -> Iterator[RowBlock]:
    """The records of ``inputs`` as RowBlocks, in order; ``result`` receives the per-file
    summaries (complete once the blocks are exhausted).  The careful reader's records come
    in RowBlocks of up to ``CAREFUL_BATCH``."""
    from rabiskit.pipeline.records import read_blocks

    held: list[tuple] = []
    held_file: str | None = None
    # (the workers yield to this process: its SQLite writes are the import's bound)
    for item in read_blocks(inputs, plan, result=result, work=_work, careful=_careful_row,
                            encoding=encoding, flavour=flavour, progress=progress,
                            workers=workers, min_fast_size=min_fast_size,
                            block_size=block_size, yielding=True):
        if isinstance(item, RowBlock):
            if held:
                yield rows_block(held_file, held)
                held = []
            yield item
            continue
        file, row = item
        if held and (file != held_file or len(held) >= CAREFUL_BATCH):
            yield rows_block(held_file, held)
            held = []
        held_file = file
        held.append(row)
    if held:
        yield rows_block(held_file, held)


__all__ = ["BlockRows", "import_blocks"]
