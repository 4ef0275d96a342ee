"""``rabiskit export EXPORT... --level LEVEL... -o FILE.iso|FILE.xml``: the period's new
records of the chosen levels, for the regional library (corporate cataloguing)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from rabiskit.cli import headstart
from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, FromOpt, PlanOpt,
                                 QuarterOpt, YearOpt, cannot_write, check_encoding,
                                 check_flavour, error, fail,
                                 make_inputs, named_inputs, out_console, output_option,
                                 period_label, period_option, print_json, refuse_empty_inputs,
                                 refuse_overwrite, warn,
                                 where)
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.export.exchange import export_inputs, output_format
from rabiskit.facts.scan import EmptyInput
from rabiskit.i18n import _, translate_text


def _levels(values: list[str], known: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        for part in v.replace(";", ",").split(","):
            lv = part.strip()
            if not lv:
                continue
            if lv not in known:
                fail(_("--level {level}: unknown level; known levels: {known}").format(
                    level=lv, known=", ".join(known)))
            if lv not in out:
                out.append(lv)
    if not out:
        fail(_("give at least one --level (e.g. --level article --level local_lore)"))
    return out


def _split_to(values: list[str]) -> tuple[str | None, str | None]:
    """``--to`` names the period's last day (a date) or the conversion (``rusmarc``); it
    may be given once for each.  Returns (date, conversion)."""
    date_to = to = None
    for value in values:
        v = value.strip()
        if v.lower() == "rusmarc":
            to = "rusmarc"
        elif v[:1].isdigit() and date_to is None:
            date_to = v
        else:
            fail(_("--to {to}: give the last day (YYYY-MM-DD) or rusmarc").format(to=value))
    return date_to, to


def register(app: typer.Typer) -> None:
    @app.command("export", cls=DbCommand)
    def export_cmd(
        exports: List[Path] = typer.Argument(
            None, metavar="FILE", help="Export files (ISO 2709, MARCXML, IRBIS plain text)."),
        db: DbOpt = [],
        level: List[str] = typer.Option([], "--level", metavar="LEVEL", help="Level to export (repeatable, or comma-separated), e.g. article."),
        output: Path = typer.Option(..., "-o", "--output", metavar="FILE", help="FILE.iso / .mrc (ISO 2709) or FILE.xml (MARCXML)."),
        utf8: bool = typer.Option(False, "--utf8", help="Re-encode ISO 2709 records to UTF-8 and update their character-set declaration."),
        plan_path: PlanOpt = None,
        year: YearOpt = None,
        quarter: QuarterOpt = None,
        date_from: FromOpt = None,
        to_values: List[str] = typer.Option(
            [], "--to", metavar="DATE|rusmarc",
            help="The last day of the period (YYYY-MM-DD), or rusmarc: convert IRBIS-native records to RUSMARC (UTF-8; other records are written as they are). Give --to twice for both."),
        fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json (the summary)"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """Write the period's new records of the chosen levels for the regional library."""
        if fmt not in ("table", "json"):
            fail(_("--format {fmt}: use table or json").format(fmt=fmt))
        date_to, to = _split_to(to_values)
        out_format = output_option(output, output_format)
        plan = load_plan_option(plan_path)
        levels = _levels(level, plan.levels())
        period = period_option(year, quarter, date_from, date_to, plan.year)
        refuse_overwrite([output], named_inputs(exports, db, plan_path))
        inputs = make_inputs(exports, db, plan.levels())
        if utf8 and out_format == "marcxml":
            warn(_("MARCXML is always UTF-8; --utf8 changes nothing"))
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        n_workers, min_size = check_workers(workers), parse_size(parallel_from)
        try:
            with scan_progress(inputs) as progress:
                # (in the helper process when the input is big: rabiskit.cli.headstart)
                result, scanned = headstart.call(
                    export_inputs, output, inputs, plan, period, levels,
                    use=headstart.worth_it(inputs, n_workers, min_size),
                    utf8=utf8, to=to, encoding=enc, flavour=fl, progress=progress,
                    workers=n_workers, min_fast_size=min_size,
                    how=("whole" if to is not None else "xml" if out_format == "marcxml"
                         else "utf8" if utf8 else "iso"))
        except EmptyInput as e:
            refuse_empty_inputs(e.scan.files)
            raise
        except OSError as e:
            fail(cannot_write(output, e))
        except ValueError as e:
            fail(_("{file}: {error}").format(file=output, error=translate_text(str(e))))
        for w in scanned.warnings:
            warn(w)
        broken = [f for f in scanned.files if f.error]
        data = result.as_dict() | {"period": period.as_dict(), "levels_chosen": levels,
                                   "records_read": scanned.records,
                                   "problems": len(scanned.problems),
                                   "unreadable": [f.file for f in broken]}
        if fmt == "json":
            print_json(data)
        else:
            per = ", ".join(f"{lv} {result.levels.get(lv, 0)}" for lv in levels)
            how = ("MARCXML" if out_format == "marcxml" else
                   _("ISO 2709, re-encoded to UTF-8") if utf8 else
                   _("ISO 2709; IRBIS-native records converted to RUSMARC") if to else
                   _("ISO 2709, bytes as in the exports"))
            out_console.print(_("Wrote {n} record(s) of {period} ({levels}) to {file} "
                                "({how}).").format(n=result.written, period=period_label(period),
                                                   levels=per, file=output, how=how),
                              markup=False)
            if result.reencoded and not utf8:
                out_console.print(_("  {n} record(s) read from MARCXML or IRBIS text exports, "
                                    "or converted, were encoded in UTF-8.").format(
                                        n=result.reencoded), markup=False)
            if to == "rusmarc":
                out_console.print(_("  {n} IRBIS-native record(s) converted to RUSMARC: "
                                    "leader (920, 900 ^T), 001 (903), 010, 100$a (date entered "
                                    "from 907 ^A), 101, 200, 210, 215, 463, 700, 701, 856 "
                                    "(951).").format(n=result.converted), markup=False)
                if result.not_converted:
                    left = ", ".join(_("{tag} (in {n})").format(tag=tag, n=n) for tag, n in
                                     sorted(result.not_converted.items()))
                    out_console.print(_("  not converted (left out): {fields}.").format(
                        fields=left), markup=False)
                if "907" in result.not_converted:
                    out_console.print(_("  907: its date is in 100$a/0-7; the operator (^B) "
                                        "and the stage (^C) are not carried."), markup=False)
            if result.left_out_tags:
                left = ", ".join(_("{tag} (in {n})").format(tag=tag, n=n)
                                 for tag, n in sorted(result.left_out_tags.items()))
                out_console.print(_("  IRBIS fields with tags over 999 left out (ISO 2709 "
                                    "has three-character tags): {fields}.").format(fields=left),
                                  markup=False)
            for r in result.rebuilt + result.damaged_as_read:
                out_console.print(f"  {where(r.file, r.record, r.offset)}: "
                                  f"{r.id or _('(no 001)')} — {translate_text(r.reason)}",
                                  markup=False)
            if scanned.problems:
                out_console.print("  " + _("problems in the exports: {n} ('rabiskit inspect' "
                                           "lists them)").format(n=len(scanned.problems)),
                                  markup=False)
        if result.written == 0:
            warn(_("no record of {levels} was entered in {period}; the file is empty").format(
                levels=", ".join(levels), period=period_label(period)))
        if broken:
            for f in broken:
                error(_("{file}: {error}").format(file=f.file, error=translate_text(f.error)))
            raise typer.Exit(2)
