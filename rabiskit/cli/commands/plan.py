"""``rabiskit plan show|check [PLAN]`` and ``rabiskit rules [--plan PLAN]``.

Without PLAN the built-in default plan (the seed library's 2026 plan) is used.  Errors
in a plan file are one line on stderr (file, line, key, what is wrong) and exit code 2.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rabiskit.i18n import _, language, translate_text
from rabiskit.plan.check import check_plan
from rabiskit.plan.errors import PlanError
from rabiskit.plan.load import default_plan, load_plan
from rabiskit.plan.model import DIGITISATION_COLUMNS, DigitisationTarget, LevelTarget, Plan
from rabiskit.rules.engine import DEFAULT_RULES, Rule
from rabiskit.rules.levels import (DIGITISATION_MEASURES, TOTAL_NAMES, YEAR_NAMES,
                                   digitisation_name, pick_name)


class Format(str, Enum):
    table = "table"
    json = "json"


plan_app = typer.Typer(help="Show and check the library's annual plan (a TOML file).",
                       no_args_is_help=True, add_completion=False)

PLAN_ARG = typer.Argument(None, metavar="PLAN",
                          help="The plan file (TOML). Without it: the built-in 2026 plan.")
FORMAT_OPT = typer.Option(Format.table, "--format", "-f", metavar="FORMAT", help="table or json.")


# -- helpers ---------------------------------------------------------------------------
def _utf8_stdout() -> None:
    """Kazakh letters must survive a Windows console or a redirected stdout."""
    for stream in (sys.stdout, sys.stderr):
        enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if enc and enc != "utf8":
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
            except (AttributeError, ValueError, OSError):
                pass


def _fail(message: str) -> None:
    typer.echo(f"rabiskit: {translate_text(message)}", err=True)
    raise typer.Exit(2)


def _get_plan(path: Optional[Path]) -> Plan:
    _utf8_stdout()
    try:
        return default_plan() if path is None else load_plan(path)
    except PlanError as e:
        _fail(str(e))
        raise  # unreachable: _fail exits


def _console() -> Console:
    console = Console(file=sys.stdout, highlight=False)
    if not console.is_terminal:  # a file or a pipe: do not squeeze the tables into 80 columns
        console = Console(file=sys.stdout, highlight=False, width=160)
    return console


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


# -- plan as data ----------------------------------------------------------------------
def _level_row_json(row: LevelTarget) -> dict:
    out: dict[str, Any] = {"quarters": list(row.quarters), "kazakh": list(row.kazakh)}
    if row.year_total is not None:
        out["year_total"] = row.year_total
    if row.year_kazakh is not None:
        out["year_kazakh"] = row.year_kazakh
    return out


def _digitisation_row_json(row: DigitisationTarget) -> dict:
    out: dict[str, Any] = {c: list(row.column(c)) for c in DIGITISATION_COLUMNS}
    for c in DIGITISATION_COLUMNS:
        stated = row.stated_year(c)
        if stated is not None:
            out[f"year_{c}"] = stated
    return out


def plan_to_json(plan: Plan) -> dict:
    """The plan as plain JSON-able data (what ``plan show --format json`` prints)."""
    catalogue = {k: _level_row_json(v) for k, v in plan.catalogue.items()}
    if plan.catalogue_total is not None:
        catalogue["total"] = _level_row_json(plan.catalogue_total)
    digitisation = {k: _digitisation_row_json(v) for k, v in plan.digitisation.items()}
    if plan.digitisation_total is not None:
        digitisation["total"] = _digitisation_row_json(plan.digitisation_total)
    subtotals = {k: {"levels": list(s.levels), **_level_row_json(s.target), "names": dict(s.names)}
                 for k, s in plan.subtotals.items()}
    return {
        "year": plan.year,
        "library": plan.library,
        "source": plan.source,
        "catalogue": catalogue,
        "subtotals": subtotals,
        "digitisation": digitisation,
        "newspapers": list(plan.newspapers),
        "link_field": plan.link_field,
        "link_subfield": plan.link_subfield,
        "date_order": list(plan.date_order),
        "level_names": {k: {lang: plan.level_name(k, lang) for lang in ("kk", "ru", "en")}
                        for k in plan.levels()},
        "rules": {"mode": plan.rules_mode, "count": len(plan.rules or ())},
        "full_name": plan.full_name,
        "control": ({k: {"quarters": list(r.quarters), "year": r.year}
                     for k, r in plan.control.items()} if plan.control is not None else None),
        "last_year": ({"year": plan.last_year.year, "plan": dict(plan.last_year.plan),
                       "actual": dict(plan.last_year.actual)}
                      if plan.last_year is not None else None),
        "signatures": {k: ({"post": s.post, "name": s.name} if s is not None else None)
                       for k, s in (("director", plan.director),
                                    ("responsible", plan.responsible))},
    }


# -- plan as tables --------------------------------------------------------------------
def _columns(table: Table, first: str) -> None:
    table.add_column(first, min_width=18, overflow="fold")
    table.add_column(YEAR_NAMES.get(language(), YEAR_NAMES["en"]), justify="right",
                     no_wrap=True, min_width=4)
    table.add_column(_("kaz."), justify="right", no_wrap=True, min_width=4)
    for q in ("I", "II", "III", "IV"):
        table.add_column(q, justify="right", no_wrap=True, min_width=4)
        table.add_column(_("kaz."), justify="right", no_wrap=True, min_width=4)


def _year_cell(stated: int | None, quarters: tuple[int, ...]) -> str:
    computed = sum(quarters)
    if stated is None:
        return str(computed)
    return str(stated) if stated == computed else f"{stated}*"


def _cells(total: tuple[int, ...], kazakh: tuple[int, ...], year: int | None,
           year_kazakh: int | None) -> list[str]:
    cells = [_year_cell(year, total), _year_cell(year_kazakh, kazakh)]
    for t, k in zip(total, kazakh):
        cells += [str(t), str(k)]
    return cells


def _show_table(plan: Plan) -> None:
    console = _console()
    console.print(f"[bold]{escape(plan.library or '—')}[/bold]: {plan.year} "
                  f"({escape(translate_text(str(plan.source)))})")
    console.print(escape(_("(kaz. = of which in Kazakh; I-IV = quarters)")))
    starred = False
    lang = language()

    cat = Table(title=escape(_("New records in the electronic catalogue")), title_justify="left")
    _columns(cat, _("Level"))
    for key, row in plan.catalogue.items():
        cat.add_row(escape(f"{plan.level_name(key, lang)} ({key})"),
                    *_cells(row.quarters, row.kazakh, row.year_total, row.year_kazakh))
        starred |= row.year_total not in (None, row.total()) or \
            row.year_kazakh not in (None, row.total_kazakh())
    if plan.catalogue_total is not None:
        t = plan.catalogue_total
        cat.add_row(f"[bold]{TOTAL_NAMES.get(lang, TOTAL_NAMES['en'])} (total)[/bold]",
                    *_cells(t.quarters, t.kazakh, t.year_total, t.year_kazakh))
    for key, sub in plan.subtotals.items():
        t = sub.target
        name = pick_name(sub.names, lang, key)
        cat.add_row(f"[italic]{escape(name)}[/italic] ({escape(' + '.join(sub.levels))})",
                    *_cells(t.quarters, t.kazakh, t.year_total, t.year_kazakh))
    if plan.catalogue or plan.catalogue_total is not None:
        console.print(cat)

    rows = list(plan.digitisation.items())
    if plan.digitisation_total is not None:
        rows.append(("total", plan.digitisation_total))
    if rows:
        dig = Table(title=escape(_("Digitisation of documents")), title_justify="left")
        _columns(dig, _("Type"))
        for kind, row in rows:
            name = escape(f"{digitisation_name(kind, lang)} ({kind})")
            if kind == "total":
                name = f"[bold]{name}[/bold]"
            dig.add_row(f"{name}: {DIGITISATION_MEASURES['documents'][lang].lower()}",
                        *_cells(row.documents, row.kazakh_documents, row.year_documents,
                                row.year_kazakh_documents))
            dig.add_row(f"  {DIGITISATION_MEASURES['pages'][lang].lower()}",
                        *_cells(row.pages, row.kazakh_pages, row.year_pages,
                                row.year_kazakh_pages))
            for c in DIGITISATION_COLUMNS:
                stated = row.stated_year(c)
                starred |= stated is not None and stated != sum(row.column(c))
        console.print(dig)
        newspapers = ", ".join(plan.newspapers) if plan.newspapers else \
            _("none listed: add them under [digitisation] newspapers = [...]")
        console.print(escape(_("Newspapers: {list}").format(list=newspapers)))
    if starred:
        console.print(escape(_("* the year figure the plan states differs from the sum of its "
                               "quarters; see 'rabiskit plan check'.")))


# -- commands --------------------------------------------------------------------------
@plan_app.command("show")
def show(plan_file: Optional[Path] = PLAN_ARG, fmt: Format = FORMAT_OPT) -> None:
    """Show the plan's targets per quarter (new catalogue records, digitisation)."""
    plan = _get_plan(plan_file)
    if fmt == Format.json:
        _print_json(plan_to_json(plan))
    else:
        _show_table(plan)


