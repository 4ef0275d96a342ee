"""``rabiskit facts``: one row per record, as Parquet or CSV.

A union catalogue of tens of millions of records is aggregated faster in DuckDB or Spark
than by re-reading MARC: this table holds what every count needs - the reader's facts
and the level.  Rows are streamed in batches (``batch_size`` records per Parquet row
group), so memory stays flat however large the exports.

Columns (Parquet type; CSV writes the same values as text):

| column | type | what |
|---|---|---|
| file, record, offset | string, int64, int64 | where the record is (record: 1-based number in its file; offset: byte, 0 for XML) |
| control_number | string | 001 |
| flavour, encoding | string | unimarc / marc21; the encoding the record was read in |
| record_status, record_type, bibliographic_level | string | leader/05, /06, /07 |
| language | string | the first language of the text (``und`` when none is coded) |
| languages | string | every language, joined with ``;`` |
| languages_coded | bool | whether any language was coded at all |
| date_entered | date | the date the record was created (100$a/0-7, 008/00-05), null when none |
| date_entered_problem | string | why there is no date entered |
| date_changed | timestamp | 005 |
| title, host_title, extent | string | 200$a/245$a, 463$t/773$t, 215$a/300$a |
| isbn, links | list<string> | 010$a/020$a, 856$u (CSV: joined with `` | ``) |
| pages, article_pages | int64 | pages from the extent; pages of an article (463$v, 773$g) |
| damaged | bool | the reader had to salvage the record |
| level | string | the catalogue level the rules gave (``book`` when none); empty (null) for a record that is not bibliographic |
| not_bibliographic | string | why the record belongs to no level (``authority record (leader/06 z), not bibliographic``; holdings, classification, community information), null for bibliographic records |

``count`` counts a record in a period when record_status is not ``d``, it is bibliographic
(not_bibliographic is null) and date_entered lies in the period, under its level and first
language: :data:`DUCKDB_COUNT_QUERY` is that count in DuckDB.  The table is data, not a
report: CSV cells hold the values exactly as the records have them (a title starting with
"-" or "=" stays as it is; no BOM), so DuckDB and Spark read what the catalogue holds.
Reports, which people open in Excel, keep their formula guard (``rabiskit.render.safe``).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from rabiskit.i18n import N_
from rabiskit.atomic import atomic_path
from rabiskit.facts.model import RecordFacts

# (rabiskit.facts.batches, and numpy with it, is imported where a table is written: the
# facts command's own process only checks its output's name with this module, and the
# reading and writing run in rabiskit.cli.headstart's helper)

LIST_SEPARATOR_CSV = " | "
BATCH_SIZE = 50_000
#: the Parquet columns written with a dictionary: those whose values repeat from record to
#: record (the others - numbers, titles, control numbers - are nearly all distinct, and
#: Arrow tried a dictionary for each row group before writing them plainly: measured on
#: 200,000 records, 0.19 against 0.16 s and 4.5 against 4.0 MB)
DICTIONARY_COLUMNS = ("file", "flavour", "encoding", "record_status", "record_type",
                      "bibliographic_level", "language", "languages", "date_entered",
                      "date_entered_problem", "extent", "pages", "article_pages",
                      "host_title", "level", "not_bibliographic")
#: the Parquet columns written without statistics (a row group's least and greatest
#: value): free text, nearly all distinct, whose bounds skip no row group for a query;
#: measured on 200,000 records, the writing 0.15 against 0.18 s of CPU
NO_STATISTICS = ("title", "host_title", "extent", "control_number", "isbn", "links")

#: The DuckDB query that gives ``rabiskit count``'s numbers (per level: total, Kazakh) for
#: one period from the Parquet file.  Fill in {path}, {start}, {end} (YYYY-MM-DD).
DUCKDB_COUNT_QUERY = """\
SELECT level,
       count(*) AS total,
       count(*) FILTER (WHERE language = 'kaz') AS kazakh
FROM read_parquet('{path}')
WHERE record_status <> 'd'
  AND not_bibliographic IS NULL
  AND date_entered BETWEEN DATE '{start}' AND DATE '{end}'
