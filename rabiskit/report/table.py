"""The generic parts every report table is made of: typed cells, columns, rows, tables,
the chart data and the Report itself.  The renderers in :mod:`rabiskit.render` lay these
out; :mod:`rabiskit.report.model` and :mod:`rabiskit.report.handin` fill them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SHORTFALL = "shortfall"
SURPLUS = "surplus"

#: cell kinds: how a value is shown and stored
TEXT, INT, PERCENT, POINTS = "text", "int", "percent", "points"


@dataclass(frozen=True)
class Cell:
    """One table cell.  ``value`` is text, a whole number, a percentage (a float in percent
    units, 85.3 for 85.3 %), a difference in percentage points (``POINTS``) or None
    (empty).  ``flag`` marks a shortfall or surplus against the plan.  ``untrusted``
    text came from the records or the file system."""

    value: str | int | float | None
    kind: str = TEXT
    flag: str | None = None
    untrusted: bool = False
    #: a percentage's exact value (percent units) when ``value`` is its rounded figure:
    #: spreadsheets store it with a format that shows the rounded figure
    exact: float | None = None

    @property
    def is_number(self) -> bool:
        return self.kind in (INT, PERCENT, POINTS) and self.value is not None


@dataclass(frozen=True)
class Column:
    """A column: stable ``key``, ``label`` shown, value ``kind`` and the label of the group
    header above it (the quarter it belongs to), if any."""

    key: str
    label: str
    kind: str = TEXT
    group: str | None = None
    #: a percentage column's (numerator, denominator) column keys: spreadsheets write
    #: it as a formula over them in total rows
    ratio: tuple[str, str] | None = None


@dataclass
class Row:
    """A table row; ``role`` is "row", "total" or "subtotal" (shown in bold / italics),
    "subrow" (a part of the row above: of which in Kazakh, its pages), "beyond" (a level
    beyond the plan, below the total) or "caption" (a heading inside the table).  ``sums``:
    the keys of the rows a total adds up (spreadsheets write it as a formula)."""

    key: str
    cells: list[Cell]
    role: str = "row"
    sums: tuple[str, ...] | None = None


@dataclass
class Table:
    """A section of the report: a title, columns, rows and notes under the table.
    ``part``: "handin" (the plan's own tables, opening the report), "main" or "appendix"
    (files, rules, problems, check lists: a separate section or sheets)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    part: str = "main"

    @property
    def groups(self) -> list[tuple[str, int]]:
        """Runs of columns under one group header: [(label, span)] ('' for no group);
        empty when no column has a group."""
        if not any(c.group for c in self.columns):
            return []
        out: list[tuple[str, int]] = []
        for c in self.columns:
            label = c.group or ""
            if out and out[-1][0] == label and label:
                out[-1] = (label, out[-1][1] + 1)
            else:
                out.append((label, 1))
        return out

    def parts(self, max_columns: int) -> list[tuple[str | None, list[int]]]:
        """[(group label or None, column indexes)]: the whole table, or, when it has more
        than ``max_columns`` columns and column groups, one part per group, each with the
        leading ungrouped columns (the level names) — for pages too narrow for it all."""
        if len(self.columns) <= max_columns or not self.groups:
            return [(None, list(range(len(self.columns))))]
        lead = [i for i, c in enumerate(self.columns) if not c.group]
        return [(label, lead + [i for i, c in enumerate(self.columns) if c.group == label])
                for label, _ in self.groups if label]

    def column_index(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)


@dataclass(frozen=True)
class Bar:
    """One group of the plan-against-actual chart: a quarter's plan and actual."""

    label: str
    plan: int
    actual: int


@dataclass(frozen=True)
class LevelChart:
    """The plan-against-actual chart of one level, by quarter."""

    level: str
    name: str
    bars: tuple[Bar, ...]


@dataclass
class Report:
    """Everything a report shows, in its language ``lang``.

    ``header``: (label, value) pairs for the top of the report (counts are ints); ``tables``: the sections
    in order (catalogue, the corrections to closed quarters and their difference when
    the report comes from a ledger with closed quarters, Kazakh share, months,
    digitisation, files, rules, problems);
    ``charts``: plan against actual per level; ``legend``: what the marks mean;
    ``warnings``; ``data``: the JSON document.  ``heading``: the formal heading lines
    (the library's full name, "2026 жылғы II тоқсан бойынша ... орындалысы туралы есеп");
    ``signatures``: (post, name) lines to sign (a name may be "": a blank line);
    ``locale``: the document language (kk-KZ, ru-RU, en-GB); ``appendix_title``."""

    lang: str
    title: str
    library: str
    header: list[tuple[str, str | int]]
    tables: list[Table]
    charts: list[LevelChart]
    legend: str
    warnings: list[str]
    data: dict[str, Any]
    heading: list[str] = field(default_factory=list)
    signatures: list[tuple[str, str]] = field(default_factory=list)
    locale: str = "kk-KZ"
    appendix_title: str = ""
    produced: str = ""
    #: CSV only: "comma" (RFC 4180, decimal point) or "semicolon" (";" and a decimal
    #: comma, what Excel expects in a Kazakh or Russian locale)
    csv_dialect: str = "comma"

    def part(self, name: str) -> list[Table]:
        """The tables of one part: "handin", "main" or "appendix", in order."""
        return [tb for tb in self.tables if tb.part == name]

    def table(self, key: str) -> Table:
        for tb in self.tables:
            if tb.key == key:
                return tb
        raise KeyError(key)

    def has_table(self, key: str) -> bool:
        return any(tb.key == key for tb in self.tables)
