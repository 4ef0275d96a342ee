"""Digitisation from export files in one call: read the PDF folder and the log, scan the
exports (``rabiskit.pipeline.digitisation.digitisation_inputs``), and return the JSON of
``rabiskit digitisation``; here the same from records already read, e.g. from the ledger
(``digitisation_records``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from rabiskit.aggregate.period import Period
from rabiskit.digitisation.log import DigitisationLog, read_log
from rabiskit.digitisation.pdfs import PdfIndex, index_pdfs
from rabiskit.digitisation.tally import DigitisationTally
from rabiskit.facts.scan import Scan
from rabiskit.plan.model import Plan


def prepare(plan: Plan, period: Period, pdf_dir: str | Path | PdfIndex | None = None,
            log: str | Path | DigitisationLog | None = None) -> DigitisationTally:
    """A DigitisationTally with the PDF folder indexed and the log read.

    ``pdf_dir``/``log`` may be paths or an already built PdfIndex / DigitisationLog.
    Raises PdfFolderError (the folder is missing or a file) or LogError (the log is
    missing or has no usable header); bad PDFs and bad log rows are problems, not errors."""
    index = pdf_dir if isinstance(pdf_dir, PdfIndex) or pdf_dir is None else index_pdfs(pdf_dir)
    entries = log if isinstance(log, DigitisationLog) or log is None else read_log(log)
    return DigitisationTally(plan, period, pdf_index=index, log=entries)


def digitisation_records(pairs: Iterable, plan: Plan, period: Period,
                         pdf_dir: str | Path | PdfIndex | None = None,
                         log: str | Path | DigitisationLog | None = None, *,
                         result: Scan | None = None) -> dict:
    """The digitisation JSON of ``rabiskit digitisation`` from (SourceRecord, RecordFacts)
    pairs already read and classified, e.g. the records kept in a ledger
    (``rabiskit.ledger.source.ledger_sources``).

    ``result``: the Scan describing where they came from (its problems and per-file
    summaries go into the JSON); it is read only after every pair has been counted.
    The PDF folder is indexed and the log read before the first pair is taken."""
    tally = prepare(plan, period, pdf_dir, log)
    result = result if result is not None else Scan()
    for src, facts in pairs:
        tally.add(src, facts)
    return digitisation_json(tally, result)


def digitisation_json(tally: DigitisationTally, result: Scan) -> dict:
    """The JSON of ``rabiskit digitisation``: the tally's, with the files read."""
    data = tally.result(result)
    data["files"] = [f.as_dict() | {"problems": len(f.problems)}
                     | ({"error": f.error} if f.error else {}) for f in result.files]
    return data

