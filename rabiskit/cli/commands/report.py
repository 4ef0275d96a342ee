"""``rabiskit report EXPORT... -o FILE...``: the plan-fulfilment report in XLSX, DOCX, HTML,
Markdown, CSV and JSON (the format follows each file's extension), in kk, ru or en.
``--ledger PATH`` reports from the records kept in the ledger (with export files too:
added to an in-memory copy of it); a quarter closed in the ledger shows the numbers frozen
when it was closed, and the corrections since are listed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional

import typer

from rabiskit.aggregate.period import PeriodError
from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, PlanOpt,
                                 YearOpt, check_encoding, check_flavour, fail,
                                 make_inputs, named_inputs, out_console, refuse_empty_inputs,
                                 refuse_overwrite, warn)
from rabiskit.cli.ledgeropt import ledger_for_command, ledger_option
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.i18n import _, explicit_language
from rabiskit.report.messages import check_lang
from rabiskit.render.outputs import check_outputs, preload_writers, write_each
from rabiskit.render.writerprocess import WriterProcess
from rabiskit.report.run import (report_digitisation, report_from_ledger, report_of,
                                 scan_for_report)


def _as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(_("{option} {text}: give a date as YYYY-MM-DD").format(option="--as-of", text=text))


def register(app: typer.Typer) -> None:
    @app.command("report", cls=DbCommand)
    def report_cmd(
        exports: List[Path] = typer.Argument(None, metavar="FILE",
                                             help="Export files (ISO 2709, MARCXML)."),
        db: DbOpt = [],
        outputs: List[Path] = typer.Option(
            [], "-o", "--output", metavar="FILE",
            help="Report file; the format follows the extension: .xlsx, .docx, .html, .md, "
                 ".csv, .json. Repeat for several formats from one computation."),
        plan_path: PlanOpt = None,
        year: YearOpt = None,
        quarter: Optional[int] = typer.Option(None, "--quarter", min=1, max=4, metavar="QUARTER",
                                              help="Quarter 1-4 (default: the year to date)."),
        lang: Optional[str] = typer.Option(
            None, "--lang", metavar="LANG",
            help="Language of the report (and of the messages): kk (default), ru or en."),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        pdf_dir: Optional[Path] = typer.Option(None, "--pdf-dir", metavar="FOLDER", help="Folder of digitised PDFs (for the digitisation table)."),
        log: Optional[Path] = typer.Option(None, "--log", metavar="FILE", help="Digitisation log (CSV) of work not yet in the catalogue."),
        as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD",
                                            help="Produce the report as on this date (default: today)."),
        ledger_path: Optional[Path] = ledger_option(),
        csv_semicolon: bool = typer.Option(
            False, "--csv-semicolon",
            help="CSV with ';' between fields and a decimal comma, as Excel expects in a "
                 "Kazakh or Russian locale (default: ',' and a decimal point)."),
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """The plan-fulfilment report: catalogue table, Kazakh share, months, digitisation, problems."""
        try:
            # the report: its --lang, else a --lang before the command, else Kazakh (the
            # state language; RABISKIT_LANG and the system's language choose messages only)
            lang = check_lang(lang or explicit_language() or "kk")
            targets = check_outputs(outputs)
        except ValueError as e:
            fail(str(e))
        today = _as_of(as_of)
        plan = load_plan_option(plan_path)
        y = year or plan.year
        if not 1900 <= y <= 2999:
            fail(_("--year {year}: give a four-digit year").format(year=y))
        refuse_overwrite([path for path, _fmt in targets],
                         named_inputs(exports, db, ledger_path, plan_path, log))
        if ledger_path is None:
            inputs = make_inputs(exports, db, plan.levels())
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        n_workers, min_size = check_workers(workers), parse_size(parallel_from)
        # the XLSX and DOCX writers: imported, then run, by a helper process where one can
        # be forked (rabiskit.render.writerprocess); else imported in a thread meanwhile
        helper = WriterProcess.start([fmt for _path, fmt in targets])
        if helper is None:
            preload_writers([fmt for _path, fmt in targets])
        try:  # (the helper let go however this ends)
            try:
                dig = report_digitisation(plan, y, quarter, today, pdf_dir, log)
            except ValueError as e:  # a bad PDF folder or log, or no digitisation module
                fail(str(e))
            try:
                if ledger_path is not None:
                    with ledger_for_command(ledger_path, exports, db, plan, encoding=enc,
                                            flavour=fl) as run:
                        rs = report_from_ledger(run.ledger, plan, year=y, quarter=quarter,
                                                today=today, digitisation=dig,
                                                warnings=run.warnings)
                else:
                    with scan_progress(inputs) as progress:
                        rs = scan_for_report(inputs, plan, year=y, quarter=quarter, today=today,
                                             encoding=enc, flavour=fl, digitisation=dig,
                                             progress=progress, workers=n_workers,
                                             min_fast_size=min_size)
                    refuse_empty_inputs(rs.scan.files)
            except PeriodError as e:
                fail(str(e))
            for w in rs.scan.warnings:
                warn(w)
            report = report_of(rs, plan, lang, today,
                               csv_dialect="semicolon" if csv_semicolon else "comma")
            written = helper.write(report, targets) if helper is not None else write_each(report, targets)
            for path, error in written.items():
                if error is not None:
                    fail(_("{file}: cannot write the report ({reason})").format(
                        file=path, reason=error.strerror or error))
                out_console.print(_("wrote {file}").format(file=path), markup=False, highlight=False)
        finally:
            if helper is not None:
                helper.close()
        if any(f.error for f in rs.scan.files):
            raise typer.Exit(2)
