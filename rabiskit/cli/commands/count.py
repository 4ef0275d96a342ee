"""``rabiskit count EXPORT...``: new records of the period per level and language, against the plan.

``--ledger PATH`` counts the records kept in the ledger instead (export files given too are
added to an in-memory copy of it); the JSON has the same keys either way."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from rabiskit.aggregate.count import UNKNOWN_OPERATOR, OperatorTally, count_document, operators_json
from rabiskit.cli import headstart
from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, FromOpt, PlanOpt,
                                 QuarterOpt, ToOpt, YearOpt, check_encoding, check_flavour,
                                 fail, fitted_width, make_inputs, more_line,
                                 out_console, period_option, print_json, refuse_empty_inputs,
                                 warn, where)
from rabiskit.cli.ledgeropt import ledger_for_command, ledger_option
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.i18n import _, language, translate_text
from rabiskit.pipeline.count import count_job


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}%"


def _share(v: float | None) -> str:
    return "" if v is None else f"{100 * v:.1f}%"


def _num(v) -> str:
    return "" if v is None else str(v)


COLUMNS = ["level", "name", "total", "kazakh", "kazakh_share", "other_languages", "target",
           "kazakh_target", "percent_done", "kazakh_percent_done"]


def rows(data: dict, plan) -> list[dict]:
    out = []
    # the total covers the planned levels; the levels beyond the plan come below it, then
    # the total of all levels
    planned = data["total"].get("levels") or list(data["levels"])
    beyond = [(k, v) for k, v in data["levels"].items() if k not in planned]
    items = [(k, v) for k, v in data["levels"].items() if k in planned] + [("total", data["total"])]
    if beyond:
        items += beyond + [("all_levels", data.get("all_levels") or data["total"])]
    for key, v in items:
        name = ("Барлығы / Total" if key == "total" else
                "Барлық деңгейлер / All levels" if key == "all_levels" else plan.level_name(key, "kk"))
        out.append({"level": key, "name": name, **{c: v.get(c) for c in COLUMNS[2:]}})
    return out


def render_table(data: dict, plan) -> None:
    from rich import box
    from rich.table import Table  # rich only for a table: start-up time of json/csv runs

    p = data["period"]
    r = data["records"]
    lang = language()
    t = Table(title=f"{plan.library or 'rabiskit'} — {p['start']} … {p['end']}",
              title_justify="left", header_style="bold", box=box.SIMPLE_HEAVY, pad_edge=False,
              padding=(0, 0, 0, 1))
    table_rows = []
    for row in rows(data, plan):
        name = (_("Total") if row["level"] == "total" else
                _("All levels") if row["level"] == "all_levels" else
                plan.level_name(row["level"], lang))
        style = "bold" if row["level"] == "total" else "italic" if row["level"] == "all_levels" \
            else None
        table_rows.append((style, [
            name, _num(row["total"]), _num(row["kazakh"]), _share(row["kazakh_share"]),
            _num(row["other_languages"]), _num(row["target"]), _num(row["kazakh_target"]),
            _pct(row["percent_done"]), _pct(row["kazakh_percent_done"])]))
    # short headings wrapped at their spaces, numbers never cut, the level names wrap in
    # what is left: the table fits 80 columns in kk, ru and en
    headings = (_("Total"), _("In Kazakh"), _("Kaz. share"), _("Other lang."), _("Target"),
                _("Kaz. target"), _("% done"), _("Kaz. % done"))
    names = [cells[0] for _style, cells in table_rows]
    t.add_column(_("Level"), justify="left", overflow="fold",
                 min_width=min(14, fitted_width(_("Level"), [w for n in names for w in n.split()])))
    for i, heading in enumerate(headings, start=1):
        t.add_column(heading, justify="right",
                     width=fitted_width(heading, [cells[i] for _style, cells in table_rows]))
    for style, cells in table_rows:
        t.add_row(*cells, style=style)
    out_console.print(t)
    out_console.print(
        _("records read: {read}; in the period: {in_period}; outside it: {outside}; "
          "undated: {undated}; deleted: {deleted}; not bibliographic: {not_bibliographic}; "
          "damaged (salvaged): {damaged}").format(
            read=r["read"], in_period=r["in_period"], outside=r["outside_period"],
            undated=r["undated"], deleted=r["deleted"],
            not_bibliographic=r["not_bibliographic"], damaged=r["damaged"]), markup=False)
    if data["undated"]:
        out_console.print(_("Undated records (not counted in any period):"), style="bold",
                          markup=False)
        for u in data["undated"][:50]:
            out_console.print(f"  {where(u['file'], u['record'], u['offset'])}: "
                              f"{u['id'] or _('(no 001)')} {u['title'] or ''} — "
                              f"{translate_text(u['reason'])}", markup=False)
        if len(data["undated"]) > 50:
            out_console.print("  " + more_line(len(data["undated"]) - 50), markup=False)
    if data["problems"]:
        out_console.print(_("Problems ({n}):").format(n=len(data["problems"])), style="bold",
                          markup=False)
        for pr in data["problems"][:50]:
            at = where(pr["file"], pr.get("record") or None, pr.get("offset"), pr.get("line"))
            out_console.print(f"  {at}: {translate_text(pr['message'])}", markup=False)
        if len(data["problems"]) > 50:
            out_console.print("  " + more_line(len(data["problems"]) - 50), markup=False)


def operators_section(operators: OperatorTally, plan, period) -> dict:
    """The ``operators`` and ``operators_field`` keys of the count JSON."""
    return {"operators": operators_json(operators, plan, period),
            "operators_field": {"field": operators.tag, "subfield": operators.code,
                                "from_plan": plan.operator_from_plan}}


def render_operators(data: dict, plan) -> None:
    """The per-cataloguer table: new records of the period per level, and in Kazakh."""
    from rich.table import Table
    from rich.text import Text

    ops = data["operators"]
    where = data["operators_field"]
    t = Table(title=_("Cataloguers ({field} ^{subfield})").format(
        field=where["field"], subfield=where["subfield"].upper()),
        title_justify="left", header_style="bold")
    t.add_column(_("Cataloguer"))
    t.add_column(_("Total"), justify="right")
    t.add_column(_("In Kazakh"), justify="right")
    levels = list(next(iter(ops.values()))["levels"]) if ops else []
    lang = language()
    for lv in levels:
        t.add_column(plan.level_name(lv, lang), justify="right")
    for name, row in ops.items():
        shown = _("(unknown)") if name == UNKNOWN_OPERATOR else name
        cells = [f"{row['levels'][lv]['total']} ({row['levels'][lv]['kazakh']})" if
                 row["levels"][lv]["total"] else "0" for lv in levels]
        t.add_row(Text(shown), str(row["total"]), str(row["kazakh"]), *cells)  # no markup
    out_console.print(t)
    out_console.print(_("Per level: all (of which in Kazakh)."), markup=False)


def render_operators_csv(data: dict) -> str:
    import csv
    import io

    from rabiskit.render.safe import csv_cell

    buf = io.StringIO()
    w = csv.writer(buf)
    ops = data["operators"]
    levels = list(next(iter(ops.values()))["levels"]) if ops else []
    w.writerow(["operator", "total", "kazakh"] + [f"{lv}{suffix}" for lv in levels
                                                  for suffix in ("", "_kazakh")])
    for name, row in ops.items():
        w.writerow([csv_cell(name), row["total"], row["kazakh"]] +
                   [row["levels"][lv][k] for lv in levels for k in ("total", "kazakh")])
    return buf.getvalue()


def render_csv(data: dict, plan) -> str:
    import csv  # only for --format csv: the other runs do without (start-up time)
    import io

    from rabiskit.render.safe import csv_cell

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)

    for row in rows(data, plan):
        w.writerow([csv_cell(row[c]) for c in COLUMNS])
    return buf.getvalue()


def register(app: typer.Typer) -> None:
    @app.command("count", cls=DbCommand)
    def count_cmd(
        exports: List[Path] = typer.Argument(
            None, metavar="FILE", help="Export files (ISO 2709, MARCXML, IRBIS plain text)."),
        db: DbOpt = [],
        plan_path: PlanOpt = None,
        year: YearOpt = None,
        quarter: QuarterOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table, json or csv"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        strict: bool = typer.Option(False, "--strict", help="Exit with 1 when any record was damaged or undated."),
        ledger_path: Optional[Path] = ledger_option(),
        by: Optional[str] = typer.Option(None, "--by", metavar="GROUPING", help="operator: the same numbers per cataloguer (IRBIS 907 ^B, or the plan's [operator] field)."),
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """How many new records per catalogue level and language, against the plan."""
        if fmt not in ("table", "json", "csv"):
            fail(_("--format {fmt}: use table, json or csv").format(fmt=fmt))
        if by is not None and by.strip().lower() != "operator":
            fail(_("--by {by}: the only grouping is --by operator").format(by=by))
        if by is not None and ledger_path is not None:
            fail(_("--by operator reads the cataloguer from the records' fields, which the "
                   "ledger does not keep: give the export files without --ledger"))
        plan = load_plan_option(plan_path)
        period = period_option(year, quarter, date_from, date_to, plan.year)
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        n_workers, min_size = check_workers(workers), parse_size(parallel_from)
        if ledger_path is not None:
            headstart.release()  # (the ledger's records are read here)
            with ledger_for_command(ledger_path, exports, db, plan, encoding=enc,
                                    flavour=fl) as run:
                tally, result = run.count(plan, period)
        else:
            inputs = make_inputs(exports, db, plan.levels())
            operators = OperatorTally.for_plan(plan) if by is not None else None
            with scan_progress(inputs) as progress:
                # (in the helper process when the input is big: rabiskit.cli.headstart)
                tally, result, operators = headstart.call(
                    count_job, inputs, plan, period,
                    use=headstart.worth_it(inputs, n_workers, min_size),
                    encoding=enc, flavour=fl, progress=progress, operators=operators,
                    workers=n_workers, min_fast_size=min_size)
            refuse_empty_inputs(result.files)
        for w in result.warnings:
            warn(w)
        if period.year != plan.year:
            warn(_("the plan is for {plan_year}, the period is in {year}: targets are the "
                   "plan's quarters").format(plan_year=plan.year, year=period.year))
        data = count_document(tally, result, plan)
        if by is not None:
            data.update(operators_section(operators, plan, period))
        if fmt == "json":
            print_json(data)
        elif fmt == "csv":
            sys.stdout.write(render_operators_csv(data) if by is not None else
                             render_csv(data, plan))
        else:
            render_table(data, plan)
            if by is not None:
                render_operators(data, plan)
        if any(f.error for f in result.files):
            raise typer.Exit(2)
        if strict and (result.problems or tally.undated):
            raise typer.Exit(1)
