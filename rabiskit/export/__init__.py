"""Files rabiskit writes for others to read.

* :mod:`~rabiskit.export.exchange` - ``rabiskit export``: the period's new records of
  chosen levels for the regional library (corporate cataloguing), as ISO 2709 (the input
  bytes unchanged, or re-encoded to UTF-8) or MARCXML; the selection is exactly the one
  ``rabiskit count`` counts.
* :mod:`~rabiskit.export.facts_table` - ``rabiskit facts``: one row per record (the
  reader's facts and the level) as Parquet or CSV, for DuckDB, Spark or a spreadsheet.
"""
