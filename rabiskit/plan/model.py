"""The library's annual plan: targets per quarter for new catalogue records and digitisation.

Plain frozen values, built by :func:`rabiskit.plan.load.load_plan` from a TOML file and
read by the counting, checking and report code.  Quarters are numbered 1-4; every
per-quarter figure is a tuple of four whole numbers.  Stated annual figures
(``year_total`` ...) are kept as the plan states them, even when they disagree with the
quarters: :func:`rabiskit.plan.check.check_plan` points at such disagreements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Mapping

from rabiskit.rules.engine import DEFAULT_RULES, Rule, combine_rules
from rabiskit.rules.levels import BUILTIN_LEVELS, level_name

Quarters = tuple[int, int, int, int]
ZERO: Quarters = (0, 0, 0, 0)


def quarter_indexes(quarters: Iterable[int]) -> tuple[int, ...]:
    """Validate quarter numbers (1-4) and return them as 0-based indexes, without repeats."""
    out: list[int] = []
    for q in quarters:
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= 4:
            raise ValueError(f"a quarter is a number from 1 to 4, not {q!r}")
        if q - 1 not in out:
            out.append(q - 1)
    return tuple(out)


def _sum(values: Quarters, quarters: Iterable[int]) -> int:
    return sum(values[i] for i in quarter_indexes(quarters))


@dataclass(frozen=True)
class LevelTarget:
    """One row of the catalogue table: new records per quarter, of which in Kazakh.

    ``year_total`` / ``year_kazakh`` are the annual figures the plan states (None when it
    states none); ``year()`` / ``year_kazakh_or_sum()`` fall back to the quarter sums.
    """

    quarters: Quarters = ZERO
    kazakh: Quarters = ZERO
    year_total: int | None = None
    year_kazakh: int | None = None

    def total(self, quarters: Iterable[int] = (1, 2, 3, 4)) -> int:
        return _sum(self.quarters, quarters)

    def total_kazakh(self, quarters: Iterable[int] = (1, 2, 3, 4)) -> int:
        return _sum(self.kazakh, quarters)

    def target(self, quarters: Iterable[int]) -> tuple[int, int]:
        """(records, of which in Kazakh) planned for the chosen quarters."""
        qs = quarter_indexes(quarters)
        return sum(self.quarters[i] for i in qs), sum(self.kazakh[i] for i in qs)

    def year(self) -> int:
        """The stated annual figure, else the sum of the quarters."""
        return self.year_total if self.year_total is not None else sum(self.quarters)

    def year_kazakh_or_sum(self) -> int:
        return self.year_kazakh if self.year_kazakh is not None else sum(self.kazakh)


@dataclass(frozen=True)
class Subtotal:
    """A stated group of catalogue rows, e.g. the records made through corporate cataloguing
    (article + local_lore = 1000, of which 680 in Kazakh, in the seed plan)."""

    levels: tuple[str, ...]
    target: LevelTarget
    names: Mapping[str, str] = field(default_factory=dict)


#: The measures of a digitisation row, in table order.
DIGITISATION_COLUMNS = ("documents", "kazakh_documents", "pages", "kazakh_pages")


@dataclass(frozen=True)
class DigitisationTarget:
    """One row of the digitisation table: documents and pages per quarter, of which in Kazakh,
    with the annual figures the plan states (None when it states none)."""

    documents: Quarters = ZERO
    kazakh_documents: Quarters = ZERO
    pages: Quarters = ZERO
    kazakh_pages: Quarters = ZERO
    year_documents: int | None = None
    year_kazakh_documents: int | None = None
    year_pages: int | None = None
    year_kazakh_pages: int | None = None

    def column(self, name: str) -> Quarters:
        """The per-quarter figures of one measure (``documents``, ``kazakh_pages`` ...)."""
        if name not in DIGITISATION_COLUMNS:
            raise KeyError(name)
        return getattr(self, name)

    def stated_year(self, name: str) -> int | None:
        return getattr(self, f"year_{name}")

    def year(self, name: str) -> int:
        """The stated annual figure of a measure, else the sum of its quarters."""
        stated = self.stated_year(name)
        return stated if stated is not None else sum(self.column(name))

    def target(self, quarters: Iterable[int]) -> tuple[int, int, int, int]:
        """(documents, Kazakh documents, pages, Kazakh pages) for the chosen quarters."""
        qs = quarter_indexes(quarters)
        return tuple(sum(self.column(c)[i] for i in qs) for c in DIGITISATION_COLUMNS)  # type: ignore[return-value]


@dataclass(frozen=True)
class Plan:
    """A library's plan for one year, as its plan file states it.

    ``catalogue`` maps level keys to their rows (in the file's order); ``catalogue_total``
    is the plan's own total row (None when it states none), ``subtotals`` its stated
    groups of rows.  ``digitisation`` maps type keys (newspaper_article, journal_article,
    book) to rows, ``digitisation_total`` is the stated total row.  ``newspapers`` are the
    host titles whose articles count as newspaper articles (others are journal articles).
    ``link_field``/``link_subfield`` say where a record links its digitised copy and
    ``date_order`` which date decides the quarter a digitisation falls in ("pdf": the
    PDF's creation date, "changed": 005, "entered": the record's date entered).
    ``rules`` are the plan's level rules (None: the defaults alone), ``rules_mode`` whether
    they go before the defaults ("prepend") or replace them ("replace").  ``level_names``
    holds names (kk/ru/en) for level keys the plan adds or renames.  ``source`` is the
    file the plan was read from ("built-in" for the packaged default).
    ``operator_field``/``operator_subfield`` say where a record names the cataloguer who
    made it (``count --by operator``): IRBIS 907 ^B of the record's first 907 by default;
    ``operator_from_plan`` is True when the plan file named them (``[operator]``).
    """

    year: int
    library: str = ""
    catalogue: Mapping[str, LevelTarget] = field(default_factory=dict)
    catalogue_total: LevelTarget | None = None
    subtotals: Mapping[str, Subtotal] = field(default_factory=dict)
    digitisation: Mapping[str, DigitisationTarget] = field(default_factory=dict)
    digitisation_total: DigitisationTarget | None = None
    newspapers: tuple[str, ...] = ()
    link_field: str = "856"
    link_subfield: str = "u"
    date_order: tuple[str, ...] = ("pdf", "changed", "entered")
    rules: tuple[Rule, ...] | None = None
    rules_mode: str = "prepend"
    level_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    source: str | None = None
    operator_field: str = "907"
    operator_subfield: str = "b"
    operator_from_plan: bool = False

    # -- levels ------------------------------------------------------------------------
    def levels(self) -> tuple[str, ...]:
        """Every level key a record may get: the built-in six, then the plan's own ones."""
        extra = [k for k in list(self.level_names) + list(self.catalogue)
                 if k not in BUILTIN_LEVELS]
        extra += [r.level for r in self.rules or () if r.level not in BUILTIN_LEVELS]
        return BUILTIN_LEVELS + tuple(dict.fromkeys(extra))

    def level_name(self, level: str, lang: str = "kk") -> str:
        return level_name(level, lang, self.level_names)

    def rules_in_force(self) -> tuple[Rule, ...]:
        """The level rules in the order they are tried."""
        if self.rules is None:
            return DEFAULT_RULES
        return combine_rules(self.rules, self.rules_mode)

    # -- targets -----------------------------------------------------------------------
    def target(self, level: str, quarters: Iterable[int] = (1, 2, 3, 4)) -> tuple[int, int]:
        """(records, of which in Kazakh) the plan sets for ``level`` in the chosen quarters;
        (0, 0) for a level the plan has no row for."""
        row = self.catalogue.get(level)
        if row is None:
            quarter_indexes(quarters)
            return 0, 0
        return row.target(quarters)

    def total_target(self, quarters: Iterable[int] = (1, 2, 3, 4)) -> tuple[int, int]:
        """(records, of which in Kazakh) over all levels: the plan's own total row when it
        states one, else the sum of the rows."""
        if self.catalogue_total is not None:
            return self.catalogue_total.target(quarters)
        qs = quarter_indexes(quarters)
        total = kazakh = 0
        for row in self.catalogue.values():
            t, k = row.target(q + 1 for q in qs)
            total += t
            kazakh += k
        return total, kazakh

    def digitisation_target(self, kind: str, quarters: Iterable[int] = (1, 2, 3, 4)
                            ) -> tuple[int, int, int, int]:
        """(documents, Kazakh documents, pages, Kazakh pages) for a digitisation type
        ("total" for the plan's total row); zeros when the plan has no such row."""
        row = self.digitisation_total if kind == "total" else self.digitisation.get(kind)
        if row is None:
            quarter_indexes(quarters)
            return 0, 0, 0, 0
        return row.target(quarters)

    def is_newspaper(self, host_title: str | None) -> bool:
        """Whether an article's host title is one of the plan's newspapers (ignoring case,
        surrounding quotes «» "" and blanks)."""
        if not host_title or not self.newspapers:
            return False
        return normalise_title(host_title) in self._newspaper_keys

    @cached_property
    def _newspaper_keys(self) -> frozenset[str]:
        return frozenset(normalise_title(t) for t in self.newspapers)


def normalise_title(title: str) -> str:
    """Casefolded title without surrounding blanks, quotes and trailing punctuation."""
    return title.strip().strip("«»\"'“”„ ").rstrip(" .,;:/").strip().casefold()
