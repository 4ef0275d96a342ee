"""Reading the inputs of ``rabiskit audit``: the blocks of ISO 2709 files checked in worker
processes, merged in file and block order; every other input, and every input below the
size where workers pay, record by record through the careful reader.  The block loop is
the pipeline's one (``rabiskit.pipeline.records.read_blocks``).

The audit's checks live above this layer (``rabiskit.audit``), so the command gives the
two halves of its work:

* ``work(task)``: a module-level function (worker processes get it by name) that reads one
  block (``BlockTask``: the file, where the block lies, the reading options and the
  command's own ``context`` as ``task.args``) and returns what the command merges: compact,
  typed values, not records (a ``BlockOutput`` whose ``items(shift)`` is
  ``((itself, shift),)``);
* a ``BlockSink``: ``add(src, facts)`` takes a record the careful reader read in this
  process (as ``rabiskit.facts.scan.scan`` gives it); ``add_block(result, shift)`` takes
  one block's result, in order, ``shift`` records of its file before it (its records are
  numbered from 1 in the block).  The file summaries are merged by the loop.

Blocks are cut only where the careful reader would also start a record
(``rabiskit.pipeline.workers.block_bounds``), so the records, their numbers and their
offsets are the careful reader's whatever the block size or the number of workers.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.pipeline.records import BlockOutput, BlockTask
from rabiskit.plan.model import Plan
from rabiskit.records import SourceRecord


class BlockSink(Protocol):
    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        """A record the careful reader read in this process."""

    def add_block(self, result: Any, shift: int) -> None:
        """One block's result (``work``'s), merged in order."""


def _careful(src: SourceRecord, facts: RecordFacts) -> tuple:
    return ((src, facts),)


def read_blocks(inputs: Iterable[Input], plan: Plan, sink: BlockSink,
                work: Callable[[BlockTask], BlockOutput], *, context: Any = None,
                encoding: str | None = None, flavour: str | None = None, progress=None,
                workers: int | None = None, min_fast_size: int | None = None,
                block_size: int | None = None) -> Scan:
    """Read every input into ``sink``; returns the Scan (per-file summaries, problems).

    ISO 2709 files are cut into blocks and given to ``work`` in worker processes when the
    files it can take hold ``min_fast_size`` bytes together (default 8 MB; 0: always);
    ``workers=1`` runs the blocks in this process.  A file that cannot be cut (no record
    boundary in reach) and every other input go through the careful reader."""
    from rabiskit.pipeline.records import read_blocks as blocks

    result = Scan()
    for first, second in blocks(inputs, plan, result=result, work=work, args=context,
                                careful=_careful, encoding=encoding, flavour=flavour,
                                progress=progress, workers=workers,
                                min_fast_size=min_fast_size, block_size=block_size):
        if isinstance(first, SourceRecord):
            sink.add(first, second)
        else:
            sink.add_block(first, second)
    return result


__all__ = ["BlockSink", "BlockTask", "read_blocks"]
