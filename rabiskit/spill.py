"""What the worker processes make for an output file, handed over through files.

A worker that makes a big part of an output itself (``rabiskit.export.exchange``: the
exchange file's bytes, ISO 2709 or MARCXML, in ``Written`` runs; ``rabiskit.facts.batches``:
a block's facts table) would send it back through its answer pipe: pickled there, read,
joined and unpickled here, the bytes copied four or five times over.  Where the system
copies between files in the kernel (``os.copy_file_range``: Linux), the worker writes it
instead to a file of its own in a hidden folder beside the output (``spill_folder``) and
sends back where it is: for an exchange file, ``Spilled`` bytes this process copies into
the output (``splice``: in the kernel, none through this process's memory); for the facts
table, an Arrow IPC file this process maps into memory (``facts.batches.read_spilled``).
Each file is removed once read; they hold the blocks in flight only (a few at a time), and
the folder is removed when the command ends, well or not (a process killed outright leaves
it, as it leaves the output's own temporary file).

Measured against the pipes in paired runs on the benchmark files (benchmarks/data): the
first half-year's articles and local lore to MARCXML, 57 MB written from the 200,000-record
file with the own-rule plan, in 0.86 of the wall time and 0.88 of the CPU time (16 pairs),
from the 1,000,000-record file with the built-in plan 0.86 and 0.91 (6 pairs); every
article and local-lore record of the 200,000 to ISO 2709 (19 MB) 0.82 and 0.87 (14 pairs);
the facts table of the 200,000 0.93 and 0.97 (16 pairs), of the 1,000,000 0.88 and 0.92
(5 pairs), its peak memory 134 -> 116 and 144 -> 121 MB.  Elsewhere (Windows, ``RABISKIT_SPILL=0``) the parts
come through the pipes; the output is the same byte for byte either way
(``tests/test_block_path.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

#: ``RABISKIT_SPILL=0``: the workers' output comes back through their pipes
SWITCH = "RABISKIT_SPILL"
_CHUNK = 1 << 20  # bytes copied at a time where the kernel cannot copy between the files


@dataclass(frozen=True)
class Spilled:
    """Bytes a worker wrote to ``path`` at ``offset`` (``length`` of them); ``last``: the
    file's last part (it is removed once copied)."""

    path: str
    offset: int
    length: int
    last: bool


@dataclass(frozen=True)
class SpillTo:
    """Where a worker writes its output (``folder``), and the process that reads it
    (``reader``: a block read in that process keeps its bytes)."""

    folder: str
    reader: int

    def here(self) -> bool:
        """Whether this process is a worker that should write its output to the folder."""
        return os.getpid() != self.reader


@contextlib.contextmanager
def spill_folder(target: str | Path) -> Iterator[SpillTo | None]:
    """A hidden folder beside ``target`` (the output: the same file system, where the
    kernel copies quickest) for the workers' parts, removed at the end; None where the
    kernel cannot copy between files or ``RABISKIT_SPILL=0`` is set."""
    if not hasattr(os, "copy_file_range") or os.environ.get(SWITCH) == "0":
        yield None
        return
    t = Path(target)
    folder_of = t.parent if str(t.parent) else Path(".")
    try:
        folder = tempfile.mkdtemp(prefix=f".{t.name}.", suffix=".parts", dir=str(folder_of))
    except OSError:  # (the output's folder is checked when the output is opened)
        yield None
        return
    try:
        yield SpillTo(folder, os.getpid())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_file(to: SpillTo) -> tuple[int, str]:
    """A new file of the folder, open for writing: (its descriptor, its path)."""
    return tempfile.mkstemp(dir=to.folder)


def spill(datas: list[bytes], to: SpillTo) -> list[Spilled]:
    """Write ``datas`` one after the other to a new file of the folder: where each is."""
    fd, path = new_file(to)
    out = []
    offset = 0
    with open(fd, "wb") as fh:
        for k, data in enumerate(datas):
            fh.write(data)
            out.append(Spilled(path, offset, len(data), k == len(datas) - 1))
            offset += len(data)
    return out


def splice(part: Spilled, fh: BinaryIO) -> None:
    """Append the bytes of ``part`` to ``fh`` (a file open for writing at its end): copied
    in the kernel where it can, else read and written; the worker's file is removed after
    its last part."""
    fh.flush()
    with open(part.path, "rb") as src:
        left, at = part.length, part.offset
        try:
            while left:
                n = os.copy_file_range(src.fileno(), fh.fileno(), left, at)
                if n <= 0:
                    break
                left -= n
                at += n
        except OSError:  # (file systems the kernel cannot copy between: copied here)
            pass
        fh.seek(0, os.SEEK_END)  # (the file object learns where the kernel left it)
        src.seek(at)
        while left:
            chunk = src.read(min(left, _CHUNK))
            if not chunk:
                raise OSError(f"{part.path}: {left} byte(s) missing")
            fh.write(chunk)
            left -= len(chunk)
    if part.last:
        with contextlib.suppress(OSError):
            os.unlink(part.path)
