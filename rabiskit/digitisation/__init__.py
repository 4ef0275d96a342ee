"""Digitisation tracking: documents and pages digitised, by type and language, against the plan.

Sources of documents:

* the catalogue: a record whose link field (the plan's ``[digitisation] link_field`` /
  ``link_subfield``, 856$u by default) is filled is a digitised document;
* the PDF folder (``--pdf-dir``): every PDF under it, matched to records by the file
  name in the link (last path segment, URL-decoded, case-insensitive); the PDF's page
  count and creation date win over the catalogue's;
* the digitisation log (``--log``, a CSV: date, type, pages, language, title, file) for
  work not yet in the catalogue; a row whose file a record links is not counted twice.

The rules (type, pages, date digitised, duplicates) are in
:mod:`rabiskit.digitisation.tally` and :mod:`rabiskit.digitisation.classify`.

API
---
Incremental (for a command that already scans the exports, e.g. ``rabiskit report``)::

    from rabiskit.digitisation import DigitisationTally, index_pdfs, read_log
    tally = DigitisationTally(plan, period, pdf_index=index_pdfs(folder), log=read_log(csv))
    for src, facts in scan(inputs, classify=..., result=scan_result):
        tally.add(src, facts)          # src may be None: then facts.links (856$u) is used
    data = tally.result(scan_result)   # the JSON below; may be called more than once

In one call: ``rabiskit.pipeline.digitisation.digitisation_inputs(inputs, plan, period, pdf_dir=None, log=None,
encoding=None, flavour=None, progress=None, result=None) -> dict`` scans the inputs
itself; ``digitisation_records(pairs, plan, period, pdf_dir=None, log=None, result=None)``
does the same from the (SourceRecord, RecordFacts) pairs the caller already read (the
ledger's).  ``prepare(plan, period, pdf_dir, log)`` builds the tally from paths.

Errors: ``PdfFolderError`` (the PDF folder is missing or is a file) and ``LogError``
(the log is missing or has no date/type columns).  Unreadable, encrypted or corrupt
PDFs and bad log rows are never errors: they are listed in ``problems``.

JSON
----
``period``; ``types`` {newspaper_article, journal_article, book (and ``other`` when a
serial has a link)}: {documents, pages, kazakh_documents, kazakh_pages, target_documents,
target_pages, target_kazakh_documents, target_kazakh_pages, percent_documents,
percent_pages, percent_kazakh_documents, percent_kazakh_pages, names {kk, ru, en}};
``total``: the same, where ``target_*`` is the plan's *stated* total row (when the plan
states one, else the sum of the rows; ``target_source`` is "stated" or "rows") and
``rows_target_*`` is always the sum of the type rows; targets are null when the period
is not whole quarters.  Lists: ``missing_pdfs`` (records/log rows whose linked PDF is not
in the folder), ``orphan_pdfs`` (PDFs nothing links), ``page_mismatches`` (record's
001, catalogue_pages, pdf_pages, the PDF), ``problems`` (export, PDF and log problems:
file, record, offset, message, kind), ``undated``, ``duplicates``, ``no_pages``,
``documents`` (every document with its type, language, pages, date and their sources);
``quarters`` {"1".."4": {types, total}} for the period's year; ``summary``,
``pdf_folder``, ``log``, ``rules``, ``warnings``, ``plan``.
"""

from rabiskit.digitisation.log import DigitisationLog, LogError, read_log
from rabiskit.digitisation.pdfs import PdfFolderError, PdfIndex, index_pdfs, read_pdf
from rabiskit.digitisation.run import digitisation_records, prepare
from rabiskit.digitisation.tally import DigitisationTally

__all__ = ["DigitisationLog", "DigitisationTally", "LogError", "PdfFolderError", "PdfIndex",
           "digitisation_records", "index_pdfs", "prepare",
           "read_log", "read_pdf"]
