"""``rabiskit import`` and ``rabiskit ledger status|close|corrections``: the ledger commands.

``open_ledger_cli(path, create=False)`` is the ``--ledger PATH`` option's helper for other
commands: it opens the ledger (default: $RABISKIT_LEDGER or the user's data folder) or
fails with one clear line.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, check_encoding,
                                 check_flavour, fail, fitted_width, make_inputs,
                                 more_line, out_console, print_json, refuse_overwrite, warn, where)
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.ledger.closing import (close_quarter, closed_quarters, parse_quarter,
                                     quarter_has_ended)
from rabiskit.ledger.importer import ImportResult
from rabiskit.pipeline.ledger import import_inputs
from rabiskit.i18n import N_, _, language, translate_text
from rabiskit.ledger.location import default_ledger_path
from rabiskit.ledger.status import ledger_status
from rabiskit.ledger.store import (DEFAULT_DATABASE, Ledger, LedgerError, explain, open_ledger,
                                   remove_new_ledger)

LEDGER_HELP = N_("The ledger file (default: $RABISKIT_LEDGER, else ledger.sqlite in the user's "
                 "data folder).")

ledger_app = typer.Typer(help="The ledger of imported records: status, closing quarters, "
                              "corrections.", no_args_is_help=True)


def open_ledger_cli(path: Path | None, create: bool = False) -> Ledger:
    """Open the ledger for a command, or fail with one clear line (exit 2)."""
    try:
        return open_ledger(path, create=create)
    except LedgerError as e:
        fail(str(e))


@contextlib.contextmanager
def using_ledger(path: Path | None, create: bool = False) -> Iterator[Ledger]:
    """The ledger opened for a command; any problem with it while the command uses it (a
    bad value, a damaged page, a lock, a full disk) ends the command with one clear line
    naming the file (exit 2)."""
    target = Path(path) if path is not None else default_ledger_path()
    new = create and not target.exists()
    led = open_ledger_cli(target, create)
    try:
        yield led
    except (LedgerError, sqlite3.Error) as e:
        led.close()
        if new:  # an import into a new ledger failed: leave no empty ledger behind
            remove_new_ledger(led.path)
        fail(str(e) if isinstance(e, LedgerError) else str(explain(e, led.path)))
    finally:
        led.close()


def _check_format(fmt: str, allowed=("table", "json")) -> None:
    if fmt not in allowed:
        fail(_("--format {fmt}: use {choices}").format(fmt=fmt, choices=", ".join(allowed)))


def _print_changes(title: str, items: list, limit: int = 50) -> None:
    if not items:
        return
    out_console.print(f"{title} ({len(items)}):", style="bold", markup=False)
    for c in items[:limit]:
        d = c.as_dict()
        changes = "; ".join(translate_text(x) for x in d["changes"])
        out_console.print(
            f"  {where(d['file'], d['record'])}: {d['control_number'] or d['key']} "
            f"{d['title'] or ''} — {changes}", markup=False)
    if len(items) > limit:
        out_console.print("  " + more_line(len(items) - limit), markup=False)


def _print_corrections(corrections: list, limit: int = 50) -> None:
    if not corrections:
        return
    out_console.print(_("Corrections to closed quarters ({n}):").format(n=len(corrections)),
                      style="bold", markup=False)
    for c in corrections[:limit]:
        before = f"{c.before[0]}/{c.before[1]}" if c.before else _("not counted")
        after = f"{c.after[0]}/{c.after[1]}" if c.after else _("not counted")
        out_console.print(
            f"  {c.period}: {c.control_number or c.key} {c.title or ''} — "
            f"{translate_text(c.what)} ({before} → {after})", markup=False)
    if len(corrections) > limit:
        out_console.print("  " + more_line(len(corrections) - limit), markup=False)


def render_import(r: ImportResult) -> None:
    out_console.print(
        _("Import {id} into {ledger}: {records} record(s) read — {added} added, {changed} "
          "changed, {deleted} deleted, {unchanged} unchanged, {stale} stale (older than the "
          "ledger), {repeated} repeated").format(
            id=r.import_id, ledger=r.ledger, records=r.records, added=r.added,
            changed=len(r.changed), deleted=len(r.deleted), unchanged=r.unchanged,
            stale=len(r.stale), repeated=r.repeated), markup=False)
    for db, n in sorted(r.databases.items()):
        out_console.print("  " + _("database {db}: {n} record(s) read").format(db=db, n=n),
                          markup=False)
    _print_changes(_("Changed"), r.changed)
    _print_changes(_("Deleted (no longer counted)"), r.deleted)
    _print_changes(_("Stale, not applied"), r.stale)
    _print_corrections(r.corrections)
    if r.problems:
        out_console.print(_("problems in the exports: {n} ('rabiskit inspect' lists them)").format(
            n=len(r.problems)), markup=False)


def register(app: typer.Typer) -> None:
    @app.command("import", cls=DbCommand)
    def import_cmd(
        exports: List[Path] = typer.Argument(None, metavar="FILE",
                                             help="Export files (ISO 2709, MARCXML)."),
        db: DbOpt = [],
        ledger_path: Optional[Path] = typer.Option(None, "--ledger", metavar="LEDGER",
                                                   help=LEDGER_HELP),
        database: str = typer.Option(DEFAULT_DATABASE, "--database", metavar="NAME",
                                     help="Name of the catalogue the export files (not given "
                                          "with --db) come from."),
        plan_path: Optional[Path] = typer.Option(None, "--plan", metavar="PLAN", help="Plan file (TOML) whose level rules decide the levels; default: the built-in 2026 plan."),
        fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """Store the records of catalogue exports in the ledger (only what is new or changed)."""
        _check_format(fmt)
        if not database.strip():
            fail(_("--database: give a name"))
        plan = load_plan_option(plan_path)
        inputs = make_inputs(exports, db, plan.levels())
        refuse_overwrite([ledger_path or default_ledger_path()], inputs)
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        with using_ledger(ledger_path, create=True) as led:
            try:
                with scan_progress(inputs) as progress:
                    result = import_inputs(led, inputs, plan, database=database.strip(),
                                           encoding=enc, flavour=fl, progress=progress,
                                           workers=check_workers(workers),
                                           min_fast_size=parse_size(parallel_from))
            except KeyboardInterrupt:
                fail(_("interrupted: nothing of this import was applied"), 130)
        for w in result.warnings:
            warn(w)
        if fmt == "json":
            print_json(result.as_dict())
        else:
            render_import(result)

    app.add_typer(ledger_app, name="ledger")


@ledger_app.command("status")
def status_cmd(
    ledger_path: Optional[Path] = typer.Option(None, "--ledger", metavar="LEDGER", help=LEDGER_HELP),
    fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json"),
):
    """The imports, the records per database and level, the newest date entered."""
    _check_format(fmt)
    with using_ledger(ledger_path) as led:
        data = ledger_status(led)
    if fmt == "json":
        print_json(data)
        return
    from rich.table import Table  # rich only for the tables: start-up time of an import

    out_console.print(_("Ledger {file}").format(file=data["ledger"]), markup=False)
    rows = []
    for i in data["imports"]:
        files = ", ".join(Path(f).name for f in i["files"][:3]) + (
            f" (+{len(i['files']) - 3})" if len(i["files"]) > 3 else "")
        rows.append([str(i["id"]), (i["finished"] or "")[:16].replace("T", " "), files,
                     str(i["records"]), str(i["added"]), str(i["changed"]), str(i["deleted"]),
                     str(i["unchanged"]), str(i["stale"]), str(i["corrections"])])
    t = Table(title=_("Imports"), title_justify="left", header_style="bold")
    for n, col in enumerate(("#", _("Finished"), _("Files"), _("Read"), _("Added"), _("Changed"),
                             _("Deleted"), _("Unchanged"), _("Stale"), _("Corrections"))):
        t.add_column(col, justify="left" if n in (1, 2) else "right",
                     min_width=fitted_width(col, [r[n] for r in rows]) if n > 2 else None)
    for r in rows:
        t.add_row(*r)
    out_console.print(t)
    t = Table(title=_("Records"), title_justify="left", header_style="bold")
    for col, left in ((_("Database"), True), (_("Records"), False), (_("Counted"), False),
                      (_("Deleted"), False), (_("Undated"), False), (_("In Kazakh"), False),
                      (_("Levels"), True), (_("Newest date entered"), False)):
        t.add_column(col, justify="left" if left else "right",
                     min_width=None if left else max(len(w) for w in col.split()))
    rows = list(data["databases"].items()) + [("total", data["total"])]
    for name, d in rows:
        t.add_row(_("Total") if name == "total" else name, str(d["records"]), str(d["live"]),
                  str(d["deleted"]), str(d["undated"]), str(d["kazakh"]),
                  ", ".join(f"{k} {v}" for k, v in d["levels"].items()),
                  d["newest_date_entered"] or "—", style="bold" if name == "total" else None)
    out_console.print(t)
    for cq in data["closed_quarters"]:
        out_console.print(_("closed {period} on {day}: {total} record(s), {kazakh} in Kazakh; "
                            "corrections since: {corrections}").format(
            period=cq["period"], day=cq["closed_at"], total=cq["total"], kazakh=cq["kazakh"],
            corrections=cq["corrections"]), markup=False)


@ledger_app.command("close")
def close_cmd(
    quarter: str = typer.Argument(..., metavar="QUARTER", help="The quarter to close, e.g. 2026Q1."),
    ledger_path: Optional[Path] = typer.Option(None, "--ledger", metavar="LEDGER", help=LEDGER_HELP),
    plan_path: Optional[Path] = typer.Option(None, "--plan", metavar="PLAN", help="Plan file (TOML) for the targets; default: the built-in 2026 plan."),
    force: bool = typer.Option(False, "--force", help="Close an already closed quarter again, taking its corrections in."),
    fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json"),
):
    """Freeze the numbers reported for a quarter; later changes become corrections."""
    _check_format(fmt)
    try:
        year, q = parse_quarter(quarter)
    except ValueError as e:
        fail(str(e))
    plan = load_plan_option(plan_path)
    with using_ledger(ledger_path) as led:
        cq = close_quarter(led, year, q, plan, force=force)
    if not quarter_has_ended(year, q):
        warn(_("{period} has not ended yet; records entered later in the quarter will be "
               "corrections").format(period=cq.period))
    if fmt == "json":
        print_json(cq.as_dict())
        return
    total = cq.snapshot["total"]
    out_console.print(_("Closed {period}: {total} record(s), {kazakh} in Kazakh, frozen as "
                        "reported.").format(period=cq.period, total=total["total"],
                                            kazakh=total["kazakh"]), markup=False)
    lang = language()
    for lv, v in cq.snapshot["levels"].items():
        if v["total"] or v["target"]:
            n = (str(v["total"]) if v["target"] is None else
                 _("{n} of {target}").format(n=v["total"], target=v["target"]))
            out_console.print(f"  {plan.level_name(lv, lang)} ({lv}): {n}", markup=False)


@ledger_app.command("corrections")
def corrections_cmd(
    quarter: Optional[str] = typer.Argument(None, metavar="QUARTER", help="A closed quarter, e.g. 2026Q1 (default: all)."),
    ledger_path: Optional[Path] = typer.Option(None, "--ledger", metavar="LEDGER", help=LEDGER_HELP),
    fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json"),
):
    """What imports changed in closed quarters since they were closed."""
    _check_format(fmt)
    label = None
    if quarter:
        try:
            y, q = parse_quarter(quarter)
        except ValueError as e:
            fail(str(e))
        label = f"{y}Q{q}"
    with using_ledger(ledger_path) as led:
        cqs = [c for c in closed_quarters(led) if label is None or c.period == label]
    if label and not cqs:
        fail(_("{period} is not closed ('rabiskit ledger close {period}' closes it)").format(
            period=label))
    if fmt == "json":
        print_json([c.as_dict() | {"snapshot": None} for c in cqs])
        return
    for cq in cqs:
        out_console.print(_("{period} (closed {day}): {n} correction(s)").format(
            period=cq.period, day=cq.closed_at, n=len(cq.corrections)), markup=False)
        for lv, d in cq.delta().items():
            out_console.print("  " + _("{level}: total {total}, Kazakh {kazakh}").format(
                level=lv, total=f"{d['total']:+d}", kazakh=f"{d['kazakh']:+d}"), markup=False)
        _print_corrections(cq.corrections)


__all__ = ["LEDGER_HELP", "open_ledger_cli", "register", "using_ledger"]
