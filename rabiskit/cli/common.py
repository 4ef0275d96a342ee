"""What the commands share: the --db option, inputs, plan loading, JSON out, clear errors."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Iterable, List, Optional

import typer

from rabiskit.cli.coercion import install as install_plain_coercion
from rabiskit.cli.localised import LocalisedCommand

from rabiskit.facts.scan import Input
from rabiskit.i18n import N_, _
from rabiskit.jsontext import json_default
from rabiskit.sources.encoding import EncodingError, normalise_encoding



class LazyConsole:
    """A rich Console made on first use: importing rich costs start-up time on every run,
    and most runs (``--format json``, no warning) print nothing through it."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def get(self) -> Any:
        """The rich Console itself (made now if it was not yet), e.g. for a progress bar."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


err_console = LazyConsole(stderr=True, highlight=False, soft_wrap=True)
out_console = LazyConsole(highlight=False, soft_wrap=False)


class DbCommand(LocalisedCommand):
    """A command whose ``--db`` option takes two values, LEVEL and FILE, and may repeat.

    Typer cannot declare a repeatable two-value option, so the click parameter is adjusted
    here; ``parse_db`` turns what typer hands over back into (level, path) pairs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for p in self.params:
            if p.name == "db":
                p.nargs = 2  # each value: a (level, file) pair
        install_plain_coercion(self.params)  # no pydantic for str/int/Path values

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        install_plain_coercion([option] if option is not None else [])
        return option


DB_HELP = N_("Declare that every record of FILE belongs to catalogue level LEVEL (RABIS exports one "
           "database per file, e.g. --db local_lore kraeved.iso). Repeatable.")


# The options the reading commands share, declared once.
DbOpt = Annotated[List[str], typer.Option("--db", metavar="LEVEL FILE", help=DB_HELP)]
PlanOpt = Annotated[Optional[Path], typer.Option(
    "--plan", metavar="PLAN", help="Plan file (TOML); default: the built-in 2026 plan.")]
YearOpt = Annotated[Optional[int], typer.Option("--year", metavar="YEAR", help="Year (default: the plan's year).")]
QuarterOpt = Annotated[Optional[int], typer.Option(
    "--quarter", min=1, max=4, metavar="QUARTER", help="Quarter 1-4 (default: the whole year).")]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="YYYY-MM-DD", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="YYYY-MM-DD", help="Last day, YYYY-MM-DD.")]
EncodingOpt = Annotated[Optional[str], typer.Option(
    "--encoding", metavar="ENCODING", help="Force the encoding of every record: utf-8, marc-8, cp1251, kz1048, cp866.")]
FlavourOpt = Annotated[Optional[str], typer.Option("--flavour", metavar="FLAVOUR", help="Force unimarc or marc21.")]


def parse_db(values: Iterable[Any] | None) -> list[tuple[str, Path]]:
    out = []
    for v in values or ():
        if isinstance(v, str):
            v = ast.literal_eval(v)
        level, path = v
        out.append((str(level), Path(path)))
    return out


def fail(message: str, code: int = 2) -> "typer.Exit":
    """Print one clear line on stderr and leave with ``code`` (no traceback)."""
    from rich.markup import escape

    err_console.print(f"[bold red]rabiskit:[/] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(code)


def make_inputs(exports: Iterable[Path] | None, db: Iterable[Any] | None,
                known_levels: Iterable[str] | None = None) -> list[Input]:
    """Inputs from positional EXPORT files and ``--db LEVEL FILE`` pairs, checked to exist."""
    pairs = parse_db(db)
    inputs = [Input(Path(p)) for p in (exports or [])]
    levels = set(known_levels) if known_levels is not None else None
    for level, path in pairs:
        if levels is not None and level not in levels:
            fail(_("--db {level} {path}: unknown level {level!r}; known levels: {known}").format(
                level=level, path=path, known=", ".join(sorted(levels))))
        inputs = [i for i in inputs if i.path != path]
        inputs.append(Input(path, level))
    if not inputs:
        fail(_("no export files given"))
    for inp in inputs:
        if not inp.path.exists():
            fail(_("{file}: file not found").format(file=inp.path))
        if inp.path.is_dir():
            fail(_("{file}: is a folder; give the export files inside it").format(file=inp.path))
    return inputs


def check_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return normalise_encoding(encoding)
    except EncodingError as e:
        fail(str(e))


def check_flavour(flavour: str | None) -> str | None:
    if flavour is None:
        return None
    f = flavour.strip().lower().replace("-", "").replace(" ", "")
    if f in ("unimarc", "rusmarc", "kazmarc"):
        return "unimarc"
    if f in ("marc21", "usmarc"):
        return "marc21"
    fail(_("unknown flavour {flavour!r}; use unimarc or marc21").format(flavour=flavour))


def print_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=json_default)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def period_option(year, quarter, date_from, date_to, plan_year: int):
    """The period the --year/--quarter/--from/--to options ask for, or a clear error."""
    from rabiskit.aggregate.period import PeriodError, choose_period

    try:
        return choose_period(year, quarter, date_from, date_to, plan_year)
    except PeriodError as e:
        fail(str(e))


def output_option(output: Path, kind_of, errors=(ValueError,)):
    """The kind of output FILE names (``kind_of(FILE)``, from its suffix), or a clear error;
    also refuses a folder."""
    try:
        kind = kind_of(output)
    except errors as e:
        fail(str(e))
    if output.is_dir():
        fail(_("{file}: is a folder; give a file name").format(file=output))
    return kind
