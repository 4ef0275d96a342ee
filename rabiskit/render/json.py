"""The report as JSON: the Report's ``data`` document (see :mod:`rabiskit.report.document`)."""

from __future__ import annotations

from pathlib import Path

from rabiskit.atomic import atomic_file
from rabiskit.jsontext import indented_chunks, write_indented
from rabiskit.report.document import Report


def render_json(report: Report) -> str:
    """Indented UTF-8 JSON text (Kazakh and Russian letters as they are, not \\u escapes)."""
    return "".join(indented_chunks(report.data)) + "\n"


def write_json(report: Report, path: Path) -> None:
    """``render_json``'s text written to ``path`` (atomically) in pieces, never held whole:
    a report of a large catalogue lists every digitised document."""
    with atomic_file(path) as fh:
        write_indented(report.data, lambda text: fh.write(text.encode("utf-8")))
        fh.write(b"\n")
