"""``rabiskit audit EXPORT...``: what the bibliographer should fix in the records.

Language coding against the text, the Kazakh share as coded and as written, encoding
damage, dates, duplicates and structure; a summary and the list, as a table, JSON, CSV
or XLSX.  ``--strict`` exits with 1 when there are findings.  ``--ledger PATH`` audits the records
kept in the ledger (with export files too: added to an in-memory copy of it).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from itertools import chain, islice
from typing import Iterable, List, Optional

import typer

from rabiskit.atomic import atomic_file
from rabiskit.audit.findings import KINDS, kind_name
from rabiskit.audit.render import csv_lines, write_xlsx
from rabiskit.audit.run import audit_inputs, audit_records
from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, FromOpt, PlanOpt,
                                 QuarterOpt, ToOpt, cannot_write, check_encoding, check_flavour,
                                 err_console, error, fail, fitted_width, make_inputs,
                                 named_inputs, out_console, period_option,
                                 refuse_empty_inputs, refuse_overwrite, warn, where, written)
from rabiskit.cli.ledgeropt import ledger_for_command, ledger_option
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.i18n import _, language, translate_text

FORMATS = ("table", "json", "csv", "xlsx")
FILE_FORMATS = {".json": "json", ".csv": "csv", ".xlsx": "xlsx"}
TABLE_LIMIT = 200


def choose_format(fmt: str | None, output: Path | None) -> str:
    """The output format: --format when given, else from -o FILE's extension (as in
    ``report``), else the table; a clear error when they cannot go together."""
    if fmt is not None and fmt not in FORMATS:
        fail(_("--format {fmt}: use table, json, csv or xlsx").format(fmt=fmt))
    if output is None:
        if fmt == "xlsx":
            fail(_("--format xlsx needs -o FILE.xlsx"))
        return fmt or "table"
    by_name = FILE_FORMATS.get(output.suffix.lower())
    if fmt is None:
        if by_name is None:
            fail(_("-o {file}: the format follows the extension: use .json, .csv or .xlsx (or "
                   "give --format json, csv or xlsx)").format(file=output))
        return by_name
    if fmt == "table":
        fail(_("-o {file}: --format table prints on the screen; use --format json, csv or xlsx "
               "to write a file").format(file=output))
    if by_name is not None and by_name != fmt:
        fail(_("-o {file}: the extension says {by_name}, --format says {fmt}; give one that "
               "agrees").format(file=output, by_name=by_name, fmt=fmt))
    return fmt


def to_confidence(value) -> float:
    """--min-confidence's value, a number from 0 to 1, read and refused as typer's pydantic
    float with those bounds does (the same words for the same mistakes: see
    ``rabiskit.cli.coercion``), without importing pydantic (a fifth of a second)."""
    from rabiskit.cli.coercion import Refused

    if not isinstance(value, (int, float, str)):  # (a bool is an int: as pydantic's)
        raise Refused("float_type", value, "Input should be a valid number")
    try:
        if isinstance(value, str) and not value.isascii():  # (float() reads other digits)
            raise ValueError(value)
        number = float(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise Refused("float_parsing", value,
                      "Input should be a valid number, unable to parse string as a number"
                      ) from None
    if not number <= 1.0:  # (nan and inf too)
        raise Refused("less_than_equal", value, "Input should be less than or equal to 1.0",
                      {"le": 1.0})
    if not number >= 0.0:
        raise Refused("greater_than_equal", value,
                      "Input should be greater than or equal to 0.0", {"ge": 0.0})
    return number


class AuditCommand(DbCommand):
    """The audit's command: its one float option converted by :func:`to_confidence`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from rabiskit.cli import coercion

        if coercion.RuntimeParam is None:  # pragma: no cover - another typer
            return
        for p in self.params:
            desc = getattr(p, "type_descriptor", None)
            if p.name == "min_confidence" and desc is not None:
                p._runtime_param = coercion.PlainRuntimeParam(  # type: ignore[attr-defined]
                    desc.parameter_info, desc.annotation, to_confidence)


