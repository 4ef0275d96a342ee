"""``rabiskit harvest sru|oai``: fetch records from a web catalogue into a MARCXML file.

Only wiring: options to ``rabiskit.harvest`` calls, a progress bar on stderr, and a clear
one-line error (exit 2: wrong command or server unreachable; 1: the server answered
with an error) instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rabiskit.i18n import N_, _, ngettext, translate_text

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the harvest package (and requests) is imported when a harvest runs
    from rabiskit.harvest import HarvestResult, HttpClient
    from rabiskit.harvest.http import Wait

harvest_app = typer.Typer(
    name="harvest",
    help="Fetch records from a web catalogue over SRU or OAI-PMH into a MARCXML file that every "
         "other command reads. An interrupted harvest continues where it stopped when run again.",
    no_args_is_help=True,
    add_completion=False,
)

OUTPUT_HELP = N_("The MARCXML file to write (a state file FILE.harvest.json and FILE.part are "
                 "kept beside it until the harvest is complete).")


def _client(timeout: float, connect_timeout: float, retries: int, backoff: float, rate: float,
            max_response: float) -> HttpClient:
    from rabiskit.harvest import HttpClient, HttpPolicy
    if timeout <= 0 or connect_timeout <= 0:
        raise typer.BadParameter(_("timeouts must be more than 0 seconds"))
    if retries < 0:
        raise typer.BadParameter(_("--retries cannot be negative"))
    if rate < 0:
        raise typer.BadParameter(_("--rate cannot be negative"))
    if not 0 < max_response <= 1024 * 1024:
        raise typer.BadParameter(_("--max-response must be more than 0 (megabytes)"))
    policy = HttpPolicy(connect_timeout=connect_timeout, read_timeout=timeout, retries=retries,
                        backoff=max(0.0, backoff), min_interval=(1.0 / rate) if rate > 0 else 0.0,
                        max_response=int(max_response * 1024 * 1024))
    return HttpClient(policy=policy)


def _run(output: Path, quiet: bool, client: HttpClient,
         job: Callable[[Callable[[int, Optional[int]], None] | None], HarvestResult]) -> None:
    """Run a harvest with a progress bar; turn errors into one clear line and an exit code."""
    from rabiskit.harvest import HarvestError
    err = Console(stderr=True)
    try:
        if quiet:
            result = job(None)
        else:
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TextColumn(escape(_("records"))), TimeElapsedColumn(), console=err,
                          transient=True) as bar:
                task = bar.add_task(_("Harvesting"), total=None)

                def progress(done: int, total: Optional[int]) -> None:
                    bar.update(task, completed=done, total=total, description=escape(_("Harvesting")))

                def waiting(wait: Wait) -> None:
                    if wait.reason != "rate limit":
                        bar.update(task, description=escape(_("Waiting {seconds} s ({reason})").format(
                            seconds=f"{wait.seconds:.0f}", reason=translate_text(wait.reason))))

                client.on_wait = waiting
                result = job(progress)
    except HarvestError as exc:
        typer.echo(f"rabiskit: {translate_text(str(exc))}", err=True)
        _explain_partial(output)
        raise typer.Exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("rabiskit: " + _("interrupted."), err=True)
        _explain_partial(output)
        raise typer.Exit(130)
    except OSError as exc:
        import requests
        if isinstance(exc, requests.RequestException):  # not the output's fault
            typer.echo("rabiskit: " + _("the request failed: {error}").format(
                error=type(exc).__name__), err=True)
            _explain_partial(output)
            raise typer.Exit(2)
        typer.echo("rabiskit: " + _("{file}: cannot write ({reason})").format(
            file=output, reason=exc.strerror or exc), err=True)
        raise typer.Exit(2)
    _summary(result)


def _explain_partial(output: Path) -> None:
    from rabiskit.harvest import HarvestError
    from rabiskit.harvest.state import load_state, state_path
    path = state_path(output)
    if not path.exists():
        return
    try:
        state = load_state(path)
    except HarvestError:
        return
    typer.echo(ngettext(
        "{n} record harvested so far is kept in {file}; run the same command again to "
        "continue.",
        "{n} records harvested so far are kept in {file}; run the same command again to "
        "continue.", state.records).format(n=state.records, file=f"{output.name}.part"), err=True)


def _summary(result: HarvestResult) -> None:
    line = ngettext("Harvested {n} record into {file}", "Harvested {n} records into {file}",
                    result.records).format(n=result.records, file=result.output)
    parts = []
    if result.deleted:
        parts.append(_("{n} deleted on the server (not written)").format(n=result.deleted))
    if result.duplicates:
        parts.append(_("{n} already written (left out)").format(n=result.duplicates))
    if result.skipped:
        parts.append(_("{n} the server could not send").format(n=result.skipped))
    if parts:
        line += ": " + ", ".join(parts)
    if result.resumed:
        line += " " + _("(continued an interrupted harvest)")
    typer.echo(line + ".")
    for message in result.skipped_messages[:10]:
        typer.echo("  " + _("not delivered: {message}").format(message=translate_text(message)),
                   err=True)


# The options both harvests share.
RestartOpt = Annotated[bool, typer.Option(
    "--restart", help="Start again from the first record, discarding an interrupted harvest.")]
TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", metavar="SECONDS",
    help="Seconds for the server's whole answer to one request, from sending it to the last "
         "byte.")]
MaxResponseOpt = Annotated[float, typer.Option(
    "--max-response", metavar="MB", help="The largest answer to one request, in megabytes after "
                                         "unpacking; a larger one stops the harvest.")]
MaxEmptyOpt = Annotated[int, typer.Option(
    "--max-empty-pages", metavar="N",
    help="Stop after this many pages in a row that bring no new record (a server handing out "
         "tokens or positions with nothing behind them).")]
ConnectTimeoutOpt = Annotated[float, typer.Option(
    "--connect-timeout", metavar="SECONDS", help="Seconds to wait for a connection.")]
RetriesOpt = Annotated[int, typer.Option("--retries", metavar="N", help="Tries again after a failed request.")]
BackoffOpt = Annotated[float, typer.Option(
    "--backoff", metavar="SECONDS", help="Seconds to wait after the first failure (doubled after each further one).")]
RateOpt = Annotated[float, typer.Option(
    "--rate", metavar="N", help="At most this many requests per second (0: no limit).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="No progress bar.")]


def _harvest(output: Path, quiet: bool, client_options: tuple, job) -> None:
    """Run ``job(client, progress)`` with a client made from the shared options."""
    client = _client(*client_options)
    try:
        _run(output, quiet, client, lambda progress: job(client, progress))
    finally:
        client.close()


@harvest_app.command("sru")
def sru(
    url: str = typer.Argument(..., metavar="URL", help="The SRU address, e.g. http://host:port/Default"),
    query: str = typer.Option(..., "--query", metavar="QUERY", help="CQL query, e.g. 'cql.allRecords=1' or 'dc.title=абай'."),
    output: Path = typer.Option(..., "-o", "--output", metavar="FILE", help=OUTPUT_HELP),
    schema: str = typer.Option("marcxml", "--schema", metavar="SCHEMA", help="recordSchema to ask for (MARCXML under the name "
                                                           "the server gives it)."),
    batch: int = typer.Option(50, "--batch", metavar="N", help="Records per request (maximumRecords)."),
    sru_version: str = typer.Option("1.2", "--sru-version", metavar="VERSION", help="SRU version: 1.1, 1.2 or 2.0."),
    restart: RestartOpt = False,
    timeout: TimeoutOpt = 60.0,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    retries: RetriesOpt = 5,
    backoff: BackoffOpt = 1.0,
    rate: RateOpt = 0.0,
    max_response: MaxResponseOpt = 64.0,
    max_empty_pages: MaxEmptyOpt = 5,
    quiet: QuietOpt = False,
):
    """Harvest records found by an SRU searchRetrieve query (SRU 1.1, 1.2, 2.0)."""
    from rabiskit.harvest import harvest_sru_to_file
    _harvest(output, quiet, (timeout, connect_timeout, retries, backoff, rate, max_response),
             lambda client, progress: harvest_sru_to_file(
                 client, url, query, output, schema=schema or None, batch=batch,
                 version=sru_version, restart=restart, progress=progress,
                 max_empty_pages=max_empty_pages))


@harvest_app.command("oai")
def oai(
    url: str = typer.Argument(..., metavar="URL", help="The OAI-PMH base URL."),
    prefix: str = typer.Option(..., "--prefix", metavar="PREFIX", help="metadataPrefix of MARCXML on this server "
                                                     "(often marc21 or marcxml)."),
    output: Path = typer.Option(..., "-o", "--output", metavar="FILE", help=OUTPUT_HELP),
    from_: Optional[str] = typer.Option(None, "--from", metavar="YYYY-MM-DD", help="Only records changed on or after this date "
                                                             "(YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", metavar="YYYY-MM-DD", help="Only records changed on or before this date."),
    set_: Optional[str] = typer.Option(None, "--set", metavar="SET", help="Only records in this OAI-PMH set."),
    restart: RestartOpt = False,
    timeout: TimeoutOpt = 60.0,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    retries: RetriesOpt = 5,
    backoff: BackoffOpt = 1.0,
    rate: RateOpt = 0.0,
    max_response: MaxResponseOpt = 64.0,
    max_empty_pages: MaxEmptyOpt = 5,
    quiet: QuietOpt = False,
):
    """Harvest records with OAI-PMH ListRecords (deleted records are counted, not written)."""
    from rabiskit.harvest import harvest_oai_to_file
    _harvest(output, quiet, (timeout, connect_timeout, retries, backoff, rate, max_response),
             lambda client, progress: harvest_oai_to_file(
                 client, url, prefix, output, from_=from_, until=until, set_=set_,
                 restart=restart, progress=progress, max_empty_pages=max_empty_pages))


def register(app: typer.Typer) -> None:
    app.add_typer(harvest_app, name="harvest")
