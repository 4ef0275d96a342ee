"""``rabiskit digitisation EXPORT...``: digitised documents and pages per type and language,
against the plan, from the catalogue's links, the PDF folder and the digitisation log.
``--ledger PATH`` reads the catalogue's records from the ledger (with export files too:
added to an in-memory copy of it)."""

from __future__ import annotations

import csv
import dataclasses
import io
import sys
from pathlib import Path
from typing import List, Optional

import typer

from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, FromOpt, PlanOpt,
                                 QuarterOpt, ToOpt, YearOpt, check_encoding, check_flavour,
                                 fail, fitted_width, make_inputs, more_line,
                                 out_console, period_option, print_json, refuse_empty_inputs,
                                 warn, where)
from rabiskit.cli.ledgeropt import ledger_for_command, ledger_option
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.digitisation import LogError, PdfFolderError
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.pipeline.digitisation import digitisation_inputs
from rabiskit.digitisation.run import digitisation_records
from rabiskit.i18n import _, language, translate_text
from rabiskit.render.safe import csv_cell

CSV_COLUMNS = ["type", "name"] + [
    f"{prefix}{m}" for m in ("documents", "kazakh_documents", "pages", "kazakh_pages")
    for prefix in ("", "target_", "percent_")]
LIST_LIMIT = 50


def _num(v) -> str:
    return "" if v is None else str(v)


def _pct(v) -> str:
    return "" if v is None else f"{v:.1f}%"


def _rows(data: dict) -> list[tuple[str, dict]]:
    return list(data["types"].items()) + [("total", data["total"])]


def render_table(data: dict, plan) -> None:
    from rich import box  # rich only for the table: start-up time of --format json
    from rich.table import Table

    p = data["period"]
    lang = language()
    t = Table(title=_("{library} — digitisation — {start} … {end}").format(
        library=plan.library or "rabiskit", start=p["start"], end=p["end"]),
        title_justify="left", header_style="bold", box=box.SIMPLE_HEAVY, pad_edge=False,
        padding=(0, 0, 0, 1))
    measures = {"documents": _("documents"), "pages": _("pages")}
    rows = []
    for key, row in _rows(data):
        names = row.get("names") or {}
        label = (names.get(lang) or names.get("kk") or key) if key != "total" else _("Total")
        for i, measure in enumerate(("documents", "pages")):
            rows.append((key == "total", i == 1, [
                label if i == 0 else "", measures[measure], _num(row[measure]),
                _num(row[f"target_{measure}"]), _pct(row[f"percent_{measure}"]),
                _num(row[f"kazakh_{measure}"]), _num(row[f"target_kazakh_{measure}"]),
                _pct(row[f"percent_kazakh_{measure}"])]))
    t.add_column(_("Type"), justify="left")
    t.add_column("", justify="left", no_wrap=True)
    for i, heading in enumerate((_("Done"), _("Target"), "%", _("In Kazakh"), _("Kaz. target"),
                                 "%"), start=2):
        t.add_column(heading, justify="right",
                     width=fitted_width(heading, [cells[i] for _t, _e, cells in rows]))
    for total, end_section, cells in rows:
        t.add_row(*cells, style="bold" if total else None, end_section=end_section)
    out_console.print(t)
    tot = data["total"]
    if tot.get("target_source") == "stated" and (
            tot["target_documents"], tot["target_pages"]) != (tot["rows_target_documents"],
                                                               tot["rows_target_pages"]):
        out_console.print(_("The total's target is the plan's stated total row ({documents} "
                            "documents, {pages} pages); the rows add up to {row_documents} "
                            "documents, {row_pages} pages.").format(
            documents=tot["target_documents"], pages=tot["target_pages"],
            row_documents=tot["rows_target_documents"], row_pages=tot["rows_target_pages"]),
            markup=False)
    s = data["summary"]
    out_console.print(
        _("digitised documents: {catalogue} in the catalogue, {log} from the log; in the "
          "period: {in_period}; outside it: {outside}; undated: {undated}; duplicates (not "
          "counted twice): {duplicates}").format(
            catalogue=s["catalogue_documents"], log=s["log_documents"], in_period=s["in_period"],
            outside=s["outside_period"], undated=s["undated"], duplicates=s["duplicates"]),
        markup=False)
    if data.get("pdf_folder"):
        f = data["pdf_folder"]
        out_console.print(_("PDF folder {folder}: {pdfs} PDFs, {unreadable} unreadable").format(
            folder=f["folder"], pdfs=f["pdfs"], unreadable=f["unreadable"]), markup=False)

    def section(title: str, items: list, line) -> None:
        if not items:
            return
        out_console.print(f"{title} ({len(items)}):", style="bold", markup=False)
        for it in items[:LIST_LIMIT]:
            out_console.print("  " + line(it), markup=False)
        if len(items) > LIST_LIMIT:
            out_console.print("  " + more_line(len(items) - LIST_LIMIT), markup=False)

    def at(it: dict) -> str:
        if it.get("source") == "log":
            return where(it["file"], line=it.get("line"))
        return (where(it["file"], it.get("record"), it.get("offset")) + ", "
                + (it.get("id") or _("(no 001)")))

    def orphan(it: dict) -> str:
        text = _("{file}: {pages} pages").format(file=it["file"], pages=_num(it.get("pages")))
        if it.get("created"):
            text = _("{text}, created {day}").format(text=text, day=it["created"][:10])
        return text

    section(_("Linked PDF not in the folder (missing_pdfs)"), data["missing_pdfs"],
            lambda it: f"{at(it)}: {it['pdf']} — {it.get('title') or ''}")
    section(_("PDFs no record links to (orphan_pdfs)"), data["orphan_pdfs"], orphan)
    section(_("Page counts that disagree (page_mismatches)"), data["page_mismatches"],
            lambda it: _("{where}: catalogue {catalogue}, PDF {pdf} ({file})").format(
                where=at(it), catalogue=it["catalogue_pages"], pdf=it["pdf_pages"],
                file=it["pdf"]))
    section(_("Undated (not counted in any period)"), data["undated"],
            lambda it: f"{at(it)}: {it.get('title') or ''} — {translate_text(it['reason'])}")
    section(_("Counted once (duplicates)"), data["duplicates"],
            lambda it: f"{at(it)}: {translate_text(it['reason'])}")
    section(_("Problems"), data["problems"],
            lambda it: where(it["file"], it.get("record") or None, it.get("offset"))
                       + f": {translate_text(it['message'])}")