def _share(v) -> str:
    return "" if v is None else f"{100 * v:.1f}%"


def _parse_day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(_("{option} {text}: give a date as YYYY-MM-DD").format(option=option, text=text))


def render_table(data: dict, plan, findings: Iterable[dict] | None = None,
                 count: int | None = None) -> None:
    """The summary, the Kazakh share and the first findings on the screen.  ``data``: the
    JSON document (its findings, or ``findings``: the first of them, ``count`` in all)."""
    from rich.table import Table  # (only for the table: not for a file written)

    lang = language()
    s = Table(title=_("Audit"), title_justify="left", header_style="bold")
    s.add_column(_("Check"))
    s.add_column(_("Code"))
    s.add_column(_("Findings"), justify="right")
    for kind in KINDS:
        n = data["summary"].get(kind, 0)
        s.add_row(kind_name(kind, lang), kind, str(n), style=None if n else "dim")
    out_console.print(s)
    p = data.get("period") or {}
    t = Table(title=_("Kazakh share: {start} … {end}").format(start=p.get("start", ""),
                                                             end=p.get("end", "")),
              title_justify="left", header_style="bold")
    rows = []
    for lv, row in data["kazakh_share"].items():
        name = _("Total") if lv == "total" else plan.level_name(lv, lang)
        rows.append((lv == "total", [name, str(row["records"]), _share(row["coded"]),
                                     _share(row["written"]), _share(row["target"])]))
    t.add_column(_("Level"), justify="left")
    for i, heading in enumerate((_("Records"), _("As coded"), _("As written"), _("Target")), 1):
        t.add_column(heading, justify="right",
                     min_width=fitted_width(heading, [cells[i] for _t, cells in rows]))
    for total, cells in rows:
        t.add_row(*cells, style="bold" if total else None)
    out_console.print(t)
    total = data["kazakh_share"].get("total", {})
    if total.get("written_from_coding"):
        n = total["written_from_coding"]
        out_console.print(_("'as written': {n} record(s) whose title could not be read count "
                            "by their language coding.").format(n=n), markup=False)
    shown = data["findings"] if findings is None else findings
    n_all = len(data["findings"]) if count is None else count
    if not n_all:
        out_console.print(_("No findings."), markup=False)
        return
    out_console.print(_("Findings ({n}):").format(n=n_all), style="bold", markup=False)
    for f in islice(shown, TABLE_LIMIT):
        at = where(f["file"], f["record"], f["offset"])
        out_console.print(f"  [{kind_name(f['kind'], lang)}] {at}: {f['id'] or _('(no 001)')} "
                          f"{f['title'] or ''} — {f['field']}: {translate_text(f['evidence'])} "
                          f"({f['confidence']:.2f})", markup=False)
    if n_all > TABLE_LIMIT:
        out_console.print("  " + _("… and {n} more (--format xlsx -o FILE gives the whole "
                                   "list, a sheet per kind)").format(n=n_all - TABLE_LIMIT),
                          markup=False)


def _write_text(output: Path | None, pieces: Iterable[str], bom: bool = False) -> None:
    """Text pieces to stdout, or to ``output`` (UTF-8) atomically."""
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    with atomic_file(output) as fh:
        if bom:
            fh.write("\ufeff".encode("utf-8"))
        buf: list[str] = []
        size = 0
        for piece in pieces:
            buf.append(piece)
            size += len(piece)
            if size >= 1 << 16:
                fh.write("".join(buf).encode("utf-8"))
                buf, size = [], 0
        fh.write("".join(buf).encode("utf-8"))


def _write_bytes(output: Path | None, pieces: Iterable[bytes]) -> None:
    """UTF-8 pieces to stdout, or to ``output`` atomically."""
    if output is None:
        out = sys.stdout.buffer
        sys.stdout.flush()
        for piece in pieces:
            out.write(piece)
        out.flush()
        return
    with atomic_file(output) as fh:
        for piece in pieces:
            fh.write(piece)


