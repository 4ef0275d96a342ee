"""Writing a Report to files: the format follows each output's extension.

``check_outputs(paths)`` validates the list before anything is read (an unknown
extension or the same file twice is a ``ValueError`` with a clear message);
``write_output(report, path)`` writes one file atomically (a reader never sees half a
report).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Iterable

from rabiskit.i18n import N_
from rabiskit.atomic import write_atomic
from rabiskit.report.document import Report

FORMATS = (".xlsx", ".docx", ".html", ".md", ".csv", ".json")
_ALIASES = {".htm": ".html", ".markdown": ".md"}


def output_format(path: Path) -> str | None:
    """The format (".xlsx" ...) a file name asks for, or None."""
    ext = path.suffix.lower()
    ext = _ALIASES.get(ext, ext)
    return ext if ext in FORMATS else None


def check_outputs(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """[(path, format)] for the outputs; ValueError when one cannot be written as asked."""
    out: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for p in paths:
        p = Path(p)
        fmt = output_format(p)
        if fmt is None:
            raise ValueError(N_("-o {p}: unknown report format {v!r}; use {items}").format(
                p=p, v=p.suffix or '(no extension)', items=', '.join(FORMATS)))
        if p.is_dir():
            raise ValueError(N_("-o {p}: is a folder; give a file name").format(p=p))
        key = str(p.resolve()).casefold()
        if key in seen:
            raise ValueError(N_("-o {p}: given twice").format(p=p))
        seen.add(key)
        out.append((p, fmt))
    if not out:
        raise ValueError("give at least one output file with -o FILE (.xlsx, .docx, .html, .md, "
                         ".csv or .json)")
    return out


def _text_writer(render: Callable[[Report], str | bytes]) -> Callable[[Report, Path], None]:
    def write(report: Report, path: Path) -> None:
        write_atomic(path, render(report))
    return write


def writer_for(fmt: str) -> Callable[[Report, Path], None]:
    """The function writing a Report in ``fmt`` (imports the renderer on demand)."""
    if fmt == ".xlsx":
        from rabiskit.render.xlsx import write_xlsx
        return write_xlsx
    if fmt == ".docx":
        from rabiskit.render.docx import write_docx
        return write_docx
    if fmt == ".html":
        from rabiskit.render.html import render_html
        return _text_writer(render_html)
    if fmt == ".md":
        from rabiskit.render.markdown import render_markdown
        return _text_writer(render_markdown)
    if fmt == ".csv":
        from rabiskit.render.csv import csv_bytes
        return _text_writer(csv_bytes)
    if fmt == ".json":
        from rabiskit.render.json import write_json
        return write_json
    raise ValueError(N_("unknown report format {fmt!r}").format(fmt=fmt))


#: the formats whose writers take a tenth of a second or more to import (openpyxl,
#: python-docx), and the module of each
SLOW_WRITERS = {".xlsx": "rabiskit.render.xlsx", ".docx": "rabiskit.render.docx"}


def preload_writers(formats) -> None:
    """Import the writers of ``formats`` (openpyxl, python-docx: a few tenths of a second)
    in a thread while the inputs are read by worker processes: this process waits on them
    part of the time.  The thread starts once this process has forked its first worker
    (``os.register_at_fork``), not before: until then this process reads the first block
    alone, and an import beside it took the interpreter from it (measured: the first block
    of a report 112 ms instead of about 25, every worker starting that much later).  With
    no worker process (a small input, ``--workers 1``) the writer is imported where it is
    used; where there is no fork (Windows: the workers start afresh) the thread starts at
    once.  A writer that cannot be imported fails later, where it is used.  (Where a
    helper process writes those formats, ``rabiskit.render.writerprocess``, it imports
    them instead.)"""
    import importlib

    names = [SLOW_WRITERS[f] for f in dict.fromkeys(formats) if f in SLOW_WRITERS]
    if not names:
        return

    def load() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 (reported where the writer is used)
                pass

    started = threading.Event()

    def after_fork() -> None:
        if not started.is_set():
            started.set()
            threading.Thread(target=load, name="rabiskit-preload", daemon=True).start()

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_parent=after_fork)
    else:
        after_fork()


def write_output(report: Report, path: Path, fmt: str | None = None) -> None:
    fmt = fmt or output_format(Path(path))
    if fmt is None:
        raise ValueError(N_("{path}: unknown report format").format(path=path))
    writer_for(fmt)(report, Path(path))


def write_each(report: Report, targets: Iterable[tuple[Path, str]]) -> dict[Path, OSError | None]:
    """Write each output (path, format) here, one after the other; each one's ``OSError``
    (a file-system error: the others are still written), or None when it is written."""
    done: dict[Path, OSError | None] = {}
    for path, fmt in targets:
        try:
            write_output(report, path, fmt)
        except OSError as e:
            done[path] = e
        else:
            done[path] = None
    return done