def render_csv(data: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for key, row in _rows(data):
        names = row.get("names") or {}
        name = names.get("kk", key)
        w.writerow([csv_cell(key), csv_cell(name)] + [csv_cell(row.get(c)) for c in CSV_COLUMNS[2:]])
    return buf.getvalue()


def register(app: typer.Typer) -> None:
    @app.command("digitisation", cls=DbCommand)
    def digitisation_cmd(
        exports: List[Path] = typer.Argument(None, metavar="FILE",
                                             help="Export files (ISO 2709, MARCXML)."),
        db: DbOpt = [],
        pdf_dir: Optional[Path] = typer.Option(None, "--pdf-dir", metavar="FOLDER", help="Folder of the digitised PDFs (searched with its sub-folders)."),
        log: Optional[Path] = typer.Option(None, "--log", metavar="FILE", help="Digitisation log (CSV: date, type, pages, language, title, file) for work not yet in the catalogue."),
        plan_path: PlanOpt = None,
        year: YearOpt = None,
        quarter: QuarterOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        newspaper: List[str] = typer.Option([], "--newspaper", metavar="TITLE", help="A newspaper title (host title of newspaper articles), in addition to the plan's list. Repeatable."),
        fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table, json or csv"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        strict: bool = typer.Option(False, "--strict", help="Exit with 1 when a PDF is missing, orphaned, unreadable or its pages disagree, or a document is undated."),
        ledger_path: Optional[Path] = ledger_option(),
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """Digitised documents and pages per type and language, against the plan."""
        if fmt not in ("table", "json", "csv"):
            fail(_("--format {fmt}: use table, json or csv").format(fmt=fmt))
        plan = load_plan_option(plan_path)
        extra = [t.strip() for t in newspaper if t.strip()]
        if extra:
            plan = dataclasses.replace(plan, newspapers=tuple(plan.newspapers) + tuple(extra))
        period = period_option(year, quarter, date_from, date_to, plan.year)
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        if ledger_path is not None:
            with ledger_for_command(ledger_path, exports, db, plan, encoding=enc,
                                    flavour=fl) as run:
                try:
                    data = digitisation_records(run.sources(), plan, period, pdf_dir, log,
                                                result=run.summary(plan, period.year))
                except (PdfFolderError, LogError) as e:
                    fail(str(e))
        else:
            if not exports and not db and (log is not None or pdf_dir is not None):
                inputs = []  # the log (and the PDF folder) alone: work not yet in the catalogue
            else:
                inputs = make_inputs(exports, db, plan.levels())
            try:
                with scan_progress(inputs) as progress:
                    data = digitisation_inputs(inputs, plan, period, pdf_dir, log, encoding=enc,
                                               flavour=fl, progress=progress,
                                               workers=check_workers(workers),
                                               min_fast_size=parse_size(parallel_from))
                refuse_empty_inputs(data.get("files", []))
            except (PdfFolderError, LogError) as e:
                fail(str(e))
        for w in data["warnings"]:
            warn(w)
        if fmt == "json":
            print_json(data)
        elif fmt == "csv":
            sys.stdout.write(render_csv(data))
        else:
            render_table(data, plan)
        if any(f.get("error") for f in data.get("files", [])):
            raise typer.Exit(2)
        if strict and (data["missing_pdfs"] or data["orphan_pdfs"] or data["page_mismatches"]
                       or data["problems"] or data["undated"]):
            raise typer.Exit(1)