def register(app: typer.Typer) -> None:
    @app.command("audit", cls=AuditCommand)
    def audit_cmd(
        exports: List[Path] = typer.Argument(None, metavar="FILE",
                                             help="Export files (ISO 2709, MARCXML)."),
        db: DbOpt = [],
        plan_path: PlanOpt = None,
        year: Optional[int] = typer.Option(None, "--year", metavar="YEAR", help="Year of the Kazakh share (default: the plan's year)."),
        quarter: QuarterOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        fmt: Optional[str] = typer.Option(None, "--format", metavar="FORMAT", help="table, json, csv or xlsx (default: from -o FILE's extension, else table)"),
        output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to this file: .json, .csv or .xlsx (required for xlsx)."),
        strict: bool = typer.Option(False, "--strict", help="Exit with 1 when there are findings."),
        only_period: bool = typer.Option(False, "--only-period", help="Check language and encoding only in records entered in the period (and undated ones)."),
        min_confidence: float = typer.Option(0.7, "--min-confidence", min=0.0, max=1.0, metavar="CONFIDENCE", help="Report language mismatches from this confidence on (0-1)."),
        oldest: str = typer.Option("1990-01-01", "--oldest", metavar="YYYY-MM-DD", help="Dates entered before this day are implausibly old."),
        today: Optional[str] = typer.Option(None, "--today", metavar="YYYY-MM-DD", help="Compare dates with this day instead of today (YYYY-MM-DD)."),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        ledger_path: Optional[Path] = ledger_option(),
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """Check language coding, the Kazakh share, encoding damage, dates, duplicates and structure."""
        fmt = choose_format(fmt, output)
        if output is not None and output.is_dir():
            fail(_("{file}: is a folder; give a file name").format(file=output))
        refuse_overwrite([output], named_inputs(exports, db, ledger_path, plan_path))
        plan = load_plan_option(plan_path)
        period = period_option(year, quarter, date_from, date_to, plan.year)
        day = _parse_day(today, "--today")
        oldest_day = _parse_day(oldest, "--oldest")
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        n_workers, min_size = check_workers(workers), parse_size(parallel_from)
        if ledger_path is not None:
            with ledger_for_command(ledger_path, exports, db, plan, encoding=enc,
                                    flavour=fl) as run:
                result = audit_records(run.sources(), plan, period, today=day,
                                       oldest=oldest_day, min_confidence=min_confidence,
                                       only_period=only_period, scan=run.summary(plan, period.year))
        else:
            inputs = make_inputs(exports, db, plan.levels())
            with scan_progress(inputs) as progress:
                result = audit_inputs(inputs, plan, period, today=day, oldest=oldest_day,
                                      min_confidence=min_confidence, only_period=only_period,
                                      encoding=enc, flavour=fl, progress=progress,
                                      workers=n_workers, min_fast_size=min_size)
            refuse_empty_inputs(result.scan.files)
        for w in result.scan.warnings:
            warn(w)
        for f in result.scan.files:
            if f.error:
                error(f.error)
        try:
            # the findings are streamed from the result's store into the output: an audit
            # of a million records never holds them all
            if fmt == "json":
                # (the duplicates' texts made by as many processes as --workers says, by
                # default one per core: rabiskit.audit.spread)
                _write_bytes(output, chain(result.json_bytes(n_workers), [b"\n"]))
            elif fmt == "csv":
                # BOM in a file: Excel on Windows then opens the UTF-8 file with the right
                # letters
                _write_text(output, csv_lines(result), bom=output is not None)
            elif fmt == "xlsx":
                write_xlsx(result, output, plan)
            else:
                render_table(result.as_dict(findings=False), plan,
                             (f.as_dict() for f in result.iter_findings()),
                             result.finding_count)
        except OSError as e:
            fail(cannot_write(output, e))
        finally:
            result.close()
        if output is not None:
            err_console.print(written(output), markup=False, highlight=False)
        if any(f.error for f in result.scan.files):
            raise typer.Exit(2)
        if strict and result.finding_count:
            raise typer.Exit(1)
