"""The generic parts every report table is made of: typed cells, columns, rows and the
table.  The renderers in :mod:`rabiskit.render` lay these out; :mod:`rabiskit.report.handin`
and :mod:`rabiskit.report.tables` fill them, :mod:`rabiskit.report.document` puts the tables
in a Report."""

from __future__ import annotations

from dataclasses import dataclass, field

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
