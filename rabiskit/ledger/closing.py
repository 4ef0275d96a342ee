"""``rabiskit ledger close 2026Q1``: freeze what was reported for a quarter.

Closing stores the count JSON of the quarter as the ledger holds it then (``snapshot``:
the same JSON as ``rabiskit count --quarter Q --format json``, from the ledger).  After
that, an import that adds, changes or deletes a record so that the quarter's numbers
would change is still applied to the ledger (the ledger follows the catalogue), but is
also stored as a **correction** of the closed quarter.

The choice, for reports: the numbers of a closed quarter are the frozen ones (what was
handed in), and the corrections are listed beside them, each with what it would change
(``ClosedQuarter.delta()``: per level, the change in total and in Kazakh records).
A count from the ledger (``count --ledger``) shows the catalogue as it is now, that is
the frozen numbers plus the corrections.  Closing a quarter again (``--force``) takes
the corrections in: the new snapshot replaces the old one and its corrections are
cleared.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rabiskit.i18n import N_
from rabiskit.aggregate.count import KAZAKH, Tally, count_json
from rabiskit.aggregate.period import Period
from rabiskit.ledger.importer import Correction, period_label, utc_now
from rabiskit.ledger.source import ledger_facts
from rabiskit.ledger.store import Ledger, LedgerError, dumps
from rabiskit.plan.model import Plan

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*[QqКк]\s*([1-4])\s*$|^\s*[QqКк]\s*([1-4])\s*[-/ ]?\s*(\d{4})\s*$")


def parse_quarter(text: str) -> tuple[int, int]:
    """'2026Q1', '2026-Q1', '2026 q1', 'Q1 2026' -> (2026, 1); ValueError otherwise."""
    m = _QUARTER.match(text)
    if not m:
        raise ValueError(N_("{text!r}: give a quarter as YYYYQn, e.g. 2026Q1").format(text=text))
    if m.group(1):
        return int(m.group(1)), int(m.group(2))
    return int(m.group(4)), int(m.group(3))


@dataclass
class ClosedQuarter:
    """A closed quarter: when, its frozen count JSON, and the corrections since."""

    period: str
    year: int
    quarter: int
    closed_at: str
    plan: str | None
    snapshot: dict
    corrections: list[Correction] = field(default_factory=list)

    def delta(self) -> dict[str, dict[str, int]]:
        """Per level: how the corrections change the total and the Kazakh count."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: {"total": 0, "kazakh": 0})
        for c in self.corrections:
            if c.before:
                out[c.before[0]]["total"] -= 1
                out[c.before[0]]["kazakh"] -= c.before[1] == KAZAKH
            if c.after:
                out[c.after[0]]["total"] += 1
                out[c.after[0]]["kazakh"] += c.after[1] == KAZAKH
        return {k: v for k, v in out.items() if v["total"] or v["kazakh"]}

    def as_dict(self) -> dict:
        return {"period": self.period, "year": self.year, "quarter": self.quarter,
                "closed_at": self.closed_at, "plan": self.plan,
                "snapshot": self.snapshot,
                "corrections": [c.as_dict() for c in self.corrections],
                "corrections_delta": self.delta()}


def close_quarter(ledger: Ledger, year: int, quarter: int, plan: Plan, *, force: bool = False,
                  now=utc_now) -> ClosedQuarter:
    """Freeze the quarter's count from the ledger.  LedgerError when already closed
    (unless ``force``)."""
    label = period_label(year, quarter)
    with ledger.transaction():
        conn = ledger.conn
        old = conn.execute("SELECT closed_at FROM closed_quarters WHERE period = ?",
                           (label,)).fetchone()
        if old is not None and not force:
            n = conn.execute("SELECT COUNT(*) FROM corrections WHERE period = ?",
                             (label,)).fetchone()[0]
            raise LedgerError((
                N_("{label} was closed on {closed_at} and has {n} correction(s) since; use "
                   "--force to close it again with the ledger's numbers now") if n else
                N_("{label} was closed on {closed_at}; use --force to close it again with the "
                   "ledger's numbers now")).format(label=label, closed_at=old["closed_at"], n=n))
        tally = Tally(Period.for_quarter(year, quarter)).feed(ledger_facts(ledger))
        snapshot = count_json(tally, plan, [])
        last_import = conn.execute("SELECT MAX(id) FROM imports WHERE finished IS NOT NULL"
                                   ).fetchone()[0]
        snapshot["ledger"] = {"path": str(ledger.path), "last_import": last_import}
        closed_at = now()
        conn.execute("DELETE FROM corrections WHERE period = ?", (label,))
        conn.execute("DELETE FROM closed_quarters WHERE period = ?", (label,))
        conn.execute(
            "INSERT INTO closed_quarters (period, year, quarter, closed_at, last_import, plan, "
            "snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (label, year, quarter, closed_at, last_import, plan.source, dumps(snapshot)))
    return ClosedQuarter(label, year, quarter, closed_at, plan.source, snapshot)


def _correction(r) -> Correction:
    return Correction(
        r["period"], r["import_id"], r["database"], r["key"], r["control_number"], r["title"],
        r["file"], r["record"], r["kind"],
        (r["before_level"], r["before_language"]) if r["before_level"] else None,
        (r["after_level"], r["after_language"]) if r["after_level"] else None, r["what"])


def corrections_for(ledger: Ledger, period: str) -> list[Correction]:
    with ledger.decoding(f"corrections of {period}"):
        return [_correction(r) for r in ledger.conn.execute(
            "SELECT * FROM corrections WHERE period = ? ORDER BY id", (period,))]


def closed_quarters(ledger: Ledger, year: int | None = None) -> list[ClosedQuarter]:
    """The closed quarters (of ``year``, or all), with their corrections."""
    sql = "SELECT * FROM closed_quarters"
    params: tuple = ()
    if year is not None:
        sql += " WHERE year = ?"
        params = (year,)
    out = []
    for r in ledger.conn.execute(sql + " ORDER BY year, quarter", params).fetchall():
        with ledger.decoding(f"closed_quarters {r['period']}, snapshot"):
            snapshot = json.loads(r["snapshot"])
            snapshot["total"]["total"], snapshot["total"]["kazakh"], snapshot["levels"].items()
        out.append(ClosedQuarter(r["period"], r["year"], r["quarter"], r["closed_at"], r["plan"],
                                 snapshot, corrections_for(ledger, r["period"])))
    return out


def closed_quarter(ledger: Ledger, year: int, quarter: int) -> ClosedQuarter | None:
    """The closed quarter, or None when it is open (for reports of that quarter)."""
    for cq in closed_quarters(ledger, year):
        if cq.quarter == quarter:
            return cq
    return None


def quarter_has_ended(year: int, quarter: int, today: dt.date | None = None) -> bool:
    return (today or dt.date.today()) > Period.for_quarter(year, quarter).end


def import_times(ledger: Ledger) -> dict[int, str]:
    """{import id: when it finished (or started, if it never finished)}, ISO 8601 UTC:
    the dates of the imports that made corrections, for reports."""
    return {r[0]: r[1] for r in ledger.conn.execute(
        "SELECT id, COALESCE(finished, started) FROM imports")}
