"""Reporting periods: a quarter, a whole year, the year to date, or any range of dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from rabiskit.i18n import N_


class PeriodError(ValueError):
    pass


def quarter_of(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if not 1 <= quarter <= 4:
        raise PeriodError(N_("quarter {quarter}: a quarter is 1, 2, 3 or 4").format(
            quarter=quarter))
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year, 12, 31) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class Period:
    """The days a count covers (both ends included) and the plan quarters it stands for.

    ``quarters`` lists the quarters of ``year`` wholly inside the period; targets are the
    plan's figures for those quarters.  ``aligned`` is False for a custom range that does
    not start and end on quarter boundaries: such a period has no plan target.
    """

    year: int
    quarter: int | None
    start: dt.date
    end: dt.date

    @classmethod
    def for_quarter(cls, year: int, quarter: int) -> "Period":
        s, e = quarter_bounds(year, quarter)
        return cls(year, quarter, s, e)

    @classmethod
    def for_year(cls, year: int) -> "Period":
        return cls(year, None, dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> "Period":
        if end < start:
            raise PeriodError(N_("--from {start} is after --to {end}").format(start=start, end=end))
        if start.year != end.year:
            raise PeriodError("--from and --to must lie in the same year (the plan is yearly)")
        q = None
        for n in range(1, 5):
            if quarter_bounds(start.year, n) == (start, end):
                q = n
        return cls(start.year, q, start, end)

    @property
    def quarters(self) -> tuple[int, ...]:
        out = []
        for n in range(1, 5):
            s, e = quarter_bounds(self.year, n)
            if s >= self.start and e <= self.end:
                out.append(n)
        return tuple(out)

    @property
    def aligned(self) -> bool:
        qs = self.quarters
        if not qs:
            return False
        return (quarter_bounds(self.year, qs[0])[0] == self.start
                and quarter_bounds(self.year, qs[-1])[1] == self.end)

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.end

    @property
    def label(self) -> str:
        if self.quarter is not None:
            return f"{self.year} Q{self.quarter}"
        if (self.start, self.end) == (dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)):
            return str(self.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def as_dict(self) -> dict:
        return {"year": self.year, "quarter": self.quarter, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "quarters": list(self.quarters)}


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(N_("{option} {text}: give a date as YYYY-MM-DD").format(
            option=option, text=text)) from None


def choose_period(year: int | None, quarter: int | None, date_from: str | None,
                  date_to: str | None, plan_year: int) -> Period:
    """The period a command's options ask for.  Default: the plan's whole year."""
    if date_from or date_to:
        if quarter is not None:
            raise PeriodError("give either --quarter or --from/--to, not both")
        y = year or plan_year
        start = parse_date(date_from, "--from") if date_from else dt.date(y, 1, 1)
        end = parse_date(date_to, "--to") if date_to else dt.date(start.year, 12, 31)
        return Period.between(start, end)
    y = year or plan_year
    if quarter is not None:
        return Period.for_quarter(y, quarter)
    return Period.for_year(y)


def year_to_date(year: int, latest: dt.date | None, today: dt.date | None = None) -> Period:
    """Every quarter of ``year`` that has started, up to the latest record date or today
    (whichever is later); the whole year when the year is over."""
    today = today or dt.date.today()
    ref = max(d for d in (latest, today) if d is not None)
    if ref.year > year:
        return Period.for_year(year)
    if ref.year < year:
        return Period(year, None, dt.date(year, 1, 1), quarter_bounds(year, 1)[1])
    q = quarter_of(ref)
    return Period(year, None, dt.date(year, 1, 1), quarter_bounds(year, q)[1])
