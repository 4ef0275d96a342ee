"""The ledger: an SQLite file that follows the catalogue through the year.

``rabiskit import EXPORT...`` stores every record's facts and level, keyed by its control
number within its database; importing overlapping exports again adds only what is new,
reports changed and deleted records, and never double-counts.  ``rabiskit ledger status``
shows what is in it; ``rabiskit ledger close 2026Q1`` freezes a reported quarter, after
which changes to it are kept as corrections.

Modules:

* :mod:`~rabiskit.ledger.location` - ``default_ledger_path()`` ($RABISKIT_LEDGER, else the
  user's data folder);
* :mod:`~rabiskit.ledger.store` - ``open_ledger(path, create=)``, ``Ledger``, the schema,
  ``LedgerError``, ``memory_copy``;
* :mod:`~rabiskit.ledger.codec` - record keys, checksums, RecordFacts <-> rows,
  ``record_row`` (a record read from an export as its row);
* :mod:`~rabiskit.ledger.importer` - ``import_rows(ledger, blocks, summary, plan, ...)
  -> ImportResult``: stores records already read, as blocks of rows (``RowBlock``), in one
  transaction (``import_records``: the same from (SourceRecord, RecordFacts) pairs);
  reading the export files is ``rabiskit.pipeline.ledger.import_inputs``;
* :mod:`~rabiskit.ledger.corrections` - ``Correction``: what a later import changes in a
  closed quarter (the importer finds them, the reports list them);
* :mod:`~rabiskit.ledger.source` - ``ledger_facts``, ``ledger_sources``,
  ``ledger_scan_summary``, ``count_ledger``: counting from the ledger as from exports;
* :mod:`~rabiskit.ledger.closing` - ``close_quarter``, ``closed_quarter(s)``,
  ``ClosedQuarter.delta()``, ``parse_quarter``;
* :mod:`~rabiskit.ledger.status` - ``ledger_status(ledger) -> dict``.
"""

from rabiskit.ledger.location import default_ledger_path
from rabiskit.ledger.store import DEFAULT_DATABASE, Ledger, LedgerError, open_ledger

__all__ = ["DEFAULT_DATABASE", "Ledger", "LedgerError", "default_ledger_path", "open_ledger"]
