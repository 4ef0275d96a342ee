"""What the commands share: the --db option, inputs, plan loading, JSON out, clear errors."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Iterable, List, Optional

import typer

from rabiskit.cli.localised import LocalisedCommand

from rabiskit.facts.scan import Input, empty_input
from rabiskit.fileid import same_file
from rabiskit.i18n import N_, _, translate_text
from rabiskit.sources import NotMarc, SourceError, check_marc
from rabiskit.sources.sniff import READABLE
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

    def print(self, *objects: Any, **options: Any) -> None:
        """rich's ``Console.print``; plain text (every object a str, ``markup=False``, no
        other option but ``highlight=False``) goes straight to the stream while rich is not
        needed: the stream is not a terminal and nothing asked for colour (importing
        rich: about 45 ms of a run that only says where it wrote; see ``no_terminal``).  rich
        writes such text to a file as it is, but for wrapping it at 80 columns (a path cut
        in two)."""
        if (self._console is None and options.get("markup", True) is False
                and options.keys() <= {"markup", "highlight"} and not options.get("highlight")
                and all(type(o) is str for o in objects) and self._plain_stream()):
            self._stream().write(" ".join(objects) + "\n")
            return
        self.get().print(*objects, **options)

    def line(self, *parts: str | tuple[str, str]) -> None:
        """One line of text (no markup read in it) made of ``parts``, each a text or a
        (text, rich style) pair: styled on a terminal, plain elsewhere (see ``print``)."""
        if self._console is None and self._plain_stream():
            self.print("".join(p if isinstance(p, str) else p[0] for p in parts), markup=False)
            return
        from rich.text import Text

        self.get().print(Text.assemble(*parts), highlight=False)

    def _stream(self) -> Any:
        """The stream this console writes to (looked up at each call, as rich does)."""
        return sys.stderr if self._options.get("stderr") else sys.stdout

    def _plain_stream(self) -> bool:
        return no_terminal(self._stream())


#: the variables by which rich may take a stream that is no terminal for one
TERMINAL_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_TERMINAL")


def no_terminal(stream: Any) -> bool:
    """Whether ``stream`` is surely no terminal, without a rich Console made to ask (rich
    costs about 45 ms of start-up): not a terminal, and none of ``TERMINAL_VARIABLES``
    set (with one, only rich can say)."""
    if any(os.environ.get(v) is not None for v in TERMINAL_VARIABLES):
        return False
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one: rich says no terminal
        return True


# (emoji=False: a ":cd:" in a title or a path stays as it is)
err_console = LazyConsole(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out_console = LazyConsole(highlight=False, soft_wrap=False, emoji=False)


class DbCommand(LocalisedCommand):
    """A command whose ``--db`` option takes two values, LEVEL and FILE, and may repeat.

    Typer cannot declare a repeatable two-value option, so the click parameter is adjusted
    here; ``parse_db`` turns what typer hands over back into (level, path) pairs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # (LocalisedCommand: no pydantic for plain values)
        for p in self.params:
            if p.name == "db":
                p.nargs = 2  # each value: a (level, file) pair


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
    "--encoding", metavar="ENCODING", help="Force the encoding of every record: utf-8, marc-8, cp1251, "
    "kz1048, cp866, koi8-r (iso5427).")]
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
    """Print one clear line on stderr and leave with ``code`` (no traceback).  ``message``
    is in the user's language: a ``_()`` text, or a library's English text made from a
    marked template (``str(error)``), translated here."""
    error(message)
    raise typer.Exit(code)


def error(message: str) -> None:
    """One error line on stderr, in the user's language, without leaving (see :func:`fail`)."""
    err_console.line(("rabiskit:", "bold red"), " " + translate_text(message))


def cannot_write(path: Any, e: OSError) -> str:
    """``FILE: cannot write (reason)``."""
    return _("{file}: cannot write ({reason})").format(file=path, reason=e.strerror or e)


def written(path: Any) -> str:
    return _("written: {file}").format(file=path)


def warn(message: str) -> None:
    """One warning line on stderr, in the user's language (see :func:`fail`)."""
    err_console.line((_("warning:"), "yellow"), " " + translate_text(message))


def where(file: Any, record: Any = None, offset: Any = None, line: Any = None) -> str:
    """Where something is, in words: the file, record number, byte offset (XML: line)."""
    parts = [str(file)]
    if record is not None:
        parts.append(_("record {n}").format(n=record))
    if offset is not None:
        parts.append(_("byte {n}").format(n=offset))
    if line is not None:
        parts.append(_("line {n}").format(n=line))
    return ", ".join(parts)


def fitted_width(heading: str, cells: Iterable[str]) -> int:
    """The width of a table column that wraps its heading at the spaces and never cuts a
    word or a value: the longest heading word or cell (how console tables fit 80 columns
    in kk, ru and en alike)."""
    return max([len(w) for w in heading.split()] + [len(c) for c in cells] + [1])