GROUP BY level
ORDER BY level"""


class FactsTableError(Exception):
    """The output cannot be written (unknown format, pyarrow missing)."""


def facts_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise FactsTableError(N_("{path}: the output must end in .parquet or .csv").format(path=path))


def _csv_value(v: Any):
    """The CSV text of one value, exact: booleans true/false, dates ISO 8601, lists joined,
    None empty, text as it is."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return LIST_SEPARATOR_CSV.join(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _as_tables(items: Iterable[Any]) -> Iterator[Any]:
    """Arrow tables of ``facts_schema`` from tables and RecordFacts, in order."""
    from rabiskit.facts.batches import facts_tables

    held: list[RecordFacts] = []
    for item in items:
        if isinstance(item, RecordFacts):
            held.append(item)
            continue
        if held:
            yield from facts_tables(held)
            held = []
        yield item
    if held:
        yield from facts_tables(held)


def write_facts_csv(path: str | Path, tables: Iterable[Any]) -> int:
    """Write the rows of ``tables`` (Arrow tables of ``facts_schema``, or RecordFacts) as
    UTF-8 CSV (header first), atomically; returns the row count."""
    from rabiskit.facts.batches import COLUMNS

    tables = _as_tables(tables)
    n = 0
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for table in tables:
                for row in table.to_pylist():
                    w.writerow([_csv_value(row[c]) for c in COLUMNS])
                n += table.num_rows
            fh.flush()
            os.fsync(fh.fileno())
    return n


def parquet_schema():
    """The Parquet schema (pyarrow)."""
    from rabiskit.facts.batches import facts_schema

    _pyarrow()
    return facts_schema()


def _pyarrow():
    from rabiskit.facts.batches import arrow_on_the_heap

    try:
        pa = arrow_on_the_heap()
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise FactsTableError("writing Parquet needs pyarrow: pip install pyarrow "
                              "(or write .csv)") from None
    return pa


def write_facts_parquet(path: str | Path, tables: Iterable[Any], *,
                        batch_size: int = BATCH_SIZE) -> int:
    """Write the rows of ``tables`` (Arrow tables of ``facts_schema``, or RecordFacts) as
    Parquet (zstd; a dictionary for ``DICTIONARY_COLUMNS``, statistics for all but
    ``NO_STATISTICS``), one row group per
    ``batch_size`` rows, atomically; returns the row count."""
    pa = _pyarrow()
    tables = _as_tables(tables)
    import pyarrow.parquet as pq

    schema = parquet_schema()
    n = 0
    with atomic_path(path) as tmp:
        with pq.ParquetWriter(str(tmp), schema, compression="zstd",
                              use_dictionary=list(DICTIONARY_COLUMNS),
                              write_statistics=[c for c in schema.names
                                                if c not in NO_STATISTICS]) as writer:
            held: list = []
            size = 0
            for table in tables:
                held.append(table)
                size += table.num_rows
                while size >= batch_size:
                    whole = pa.concat_tables(held)
                    writer.write_table(whole.slice(0, batch_size), row_group_size=batch_size)
                    n += batch_size
                    size -= batch_size
                    held = [whole.slice(batch_size)] if size else []
            if size or n == 0:
                whole = pa.concat_tables(held) if held else schema.empty_table()
                writer.write_table(whole, row_group_size=max(size, 1))
                n += size
    return n


def write_fact_tables(path: str | Path, tables: Iterable[Any], **options) -> int:
    """Write the rows of ``tables`` to ``path`` as Parquet or CSV, from its suffix."""
    if facts_format(path) == "parquet":
        return write_facts_parquet(path, tables, **options)
    return write_facts_csv(path, tables)


def write_facts_of_inputs(path: str | Path, inputs, plan, **options) -> tuple[int, Any]:
    """Read ``inputs`` (``read_fact_tables``, its ``options``) and write their facts table
    to ``path`` (``write_fact_tables``): (rows written, the Scan of the reading).  An input
    that held no record raises ``EmptyInput`` once all are read, and nothing is written."""
    from rabiskit.facts.scan import Scan, refusing_empty
    from rabiskit.pipeline.records import read_fact_tables
    from rabiskit.spill import spill_folder

    scanned = Scan()
    with spill_folder(path) as spill_to:  # (the workers' tables come through files)
        tables = read_fact_tables(inputs, plan, result=scanned, spill_to=spill_to, **options)
        return write_fact_tables(path, refusing_empty(tables, scanned)), scanned


def write_facts(path: str | Path, facts: Iterable[RecordFacts], **options) -> int:
    """Write one row per record of ``facts`` to ``path`` as Parquet or CSV."""
    return write_fact_tables(path, facts, **options)
