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
from rich.markup import escape
from rich.table import Table

from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, FromOpt, PlanOpt,
                                 QuarterOpt, ToOpt, YearOpt, check_encoding, check_flavour,
                                 err_console, fail, make_inputs, out_console, period_option,
                                 print_json, refuse_empty_inputs)
from rabiskit.cli.ledgeropt import ledger_for_command, ledger_option
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.digitisation import LogError, PdfFolderError, digitisation_inputs
from rabiskit.digitisation.run import digitisation_records
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
    p = data["period"]
    t = Table(title=f"{plan.library or 'rabiskit'} — цифрлау / digitisation — "
                    f"{p['start']} … {p['end']}", title_justify="left", header_style="bold")
    for col, just in (("Түрі / type", "left"), ("", "left"), ("нақты\ndone", "right"),
                      ("жоспар\nplan", "right"), ("%", "right"), ("қаз.\nkaz", "right"),
                      ("жоспар\nplan", "right"), ("%", "right")):
        t.add_column(col, justify=just, overflow="fold")
    t.columns[1].no_wrap = True
    short = {"documents": "құжат/docs", "pages": "бет/pages"}
    for key, row in _rows(data):
        names = row.get("names") or {}
        label = (f"{names.get('kk', key)}\n({key})" if key != "total"
                 else f"{names.get('kk', 'Барлығы')} / {names.get('en', 'Total')}")
        style = "bold" if key == "total" else None
        for i, measure in enumerate(("documents", "pages")):
            t.add_row(label if i == 0 else "", short[measure], _num(row[measure]),
                      _num(row[f"target_{measure}"]), _pct(row[f"percent_{measure}"]),
                      _num(row[f"kazakh_{measure}"]), _num(row[f"target_kazakh_{measure}"]),
                      _pct(row[f"percent_kazakh_{measure}"]), style=style,
                      end_section=(i == 1))
    out_console.print(t)
    tot = data["total"]
    if tot.get("target_source") == "stated" and (
            tot["target_documents"], tot["target_pages"]) != (tot["rows_target_documents"],
                                                               tot["rows_target_pages"]):
        out_console.print(f"The total's target is the plan's stated total row "
                          f"({tot['target_documents']} documents, {tot['target_pages']} pages); "
                          f"the rows add up to {tot['rows_target_documents']} documents, "
                          f"{tot['rows_target_pages']} pages.", markup=False)
    s = data["summary"]
    out_console.print(
        f"digitised documents: {s['catalogue_documents']} in the catalogue, {s['log_documents']} "
        f"from the log; in the period: {s['in_period']}; outside it: {s['outside_period']}; "
        f"undated: {s['undated']}; duplicates (not counted twice): {s['duplicates']}", markup=False)
    if data.get("pdf_folder"):
        f = data["pdf_folder"]
        out_console.print(f"PDF folder {f['folder']}: {f['pdfs']} PDFs, {f['unreadable']} "
                          f"unreadable", markup=False)

    def section(title: str, items: list, line) -> None:
        if not items:
            return
        out_console.print(f"[bold]{title} ({len(items)}):[/bold]")
        for it in items[:LIST_LIMIT]:
            out_console.print("  " + line(it), markup=False)
        if len(items) > LIST_LIMIT:
            out_console.print(f"  … and {len(items) - LIST_LIMIT} more (--format json lists all)")

    def where(it: dict) -> str:
        if it.get("source") == "log":
            return f"{it['file']}, line {it.get('line')}"
        return (f"{it['file']}, record {it.get('record')}, byte {it.get('offset')}, "
                f"{it.get('id') or '(no 001)'}")

    section("Linked PDF not in the folder (missing_pdfs)", data["missing_pdfs"],
            lambda it: f"{where(it)}: {it['pdf']} — {it.get('title') or ''}")
    section("PDFs no record links to (orphan_pdfs)", data["orphan_pdfs"],
            lambda it: f"{it['file']}: {_num(it.get('pages'))} pages"
                       + (f", created {it['created'][:10]}" if it.get("created") else ""))
    section("Page counts that disagree (page_mismatches)", data["page_mismatches"],
            lambda it: f"{where(it)}: catalogue {it['catalogue_pages']}, PDF {it['pdf_pages']} "
                       f"({it['pdf']})")
    section("Undated (not counted in any period)", data["undated"],
            lambda it: f"{where(it)}: {it.get('title') or ''} — {it['reason']}")
    section("Counted once (duplicates)", data["duplicates"],
            lambda it: f"{where(it)}: {it['reason']}")
    section("Problems", data["problems"],
            lambda it: it["file"] + (f", record {it['record']}" if it.get("record") else "")
                       + (f", byte {it['offset']}" if it.get("offset") is not None else "")
                       + f": {it['message']}")


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
        exports: List[Path] = typer.Argument(None, help="Export files (ISO 2709, MARCXML)."),
        db: DbOpt = [],
        pdf_dir: Optional[Path] = typer.Option(None, "--pdf-dir", help="Folder of the digitised PDFs (searched with its sub-folders)."),
        log: Optional[Path] = typer.Option(None, "--log", help="Digitisation log (CSV: date, type, pages, language, title, file) for work not yet in the catalogue."),
        plan_path: PlanOpt = None,
        year: YearOpt = None,
        quarter: QuarterOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        newspaper: List[str] = typer.Option([], "--newspaper", help="A newspaper title (host title of newspaper articles), in addition to the plan's list. Repeatable."),
        fmt: str = typer.Option("table", "--format", help="table, json or csv"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        strict: bool = typer.Option(False, "--strict", help="Exit with 1 when a PDF is missing, orphaned, unreadable or its pages disagree, or a document is undated."),
        ledger_path: Optional[Path] = ledger_option(),
    ):
        """Digitised documents and pages per type and language, against the plan."""
        if fmt not in ("table", "json", "csv"):
            fail(f"--format {fmt}: use table, json or csv")
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
                                               flavour=fl, progress=progress)
                refuse_empty_inputs(data.get("files", []))
            except (PdfFolderError, LogError) as e:
                fail(str(e))
        for w in data["warnings"]:
            err_console.print(f"[yellow]warning:[/] {escape(w)}", markup=True, highlight=False)
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
