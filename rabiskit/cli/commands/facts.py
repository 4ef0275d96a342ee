"""``rabiskit facts EXPORT... -o FILE.parquet|FILE.csv``: one row per record (the reader's
facts and the level), for DuckDB, Spark or a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rabiskit.cli import headstart
from rabiskit.cli.common import (DbCommand, DbOpt, EncodingOpt, FlavourOpt, cannot_write,
                                 check_encoding, check_flavour, error, fail, make_inputs,
                                 named_inputs, out_console, output_option, print_json,
                                 refuse_empty_inputs, refuse_overwrite, warn)
from rabiskit.cli.parallelopt import ParallelFromOpt, WorkersOpt, check_workers, parse_size
from rabiskit.cli.planopt import load_plan_option
from rabiskit.cli.progress import scan_progress
from rabiskit.export.facts_table import (FactsTableError, facts_format, write_facts,
                                         write_facts_of_inputs)
from rabiskit.facts.scan import EmptyInput, Scan
from rabiskit.i18n import _, translate_text
from rabiskit.ledger.location import default_ledger_path
from rabiskit.ledger.store import LedgerError


def register(app: typer.Typer) -> None:
    @app.command("facts", cls=DbCommand)
    def facts_cmd(
        exports: List[Path] = typer.Argument(None, metavar="FILE",
                                             help="Export files (ISO 2709, MARCXML)."),
        db: DbOpt = [],
        output: Path = typer.Option(..., "-o", "--output", metavar="FILE",
                                    help="FILE.parquet or FILE.csv"),
        ledger: bool = typer.Option(False, "--from-ledger", help="Write the ledger's records instead of reading exports (see --ledger)."),
        ledger_path: Optional[Path] = typer.Option(
            None, "--ledger", metavar="LEDGER",
            help="The ledger file for --from-ledger (default: $RABISKIT_LEDGER, else the "
                 "user's data folder)."),
        plan_path: Optional[Path] = typer.Option(None, "--plan", metavar="PLAN", help="Plan file (TOML) whose level rules give the levels; default: the built-in 2026 plan."),
        fmt: str = typer.Option("table", "--format", metavar="FORMAT", help="table or json (the summary)"),
        encoding: EncodingOpt = None,
        flavour: FlavourOpt = None,
        workers: WorkersOpt = None,
        parallel_from: ParallelFromOpt = None,
    ):
        """Write one row per record (facts and level) as Parquet or CSV."""
        if fmt not in ("table", "json"):
            fail(_("--format {fmt}: use table or json").format(fmt=fmt))
        kind = output_option(output, facts_format, (FactsTableError,))
        from_ledger = (ledger_path or default_ledger_path()) if ledger or ledger_path else None
        refuse_overwrite([output], named_inputs(exports, db, from_ledger, plan_path))
        scanned = Scan()
        try:
            if ledger or ledger_path is not None:
                if exports or db:
                    fail(_("give either export files or a ledger (--from-ledger, --ledger), "
                           "not both"))
                from rabiskit.ledger.source import ledger_facts
                from rabiskit.ledger.store import open_ledger

                headstart.release()  # (the ledger's records are read here)
                with open_ledger(ledger_path) as led:
                    rows = write_facts(output, ledger_facts(led))
            else:
                plan = load_plan_option(plan_path)
                inputs = make_inputs(exports, db, plan.levels())
                enc, fl = check_encoding(encoding), check_flavour(flavour)
                n_workers, min_size = check_workers(workers), parse_size(parallel_from)
                with scan_progress(inputs) as progress:
                    # (in the helper process when the input is big: rabiskit.cli.headstart)
                    rows, scanned = headstart.call(
                        write_facts_of_inputs, output, inputs, plan,
                        use=headstart.worth_it(inputs, n_workers, min_size),
                        encoding=enc, flavour=fl, progress=progress, workers=n_workers,
                        min_fast_size=min_size)
        except EmptyInput as e:
            refuse_empty_inputs(e.scan.files)
            raise
        except (FactsTableError, LedgerError) as e:
            fail(str(e))
        except OSError as e:
            fail(cannot_write(output, e))
        for w in scanned.warnings:
            warn(w)
        broken = [f for f in scanned.files if f.error]
        data = {"file": str(output), "format": kind, "rows": rows,
                "problems": len(scanned.problems), "unreadable": [f.file for f in broken]}
        if fmt == "json":
            print_json(data)
        else:
            out_console.print(_("Wrote {n} row(s) to {file} ({kind}).").format(
                n=rows, file=output, kind=kind), markup=False)
        if broken:
            for f in broken:
                error(_("{file}: {error}").format(file=f.file, error=translate_text(f.error)))
            raise typer.Exit(2)
