"""``rabiskit export EXPORT... --level LEVEL... -o FILE.iso|FILE.xml``: the period's new
records of the chosen levels, for the regional library (corporate cataloguing)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, FromOpt, PlanOpt,
                                 QuarterOpt, ToOpt, YearOpt, check_encoding, check_flavour,
                                 checked_records, err_console, fail, make_inputs, named_inputs,
                                 out_console, output_option, period_option, print_json,
                                 refuse_overwrite)
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.export.exchange import output_format, select_records, write_exchange
from rabiskit.facts.scan import Scan
from rabiskit.i18n import _


def _levels(values: list[str], known: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        for part in v.replace(";", ",").split(","):
            lv = part.strip()
            if not lv:
                continue
            if lv not in known:
                fail(f"--level {lv}: unknown level; known levels: {', '.join(known)}")
            if lv not in out:
                out.append(lv)
    if not out:
        fail("give at least one --level (e.g. --level article --level local_lore)")
    return out


def register(app: typer.Typer) -> None:
    @app.command("export", cls=DbCommand)
    def export_cmd(
        exports: List[Path] = typer.Argument(None, help="Export files (ISO 2709, MARCXML, IRBIS plain text)."),
        db: DbOpt = [],
        level: List[str] = typer.Option([], "--level", help="Level to export (repeatable, or comma-separated), e.g. article."),
        output: Path = typer.Option(..., "-o", "--output", help="FILE.iso / .mrc (ISO 2709) or FILE.xml (MARCXML)."),
        utf8: bool = typer.Option(False, "--utf8", help="Re-encode ISO 2709 records to UTF-8 and update their character-set declaration."),
        plan_path: PlanOpt = None,
        year: YearOpt = None,
        quarter: QuarterOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        fmt: str = typer.Option("table", "--format", help="table or json (the summary)"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        to: Optional[str] = typer.Option(None, "--to", help="rusmarc: convert IRBIS-native records to RUSMARC (UTF-8); other records are written as they are."),
    ):
        """Write the period's new records of the chosen levels for the regional library."""
        if fmt not in ("table", "json"):
            fail(f"--format {fmt}: use table or json")
        if to is not None:
            to = to.strip().lower()
            if to != "rusmarc":
                fail(_("--to {to}: the only conversion is --to rusmarc").format(to=to))
        out_format = output_option(output, output_format)
        plan = load_plan_option(plan_path)
        levels = _levels(level, plan.levels())
        period = period_option(year, quarter, date_from, date_to, plan.year)
        refuse_overwrite([output], named_inputs(exports, db, plan_path))
        inputs = make_inputs(exports, db, plan.levels())
        if utf8 and out_format == "marcxml":
            err_console.print("[yellow]warning:[/] MARCXML is always UTF-8; --utf8 changes nothing",
                              highlight=False)
        enc, fl = check_encoding(encoding), check_flavour(flavour)
        scanned = Scan()
        try:
            with scan_progress(inputs) as progress:
                result = write_exchange(output, checked_records(select_records(
                    inputs, plan, period, levels, encoding=enc, flavour=fl, result=scanned,
                    progress=progress), scanned.files), utf8=utf8, to=to)
        except OSError as e:
            fail(f"{output}: cannot write ({e.strerror or e})")
        except ValueError as e:
            fail(f"{output}: {e}")
        for w in scanned.warnings:
            err_console.print(f"[yellow]warning:[/] {w}", highlight=False)
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
                   "ISO 2709, re-encoded to UTF-8" if utf8 else
                   "ISO 2709; IRBIS-native records converted to RUSMARC" if to else
                   "ISO 2709, bytes as in the exports")
            out_console.print(f"Wrote {result.written} record(s) of {period.label} ({per}) to "
                              f"{output} ({how}).", markup=False)
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
                    left = ", ".join(f"{tag} (in {n})" for tag, n in
                                     sorted(result.not_converted.items()))
                    out_console.print(_("  not converted (left out): {fields}.").format(
                        fields=left), markup=False)
                if "907" in result.not_converted:
                    out_console.print(_("  907: its date is in 100$a/0-7; the operator (^B) "
                                        "and the stage (^C) are not carried."), markup=False)
            if result.left_out_tags:
                left = ", ".join(f"{tag} (in {n})" for tag, n in sorted(result.left_out_tags.items()))
                out_console.print(_("  IRBIS fields with tags over 999 left out (ISO 2709 "
                                    "has three-character tags): {fields}.").format(fields=left),
                                  markup=False)
            for r in result.rebuilt + result.damaged_as_read:
                out_console.print(f"  {r.file}, record {r.record}, byte {r.offset}: "
                                  f"{r.id or '(no 001)'} — {r.reason}", markup=False)
            if scanned.problems:
                out_console.print(f"  problems in the exports: {len(scanned.problems)} "
                                  "('rabiskit inspect' lists them)", markup=False)
        if result.written == 0:
            err_console.print(f"[yellow]warning:[/] no record of {', '.join(levels)} was entered "
                              f"in {period.label}; the file is empty", highlight=False)
        if broken:
            for f in broken:
                err_console.print(f"[bold red]rabiskit:[/] {f.file}: {f.error}", highlight=False)
            raise typer.Exit(2)