def period_label(period: Any) -> str:
    """A period in words: ``2026``, ``2026 Q2`` (kk ``2026, 2-тоқсан``), or its two days."""
    if period.quarter is not None:
        return _("{year} Q{quarter}").format(year=period.year, quarter=period.quarter)
    return period.label


def more_line(n: int) -> str:
    """The line under a list cut short."""
    return _("… and {n} more (--format json lists all)").format(n=n)


def make_inputs(exports: Iterable[Path] | None, db: Iterable[Any] | None,
                known_levels: Iterable[str] | None = None, *, marc_only: bool = True
                ) -> list[Input]:
    """Inputs from positional EXPORT files and ``--db LEVEL FILE`` pairs, checked to exist.

    A ``--db`` file replaces the same file given as an export, however either was spelt
    (relative or absolute path, a link).  With ``marc_only`` (every command but ``inspect``)
    a file that holds no MARC at all (empty, a PDF, a Word document, a CSV table, an IRBIS
    text export...) ends the command here, before anything is read or written."""
    pairs = parse_db(db)
    inputs = [Input(Path(p)) for p in (exports or [])]
    levels = set(known_levels) if known_levels is not None else None
    declared: list[tuple[str, Path]] = []
    for level, path in pairs:
        if levels is not None and level not in levels:
            fail(_("--db {level} {path}: unknown level {level!r}; known levels: {known}").format(
                level=level, path=path, known=", ".join(sorted(levels))))
        earlier = next(((lv, p) for lv, p in declared if same_file(p, path)), None)
        if earlier is not None:
            if earlier[0] != level:
                fail(_("--db {level} {path}: the file is already declared as {earlier} (--db "
                       "{earlier} {earlier_path})").format(level=level, path=path,
                                                          earlier=earlier[0],
                                                          earlier_path=earlier[1]))
            continue
        declared.append((level, path))
        inputs = [i for i in inputs if not same_file(i.path, path)]
        inputs.append(Input(path, level))
    if not inputs:
        fail(_("no export files given"))
    for inp in inputs:
        if not inp.path.exists():
            fail(_("{file}: file not found").format(file=inp.path))
        if inp.path.is_dir():
            fail(_("{file}: is a folder; give the export files inside it").format(file=inp.path))
        if marc_only:
            try:
                check_marc(inp.path, inp.display)
            except NotMarc as e:  # "FILE: no MARC records: this is a PDF document"
                fail(_("{file}: no MARC records: this is {what}").format(
                    file=inp.display, what=_(e.sniffed.what)))
            except SourceError:
                pass  # unreadable: the scan reports it, and reads the other files
    return inputs


def refuse_empty_inputs(files: Iterable[Any]) -> None:
    """End the command (exit 2, one line) when an input held no MARC record, before any
    output is written.  ``files``: the scan's FileSummary objects (or their dicts).  Inputs
    that could not be read at all keep their own handling (reported, the others processed)."""
    d = empty_input(files)
    if d is not None:
        if d.get("error") and d.get("format") not in READABLE:
            fail(d["error"])  # what it is instead (NotMarc's line)
        fail(_("{file}: no MARC records in this file").format(file=d["file"]))


def named_inputs(exports: Iterable[Path] | None, db: Iterable[Any] | None,
                 *others: Path | None) -> list[Path]:
    """Every file a command reads, as named on its command line: the EXPORT files, the
    ``--db`` files and ``others`` (the ledger, the plan, a log; None skipped)."""
    return [*(Path(p) for p in exports or ()), *(p for _, p in parse_db(db)),
            *(Path(p) for p in others if p is not None)]


def refuse_overwrite(outputs: Iterable[Path | None], inputs: Iterable[Any]) -> None:
    """End the command (exit 2, one line) when an output would be written over one of its
    inputs: an export, the ledger, a plan, a log (Input objects or paths; None is skipped).
    Files are compared by identity, so another spelling, a symbolic or a hard link of an
    input is refused too.  Every command that writes files calls this before reading."""
    ins = [(i.path if isinstance(i, Input) else Path(i)) for i in inputs if i is not None]
    for out in outputs:
        if out is None:
            continue
        for src in ins:
            if not same_file(out, src):
                continue
            if str(out) == str(src):
                fail(_("{file}: is also an input; write the output to another file (inputs "
                       "are never overwritten)").format(file=out))
            fail(_("{file}: is the same file as the input {input}; write the output to another "
                   "file (inputs are never overwritten)").format(file=out, input=src))


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
    from rabiskit.jsontext import write_indented

    write_indented(data, sys.stdout.write)  # in pieces: a long list is never one text
    sys.stdout.write("\n")
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
