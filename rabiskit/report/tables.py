"""The report's analysis and appendix tables, each a :class:`~rabiskit.report.table.Table`
built from the tally, the plan and the scan: the catalogue table (per quarter and the year
to date), the Kazakh share, the months, the corrections to closed quarters, digitisation
and its checks, the files read, the level rules and the problems.  Percentages are
:func:`ratio_cell` s: rounded once (half up) for display, the exact value kept."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

from rabiskit.aggregate.count import (KAZAKH, LevelCount, Tally, levels_in_order, planned_levels,
                                      rounded_percent)
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Scan
from rabiskit.plan.model import Plan
from rabiskit.report.closed import FrozenQuarter, ReportCorrection
from rabiskit.report.messages import date_text, language_name, month_name, t, what_text
from rabiskit.report.table import (INT, PERCENT, POINTS, SHORTFALL, SURPLUS, Cell, Column,
                                   Row, Table)
from rabiskit.report.view import Block, quarters_text
from rabiskit.rules.levels import DIGITISATION_TYPES, digitisation_name


def table_data(table: Table) -> dict[str, Any]:
    """A hand-in table for the JSON: {row key: {column key: value}} (numbers as shown)."""
    return {r.key: {c.key: cell.value for c, cell in zip(table.columns, r.cells)}
            for r in table.rows if r.role != "caption"}


# -- helpers ---------------------------------------------------------------------------
def _flag(actual: int | None, target: int | None) -> str | None:
    if actual is None or target is None:
        return None
    if actual < target:
        return SHORTFALL
    if actual > target:
        return SURPLUS
    return None


def _int(v, flag: str | None = None) -> Cell:
    return Cell(v, INT, flag)


def _pct(v: float | None, flag: str | None = None) -> Cell:
    return Cell(v, PERCENT, flag)


def ratio_cell(part: int | None, whole: int | None, flag: str | None = None) -> Cell:
    """The percentage part / whole: shown rounded once, half up, to one decimal
    (:func:`rabiskit.aggregate.count.rounded_percent`), with the exact value kept for the
    spreadsheets; empty without a whole."""
    if part is None or not whole:
        return Cell(None, PERCENT, flag)
    return Cell(rounded_percent(part, whole), PERCENT, flag, exact=100.0 * part / whole)


def _share_pct(part: int | None, whole: int | None) -> float | None:
    """part / whole in percent units, rounded once to one decimal; None without a whole."""
    if part is None or not whole:
        return None
    return rounded_percent(part, whole)


def _months(period: Period) -> list[str]:
    out = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        out.append(f"{y}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


# -- the catalogue table ---------------------------------------------------------------
CATALOGUE_MEASURES = ("plan", "actual", "percent", "kazakh_plan", "kazakh_actual", "kazakh_share")


def _catalogue_cells(v: dict) -> list[Cell]:
    flag = _flag(v["total"], v["target"])
    kflag = _flag(v["kazakh"], v["kazakh_target"])
    return [_int(v["target"]), _int(v["total"], flag), ratio_cell(v["total"], v["target"], flag),
            _int(v["kazakh_target"]), _int(v["kazakh"], kflag),
            ratio_cell(v["kazakh"], v["total"])]


def _subtotal_name(plan: Plan, key: str, lang: str) -> str:
    names = plan.subtotals[key].names or {}
    name = names.get(lang) or next((names[x] for x in ("kk", "ru", "en") if names.get(x)), key)
    return t("of_which", lang, name=name)


def catalogue_table(blocks: list[Block], plan: Plan, lang: str,
                    extra_notes: Iterable[str] = ()) -> Table:
    cols = [Column("level", t("c_level", lang))]
    labels = {"plan": "c_plan", "actual": "c_actual", "percent": "c_percent",
              "kazakh_plan": "c_kazakh_plan", "kazakh_actual": "c_kazakh_actual",
              "kazakh_share": "c_kazakh_share"}
    ratios = {"percent": ("actual", "plan"), "kazakh_share": ("kazakh_actual", "actual")}
    for b in blocks:
        for m in CATALOGUE_MEASURES:
            kind = PERCENT if m in ("percent", "kazakh_share") else INT
            ratio = tuple(f"{b.key}.{x}" for x in ratios[m]) if m in ratios else None
            cols.append(Column(f"{b.key}.{m}", t(labels[m], lang), kind, b.label, ratio))
    rows: list[Row] = []
    first = blocks[0]
    planned = planned_levels(plan, first.levels)
    beyond = [lv for lv in first.levels if lv not in planned]
    for lv in planned:
        cells = [Cell(plan.level_name(lv, lang))]
        for b in blocks:
            cells += _catalogue_cells(b.levels[lv])
        rows.append(Row(lv, cells))
    cells = [Cell(t("total", lang))]
    for b in blocks:
        cells += _catalogue_cells(b.total)
    rows.append(Row("total", cells, "total", sums=tuple(planned)))
    for key in first.subtotals:
        cells = [Cell(_subtotal_name(plan, key, lang))]
        for b in blocks:
            cells += _catalogue_cells(b.subtotals[key])
        rows.append(Row(f"subtotal:{key}", cells, "subtotal"))
    if beyond:
        rows.append(Row("beyond", [Cell(t("h_beyond", lang))] + [Cell(None)] * (len(cols) - 1),
                        "caption"))
        for lv in beyond:
            cells = [Cell(plan.level_name(lv, lang))]
            for b in blocks:
                cells += _catalogue_cells(b.levels[lv])
            rows.append(Row(lv, cells, "beyond"))
        cells = [Cell(t("h_all_levels", lang))]
        for b in blocks:
            cells += _catalogue_cells(b.all_levels)
        rows.append(Row("all_levels", cells, "subtotal"))
    notes = [t("legend", lang), t("n_records_total", lang,
                                  levels=", ".join(plan.level_name(lv, lang) for lv in planned)),
             t("n_catalogue", lang), *extra_notes]
    if first.total["total"] == 0 and all(b.total["total"] == 0 for b in blocks):
        notes.insert(0, t("n_no_records", lang))
    return Table("catalogue", t("t_catalogue", lang), cols, rows, notes)


def kazakh_share_table(levels: dict, total: dict, plan: Plan, lang: str) -> tuple[Table, dict]:
    """Kazakh share per level for the period: actual share against the planned share."""
    cols = [Column("level", t("c_level", lang)),
            Column("actual", t("c_actual", lang), INT),
            Column("kazakh_actual", t("c_kazakh_actual", lang), INT),
            Column("kazakh_share", t("c_kazakh_share", lang), PERCENT,
                   ratio=("kazakh_actual", "actual")),
            Column("kazakh_plan", t("c_kazakh_plan", lang), INT),
            Column("kazakh_share_plan", t("c_kazakh_share_plan", lang), PERCENT),
            Column("share_difference", t("c_share_difference", lang), POINTS),
            Column("kazakh_percent", t("c_kazakh_percent", lang), PERCENT),
            Column("other_languages", t("c_other_languages", lang))]
    rows: list[Row] = []
    data: dict[str, dict] = {}
    planned = planned_levels(plan, levels)
    ordered = [(k, levels[k]) for k in planned if k in levels] + [("total", total)] + \
        [(k, v) for k, v in levels.items() if k not in planned]
    for key, v in ordered:
        actual_share = _share_pct(v["kazakh"], v["total"])
        plan_share = _share_pct(v["kazakh_target"], v["target"])
        diff = (round(actual_share - plan_share, 1)
                if actual_share is not None and plan_share is not None else None)
        flag = None if diff is None else (SHORTFALL if diff < 0 else SURPLUS if diff > 0 else None)
        others = {lg: n for lg, n in v["languages"].items() if lg != KAZAKH}
        data[key] = {"total": v["total"], "kazakh": v["kazakh"],
                     "kazakh_share": v["kazakh_share"], "kazakh_target": v["kazakh_target"],
                     "target": v["target"],
                     "planned_kazakh_share": None if plan_share is None else round(plan_share / 100, 5),
                     "share_difference_points": diff,
                     "kazakh_percent_done": v["kazakh_percent_done"],
                     "other_languages": others}
        name = t("total", lang) if key == "total" else plan.level_name(key, lang)
        role = "total" if key == "total" else "row" if key in planned else "beyond"
        rows.append(Row(key, [Cell(name), _int(v["total"]), _int(v["kazakh"]),
                              ratio_cell(v["kazakh"], v["total"], flag),
                              _int(v["kazakh_target"]),
                              ratio_cell(v["kazakh_target"], v["target"]), Cell(diff, POINTS, flag),
                              ratio_cell(v["kazakh"], v["kazakh_target"],
                                         _flag(v["kazakh"], v["kazakh_target"])),
                              Cell(", ".join(f"{language_name(lg, lang)}: {n}"
                                             for lg, n in others.items()), untrusted=True)],
                        role, sums=tuple(planned) if key == "total" else None))
    return (Table("kazakh_share", t("t_kazakh_share", lang), cols, rows,
                  [t("n_share_plan", lang), t("legend", lang)]), data)


def months_table(tally: Tally, period: Period, levels: Iterable[str], plan: Plan, lang: str
                 ) -> tuple[Table, dict]:
    months = _months(period)
    shown = [lv for lv in levels
             if lv in plan.catalogue or any(tally.months.get(m, {}).get(lv) for m in months)]
    cols = [Column("month", t("c_month", lang)), Column("month_name", t("c_month_name", lang))]
    cols += [Column(lv, plan.level_name(lv, lang), INT) for lv in shown]
    cols.append(Column("total", t("total", lang), INT))
    rows: list[Row] = []
    data: dict[str, dict] = {}
    sums = {lv: 0 for lv in shown}
    for m in months:
        counter = tally.months.get(m, {})
        per = {lv: int(counter.get(lv, 0)) for lv in shown}
        for lv, n in counter.items():  # levels outside ``shown`` never happen; be safe
            per.setdefault(lv, int(n))
        data[m] = {lv: n for lv, n in per.items()} | {"total": sum(per.values())}
        for lv in shown:
            sums[lv] += per[lv]
        rows.append(Row(m, [Cell(m), Cell(month_name(int(m[5:]), lang))]
                        + [_int(per[lv]) for lv in shown] + [_int(sum(per.values()))]))
    rows.append(Row("total", [Cell(t("total", lang)), Cell("")]
                    + [_int(sums[lv]) for lv in shown] + [_int(sum(sums.values()))], "total"))
    return Table("months", t("t_months", lang), cols, rows), data


# -- closed quarters: the corrections since they were closed ----------------------------
def _side_text(side: tuple[str, str] | None, plan: Plan, lang: str) -> str:
    """'Кітап (book), kaz' for a (level, language) contribution; '—' for none."""
    if side is None:
        return "—"
    level, language = side
    return f"{plan.level_name(level, lang)} ({level}), {language or '—'}"


def _import_day(c: ReportCorrection) -> str:
    return (c.imported_at or "")[:10]


def corrections_table(frozen: list[FrozenQuarter], plan: Plan, lang: str) -> Table:
    """A row per correction of the closed quarters shown: quarter, database, 001, title,
    the kind of change, the record's (level, language) in the quarter before and after,
    what changed and the day of the import that made it."""
    cols = [Column("quarter", t("c_quarter", lang)),
            Column("database", t("c_database_name", lang)),
            Column("id", t("c_id", lang)), Column("title", t("c_title", lang)),
            Column("change", t("c_change", lang)), Column("before", t("c_before", lang)),
            Column("after", t("c_after", lang)), Column("what", t("c_what", lang)),
            Column("imported", t("c_imported", lang))]
    rows: list[Row] = []
    for fq in frozen:
        for i, c in enumerate(fq.corrections):
            kind = t(f"k_{c.kind}", lang) if c.kind in ("added", "removed", "changed") else c.kind
            rows.append(Row(f"{fq.period}:{i}", [
                Cell(fq.period), Cell(c.database, untrusted=True),
                Cell(c.control_number, untrusted=True), Cell(c.title, untrusted=True),
                Cell(kind, untrusted=True), Cell(_side_text(c.before, plan, lang), untrusted=True),
                Cell(_side_text(c.after, plan, lang), untrusted=True),
                Cell(what_text(c.what, lang), untrusted=True), Cell(_import_day(c))]))
    notes = [t("n_closed_quarters", lang, quarters=quarters_text(frozen, lang))]
    notes.append(t("n_corrections", lang) if rows else t("n_no_corrections", lang))
    return Table("corrections", t("t_corrections", lang), cols, rows, notes)


def corrections_delta_table(frozen: list[FrozenQuarter], tally: Tally, plan: Plan, lang: str
                            ) -> Table:
    """Per closed quarter and level: the number handed in, the corrections' difference
    (``ClosedQuarter.delta()``) and the number now, in all and in Kazakh; a total row per
    quarter.  Levels are listed when the corrections or the numbers now differ from what
    was handed in."""
    cols = [Column("quarter", t("c_quarter", lang)), Column("level", t("c_level", lang)),
            Column("handed_in", t("c_handed_in", lang), INT),
            Column("delta", t("c_delta", lang), INT), Column("now", t("c_now", lang), INT),
            Column("kazakh_handed_in", t("c_kazakh_handed_in", lang), INT),
            Column("kazakh_delta", t("c_kazakh_delta", lang), INT),
            Column("kazakh_now", t("c_kazakh_now", lang), INT)]
    rows: list[Row] = []
    notes = [t("n_delta", lang)]
    for fq in frozen:
        now = tally.quarters.get(fq.quarter, {})
        empty = LevelCount()
        changed = set(fq.delta)
        changed |= {lv for lv in set(fq.counts) | set(now)
                    if (fq.counts.get(lv) or empty).total != (now.get(lv) or empty).total
                    or (fq.counts.get(lv) or empty).kazakh != (now.get(lv) or empty).kazakh}
        sums = [0] * 6
        mismatch = False
        for lv in levels_in_order(plan, changed):
            if lv not in changed:
                continue
            before, after = fq.counts.get(lv) or empty, now.get(lv) or empty
            d = fq.delta.get(lv, {"total": 0, "kazakh": 0})
            values = [before.total, d["total"], after.total, before.kazakh, d["kazakh"],
                      after.kazakh]
            mismatch |= (before.total + d["total"] != after.total
                         or before.kazakh + d["kazakh"] != after.kazakh)
            sums = [a + b for a, b in zip(sums, values)]
            rows.append(Row(f"{fq.period}:{lv}", [Cell(fq.period), Cell(plan.level_name(lv, lang))]
                            + [_int(v) for v in values]))
        hand = sum(lc.total for lc in fq.counts.values())
        hand_k = sum(lc.kazakh for lc in fq.counts.values())
        cur = sum(lc.total for lc in now.values())
        cur_k = sum(lc.kazakh for lc in now.values())
        dt_ = fq.delta_total()
        rows.append(Row(f"{fq.period}:total", [Cell(fq.period), Cell(t("total", lang)),
                                               _int(hand), _int(dt_["total"]), _int(cur),
                                               _int(hand_k), _int(dt_["kazakh"]), _int(cur_k)],
                        "total"))
        if mismatch or hand + dt_["total"] != cur or hand_k + dt_["kazakh"] != cur_k:
            notes.append(t("n_delta_mismatch", lang, period=fq.period))
    return Table("corrections_delta", t("t_corrections_delta", lang), cols, rows, notes)


def corrections_json(frozen: list[FrozenQuarter]) -> dict[str, Any]:
    """The report's ``corrections``: every correction (``items``) and per closed quarter
    shown (``quarters``, by number) when it was closed, how many corrections and their
    difference per level (``delta``: {level: {"total", "kazakh"}}) and in all."""
    return {"items": [c.as_dict() for fq in frozen for c in fq.corrections],
            "quarters": {str(fq.quarter): {"period": fq.period, "closed_at": fq.closed_at,
                                           "corrections": len(fq.corrections),
                                           "delta": fq.delta, "delta_total": fq.delta_total()}
                         for fq in frozen}}


# -- digitisation ----------------------------------------------------------------------
DIGITISATION_MEASURES = (
    ("documents_plan", "target_documents", "c_documents_plan"),
    ("documents", "documents", "c_documents"),
    ("documents_percent", None, "c_documents_percent"),
    ("pages_plan", "target_pages", "c_pages_plan"),
    ("pages", "pages", "c_pages"),
    ("pages_percent", None, "c_pages_percent"),
    ("kazakh_documents_plan", "target_kazakh_documents", "c_kazakh_documents_plan"),
    ("kazakh_documents", "kazakh_documents", "c_kazakh_documents"),
    ("kazakh_pages_plan", "target_kazakh_pages", "c_kazakh_pages_plan"),
    ("kazakh_pages", "kazakh_pages", "c_kazakh_pages"),
)


def _num(v) -> int | float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def digitisation_table(dig: Mapping[str, Any], lang: str) -> Table:
    """The digitisation table from the digitisation JSON: a row per type and the total;
    documents, pages and their Kazakh parts against the targets, with % done."""
    cols = [Column("type", t("c_type", lang))]
    for key, _, label in DIGITISATION_MEASURES:
        cols.append(Column(key, t(label, lang), PERCENT if key.endswith("_percent") else INT))
    types = dict(dig.get("types") or {})
    order = [k for k in DIGITISATION_TYPES if k in types] + [k for k in types
                                                               if k not in DIGITISATION_TYPES]
    rows: list[Row] = []
    for key in order + ["total"]:
        v = types.get(key) if key != "total" else dig.get("total")
        if not isinstance(v, Mapping):
            continue
        cells = [Cell(digitisation_name(key, lang), untrusted=key not in DIGITISATION_TYPES
                      and key != "total")]
        for mkey, jkey, _ in DIGITISATION_MEASURES:
            if jkey is not None:
                value = _num(v.get(jkey))
                flag = None
                if not mkey.endswith("_plan"):
                    flag = _flag(value, _num(v.get(f"target_{jkey}")))
                cells.append(_int(value, flag))
            else:
                measure = mkey[:-len("_percent")]
                actual, target = _num(v.get(measure)), _num(v.get(f"target_{measure}"))
                cells.append(ratio_cell(actual, target, _flag(actual, target)))
        rows.append(Row(key, cells, "total" if key == "total" else "row"))
    counts = {k: len(dig.get(k) or ()) for k in ("missing_pdfs", "orphan_pdfs", "page_mismatches")}
    if dig.get("pdf_folder") is None:
        notes = [t("n_pdf_not_checked", lang)]
    else:
        notes = [t("n_digitisation_counts", lang, missing=counts["missing_pdfs"],
                   orphan=counts["orphan_pdfs"], mismatch=counts["page_mismatches"])]
    notes.append(t("legend", lang))
    return Table("digitisation", t("t_digitisation", lang), cols, rows, notes)


def _detail(item: Any, lang: str = "en") -> str:
    from rabiskit.report.wording import detail_text

    return detail_text(item, lang)


def digitisation_issues_table(dig: Mapping[str, Any], lang: str) -> Table | None:
    """What the digitisation check asks the user to look at (missing and orphan PDFs, page
    counts that differ, problems), one row each; None when there is nothing."""
    rows: list[Row] = []
    for key in ("missing_pdfs", "orphan_pdfs", "page_mismatches", "problems"):
        for i, item in enumerate(dig.get(key) or ()):
            rows.append(Row(f"{key}:{i}", [Cell(t(f"k_{key}", lang)),
                                           Cell(_detail(item, lang), untrusted=True)]))
    if not rows:
        return None
    return Table("digitisation_issues", t("t_digitisation_issues", lang),
                 [Column("kind", t("c_issue", lang)), Column("detail", t("c_detail", lang))], rows)


# -- header tables ---------------------------------------------------------------------
def files_table(scan: Scan, plan: Plan, lang: str) -> tuple[Table, list[dict]]:
    cols = [Column("file", t("c_file", lang)), Column("format", t("c_format", lang)),
            Column("database", t("c_database", lang)), Column("records", t("c_records", lang), INT),
            Column("damaged", t("c_damaged", lang), INT),
            Column("encodings", t("c_encodings", lang)), Column("flavours", t("c_flavours", lang)),
            Column("dates", t("c_dates", lang)), Column("problems", t("c_problems", lang), INT)]
    rows: list[Row] = []
    data: list[dict] = []
    for f in scan.files:
        d = f.as_dict()
        encodings = {k: v for k, v in d["encodings"].items() if v}
        flavours = {k: v for k, v in d["flavours"].items() if v}
        dates = d["date_entered"]
        span = f"{dates['min']} – {dates['max']}" if dates["min"] else ""
        db = plan.level_name(f.db_level, lang) if f.db_level else ""
        data.append({"file": f.file, "format": f.format, "records": f.records,
                     "damaged": f.damaged, "encodings": encodings, "flavours": flavours,
                     "db_level": f.db_level, "date_entered": dates,
                     "problems": len(f.problems),
                     **({"duplicate_of": f.duplicate_of} if f.duplicate_of else {}),
                     **({"error": f.error} if f.error else {})})
        from rabiskit.report.wording import format_name

        def named(counter: Mapping[str, int]) -> str:
            return ", ".join(f"{format_name(k)}: {n}" for k, n in counter.items() if n)

        if dates["min"]:
            span = (f"{date_text(dt.date.fromisoformat(dates['min']))} – "
                    f"{date_text(dt.date.fromisoformat(dates['max']))}")
        rows.append(Row(f.file, [Cell(f.file, untrusted=True), Cell(format_name(f.format or "")),
                                 Cell(db), _int(f.records), _int(f.damaged),
                                 Cell(named(encodings), untrusted=True),
                                 Cell(named(flavours)), Cell(span), _int(len(f.problems))]))
    if rows:
        rows.append(Row("total", [Cell(t("total", lang)), Cell(""), Cell(""),
                                  _int(sum(f.records for f in scan.files)),
                                  _int(sum(f.damaged for f in scan.files)), Cell(""), Cell(""),
                                  Cell(""), _int(sum(len(f.problems) for f in scan.files))],
                        "total"))
    return Table("files", t("t_files", lang), cols, rows), data


def rules_table(plan: Plan, lang: str, wording=None) -> tuple[Table, list[dict]]:
    cols = [Column("number", t("c_number", lang), INT), Column("level", t("c_level", lang)),
            Column("rule", t("c_rule", lang))]
    rows, data = [], []
    for i, rule in enumerate(plan.rules_in_force(), 1):
        desc = rule.description or rule.explain()
        data.append({"level": rule.level, "rule": desc})
        shown = wording(rule, lang) if wording is not None else desc
        name = plan.level_name(rule.level, lang)
        rows.append(Row(str(i), [_int(i), Cell(name if lang != "en" else f"{name} ({rule.level})",
                                              untrusted=True),
                                 Cell(shown, untrusted=True)]))
    return Table("rules", t("t_rules", lang), cols, rows, [t("n_rules_db", lang)]), data


def problems_table(scan: Scan, tally: Tally, lang: str, wording=None) -> Table:
    cols = [Column("kind", t("c_kind", lang)), Column("file", t("c_file", lang)),
            Column("record", t("c_record", lang), INT), Column("offset", t("c_offset", lang), INT),
            Column("id", t("c_id", lang)), Column("title", t("c_title", lang)),
            Column("message", t("c_message", lang))]
    rows: list[Row] = []

    def add(kind: str, file, record, offset, ident, title, message) -> None:
        if wording is not None:
            message = wording(message, lang)
        rows.append(Row(f"{kind}:{len(rows)}", [
            Cell(t(f"k_{kind}", lang)), Cell(file, untrusted=True), _int(record), _int(offset),
            Cell(ident, untrusted=True), Cell(title, untrusted=True),
            Cell(message, untrusted=True)]))

    for p in scan.problems:
        add("damaged" if p.record is not None else "file", p.file, p.record, p.offset, p.id,
            p.title, p.message)
    for r in tally.undated_records:
        add("undated", r.file, r.record, r.offset, r.id, r.title, r.reason)
    for r in tally.deleted_records:
        add("deleted", r.file, r.record, r.offset, r.id, r.title, r.reason)
    for r in tally.after_as_of_records:
        add("after_as_of", r.file, r.record, r.offset, r.id, r.title, r.reason)
    notes = [] if rows else [t("none", lang)]
    if tally.after_as_of > len(tally.after_as_of_records):
        notes.append(t("n_after_as_of_more", lang, n=tally.after_as_of - len(tally.after_as_of_records),
                       total=tally.after_as_of))
    return Table("problems", t("t_problems", lang), cols, rows, notes)


