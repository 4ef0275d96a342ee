"""``rabiskit inspect FILE...``: what is in an unknown export."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from rabiskit.cli.common import (FlavourOpt, check_encoding, check_flavour, err_console, fail,
                                 make_inputs, out_console, print_json)
from rabiskit.cli.progress import scan_progress
from rabiskit.facts.scan import FileSummary, inspect_inputs


def _counter_text(d: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in d.items() if v) or "-"


def render_file(s: FileSummary) -> None:
    d = s.as_dict()
    t = Table(title=f"{s.file}", title_justify="left", show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    if s.error:
        t.add_row("error", s.error)
        out_console.print(t)
        return
    if s.duplicate_of:
        t.add_row("same content as", s.duplicate_of)
        out_console.print(t)
        return
    t.add_row("format", s.format)
    t.add_row("records", f"{s.records}" + (f" ({s.damaged} damaged, salvaged)" if s.damaged else ""))
    t.add_row("flavours", _counter_text(d["flavours"]))
    t.add_row("encodings", _counter_text(d["encodings"]))
    for reason, n in s.encoding_reasons.most_common(5):
        t.add_row("", f"[dim]{n} × {reason}[/dim]")
    de = d["date_entered"]
    t.add_row("date entered", f"{de['min'] or '-'} … {de['max'] or '-'}"
              + (f"; missing in {de['missing']}" if de["missing"] else ""))
    t.add_row("record types (leader/06)", _counter_text(d["record_types"]))
    t.add_row("bibliographic levels (leader/07)", _counter_text(d["bibliographic_levels"]))
    t.add_row("first language", _counter_text(d["languages"]))
    t.add_row("problems", str(len(s.problems)))
    out_console.print(t)
    if s.problems:
        pt = Table(show_lines=False, header_style="bold")
        pt.add_column("record", justify="right")
        pt.add_column("byte", justify="right")
        pt.add_column("problem")
        for p in s.problems[:200]:
            pt.add_row("" if p.record is None else str(p.record),
                       "" if p.offset is None else str(p.offset)
                       + (f" (line {p.line})" if p.line else ""), p.message)
        out_console.print(pt)
        if len(s.problems) > 200:
            out_console.print(f"… and {len(s.problems) - 200} more problems (use --format json "
                              "for all of them)")
    out_console.print()


def register(app: typer.Typer) -> None:
    @app.command("inspect")
    def inspect_cmd(
        files: List[Path] = typer.Argument(..., help="ISO 2709 (.iso .mrc, also .gz) or MARCXML files."),
        fmt: str = typer.Option("table", "--format", help="table or json"),
        encoding: Optional[str] = typer.Option(None, "--encoding",
                                               help="Force the encoding: utf-8, marc-8, cp1251, kz1048, cp866."),
        flavour: FlavourOpt = None,
    ):
        """What is in an export: records, flavours, encodings, dates, languages, problems."""
        if fmt not in ("table", "json"):
            fail(f"--format {fmt}: use table or json")
        enc = check_encoding(encoding)
        fl = check_flavour(flavour)
        inputs = make_inputs(files, None, marc_only=False)  # reports a non-MARC file, goes on
        with scan_progress(inputs, enabled=fmt == "table") as progress:
            result = inspect_inputs(inputs, encoding=enc, flavour=fl, progress=progress)
        for w in result.warnings:
            err_console.print(f"[yellow]warning:[/] {w}")
        if fmt == "json":
            print_json({"files": [f.as_dict() for f in result.files]})
        else:
            for f in result.files:
                render_file(f)
        if any(f.error for f in result.files):
            raise typer.Exit(2)