@plan_app.command("check")
def check(plan_file: Optional[Path] = PLAN_ARG, fmt: Format = FORMAT_OPT,
          strict: bool = typer.Option(False, "--strict",
                                      help="Exit with code 1 when there are findings.")) -> None:
    """Point at the plan's own sums that disagree (year vs quarters, totals vs rows)."""
    plan = _get_plan(plan_file)
    findings = check_plan(plan)
    if fmt == Format.json:
        _print_json({"plan": plan.source, "findings": [f.as_dict() for f in findings]})
    elif not findings:
        _console().print(escape(_("{plan}: no findings, the plan's sums agree.").format(
            plan=translate_text(plan.source))))
    else:
        table = Table(title=escape(_("{plan}: findings {n}").format(plan=translate_text(plan.source),
                                                                    n=len(findings))),
                      title_justify="left")
        for name, justify in ((_("Table"), "left"), (_("Row"), "left"), (_("Column"), "left"),
                              (_("Stated"), "right"), (_("Computed"), "right"),
                              (_("What"), "left")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for f in findings:
            table.add_row(escape(f.table), escape(f.row), escape(f.column), str(f.stated),
                          str(f.computed), escape(translate_text(f.message)))
        _console().print(table)
    if strict and findings:
        raise typer.Exit(1)


def _rule_json(number: int, rule: Rule, origin: str) -> dict:
    return {"number": number, "level": rule.level, "description": rule.description,
            "origin": origin, "flavour": rule.flavour,
            "all": [c.describe() for c in rule.all_of], "any": [c.describe() for c in rule.any_of]}


def rules_command(plan_file: Optional[Path] = typer.Option(
                      None, "--plan", "-p", metavar="PLAN", help="The plan file whose rules to list "
                                                 "(default: the built-in rules)."),
                  fmt: Format = FORMAT_OPT) -> None:
    """List the level rules in force, in the order they are tried (the first match wins)."""
    plan = _get_plan(plan_file)
    rules = plan.rules_in_force()
    default_ids = {id(r) for r in DEFAULT_RULES}
    listed = [(i, r, "built-in" if id(r) in default_ids else "plan")
              for i, r in enumerate(rules, start=1)]
    origins = {"built-in": _("built-in"), "plan": _("plan")}
    if fmt == Format.json:
        mode = plan.rules_mode if plan.rules is not None else "default"
        _print_json({"plan": plan.source, "mode": mode,
                     "rules": [_rule_json(i, r, o) for i, r, o in listed]})
        return
    table = Table(title=escape(_("Level rules in force ({plan}); the first that matches "
                                 "decides. --db LEVEL FILE goes before all of them.").format(
                                     plan=translate_text(plan.source))),
                  title_justify="left")
    table.add_column("#", justify="right")
    table.add_column(_("Level"), no_wrap=True)
    table.add_column(_("Rule"))
    table.add_column(_("From"))
    from rabiskit.report.wording import rule_text  # the report's wording of the rules

    lang = language()
    for i, r, origin in listed:
        table.add_row(str(i), escape(f"{plan.level_name(r.level, lang)} ({r.level})"),
                      escape(rule_text(r, lang)), origins[origin])
    _console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.command("rules", help="List the level rules in force, in the order they are tried "
                              "(the first match wins).")(rules_command)
