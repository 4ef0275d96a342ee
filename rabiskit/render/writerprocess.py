"""The XLSX and DOCX outputs of a report written by a helper process.

openpyxl and python-docx take a tenth of a second or more to import, and writing a
workbook is pure Python.  In the main process both stood on the report's critical path:
the import ran in a thread beside the reading of the inputs (``preload_writers``), taking
the interpreter from this process's own blocks and merging, and the workbook was written
after the JSON, one after the other, while the other core sat idle.

So where processes can be forked, the report command starts a helper process as soon as
its options are checked (``WriterProcess.start``), when the start-up leaves a core idle:
the helper imports the writers there and then waits.  When the report is made, it gets the
report and the outputs of its formats, and writes them while this process writes the
others (JSON, CSV, HTML, Markdown).  Measured on 200,000 records with JSON and XLSX
outputs: see the CHANGELOG.

Nothing is lost when the helper cannot do its part: an output it could not write for a
reason other than the file system (or a helper that is gone) is written here, as it would
have been without it; a file-system error (a full disk, a folder that cannot be written)
comes back as the ``OSError`` it was.  No helper is started where there is no fork
(Windows), where other threads already run (a fork would copy their locks half-held), or
when no output needs one.
"""

from __future__ import annotations

import dataclasses
import errno
import importlib
import os
import threading
from pathlib import Path
from typing import Any, Sequence

from rabiskit.render.outputs import SLOW_WRITERS, write_each, write_output
from rabiskit.report.document import Report

#: the formats written by the helper (``SLOW_WRITERS``), and the module each needs
#: imported.  Their writers read the report's tables, not its JSON document
#: (``Report.data``): the helper is sent the report without it (on 200,000 records the
#: whole report pickled to 3.8 MB in 0.18 s, as much as the workbook takes to write;
#: without its document, to some 50 KB)
HELPED = SLOW_WRITERS


class WriterProcess:
    """The helper process (see the module's text); ``formats``: those it writes."""

    def __init__(self, process: Any, conn: Any, formats: frozenset[str]) -> None:
        self.process = process
        self.conn = conn
        self.formats = formats

    @classmethod
    def start(cls, formats: Sequence[str]) -> WriterProcess | None:
        """The helper for the outputs of ``formats``, importing their writers; None when
        none of them needs one, or no helper can be forked safely here."""
        helped = frozenset(f for f in formats if f in HELPED)
        if not helped or not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=_helper, args=(theirs, [HELPED[f] for f in sorted(helped)]),
                              name="rabiskit-writer", daemon=True)
        try:
            process.start()
        except OSError:  # no process to be had (a limit on processes): write them here
            ours.close()
            theirs.close()
            return None
        theirs.close()
        return cls(process, ours, helped)

    def write(self, report: Report, targets: Sequence[tuple[Path, str]]) -> dict[Path, OSError | None]:
        """Write ``targets`` (path, format): those of the helper's formats by the helper,
        the others here meanwhile; each output's ``OSError``, or None when it is written."""
        theirs = [(p, f) for p, f in targets if f in self.formats]
        sent = bool(theirs) and self._send((dataclasses.replace(report, data={}), theirs))
        done = write_each(report, [t for t in targets if not (sent and t in theirs)])
        answer = self._receive() if sent else None
        self.close()
        if sent:
            done.update((path, answer[path]) for path, _fmt in theirs
                        if answer is not None and path in answer)
            # not written there, whatever the reason: written here, as without a helper
            done.update(write_each(report, [t for t in theirs if t[0] not in done]))
        return {path: done[path] for path, _fmt in targets}

    def close(self) -> None:
        """Let the helper go (it ends when its pipe closes) and wait for it."""
        try:
            self.conn.close()
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()

    def _send(self, job: tuple) -> bool:
        try:
            self.conn.send(job)
            return True
        except Exception:  # noqa: BLE001 (the helper gone, a report that cannot be pickled: written here)
            return False

    def _receive(self) -> dict | None:
        try:
            return self.conn.recv()
        except (OSError, EOFError):
            return None


def _helper(conn: Any, modules: list[str]) -> None:
    """The helper's life: import the writers, wait for the report, write, answer
    {path: None, or the OSError} for the outputs written or failed on the file system (an
    output that failed otherwise is left out: the main process writes it)."""
    try:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 (the output is then written, and fails, there)
                return
        try:
            report, targets = conn.recv()
        except (EOFError, OSError):  # no report after all (the command stopped)
            return
        answer: dict[Path, OSError | None] = {}
        for path, fmt in targets:
            try:
                write_output(report, path, fmt)
            except OSError as e:
                answer[path] = OSError(e.errno or errno.EIO, e.strerror or str(e))
            except Exception:  # noqa: BLE001 (left out of the answer: written there)
                continue
            else:
                answer[path] = None
        conn.send(answer)
    except (KeyboardInterrupt, BrokenPipeError, EOFError):
        return  # the command was stopped: it says so itself
