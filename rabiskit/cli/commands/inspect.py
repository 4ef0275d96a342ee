"""``rabiskit inspect FILE...``: what is in an unknown export."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rabiskit.cli.common import (FlavourOpt, check_encoding, check_flavour, fail, make_inputs,
                                 more_line, out_console, print_json, warn)
from rabiskit.cli.progress import scan_progress
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.facts.scan import FileSummary
from rabiskit.pipeline.inspect import inspect_inputs
from rabiskit.i18n import _, translate_text


def _counter_text(d: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in d.items() if v) or "-"


def render_file(s: FileSummary) -> None:
    from rich.markup import escape  # rich only for the table: start-up time of --format json
    from rich.table import Table

    d = s.as_dict()
    t = Table(title=f"{s.file}", title_justify="left", show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    if s.error:
        t.add_row(_("error"), translate_text(s.error))
        out_console.print(t)
        return
    if s.duplicate_of:
        t.add_row(_("same content as"), s.duplicate_of)
        out_console.print(t)
        return
    t.add_row(_("format"), s.format)
    t.add_row(_("records"), str(s.records) if not s.damaged else _(
        "{n} ({damaged} damaged, salvaged)").format(n=s.records, damaged=s.damaged))
    if s.not_bibliographic:
        t.add_row(_("not bibliographic (no level)"), str(s.not_bibliographic))
    t.add_row(_("flavours"), _counter_text(d["flavours"]))
    t.add_row(_("encodings"), _counter_text(d["encodings"]))
    for reason, n in s.encoding_reasons.most_common(5):
        enc, _sep, why = reason.partition(": ")
        t.add_row("", f"[dim]{n} × {escape(enc)}: {escape(translate_text(why))}[/dim]")
    de = d["date_entered"]
    dates = f"{de['min'] or '-'} … {de['max'] or '-'}"
    if de["missing"]:
        dates = _("{dates}; missing in {n}").format(dates=dates, n=de["missing"])
    t.add_row(_("date entered"), dates)
    t.add_row(_("record types (leader/06)"), _counter_text(d["record_types"]))
    t.add_row(_("bibliographic levels (leader/07)"), _counter_text(d["bibliographic_levels"]))
    t.add_row(_("first language"), _counter_text(d["languages"]))
    t.add_row(_("problems"), str(len(s.problems)))
    out_console.print(t)
    if s.problems:
        pt = Table(show_lines=False, header_style="bold")
        pt.add_column(_("record"), justify="right")
        pt.add_column(_("byte"), justify="right")
        pt.add_column(_("problem"))
        for p in s.problems[:200]:
            at = "" if p.offset is None else str(p.offset)
            if p.line:
                at = _("{offset} (line {line})").format(offset=at, line=p.line)
            pt.add_row("" if p.record is None else str(p.record), at,
                       escape(translate_text(p.message)))
        out_console.print(pt)
        if len(s.problems) > 200:
            out_console.print(more_line(len(s.problems) - 200), markup=False)
    out_console.print()


def register(app: typer.Typer) -> None:
    @app.command("inspect")
    def inspect_cmd(
        files: List[Path] = typer.Argument(..., metavar="FILE",
                                           help="ISO 2709 (.iso .mrc, also .gz) or MARCXML files."),
        fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json"),
        encoding: Optional[str] = typer.Option(
            None, "--encoding", metavar="ENCODING",
            help="Force the encoding: utf-8, marc-8, cp1251, kz1048, cp866, koi8-r (iso5427)."),
        flavour: FlavourOpt = None,
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """What is in an export: records, flavours, encodings, dates, languages, problems."""
        if fmt not in ("table", "json"):
            fail(_("--format {fmt}: use table or json").format(fmt=fmt))
        enc = check_encoding(encoding)
        fl = check_flavour(flavour)
        inputs = make_inputs(files, None, marc_only=False)  # reports a non-MARC file, goes on
        with scan_progress(inputs, enabled=fmt == "table") as progress:
            result = inspect_inputs(inputs, encoding=enc, flavour=fl, progress=progress,
                                    workers=check_workers(workers),
                                    min_fast_size=parse_size(parallel_from))
        for w in result.warnings:
            warn(w)
        if fmt == "json":
            print_json({"files": [f.as_dict() for f in result.files]})
        else:
            for f in result.files:
                render_file(f)
        if any(f.error for f in result.files):
            raise typer.Exit(2)
