"""A progress bar on stderr for large inputs (bytes read of the total)."""

from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator, Sequence

from rabiskit.cli.common import err_console, no_terminal
from rabiskit.facts.scan import Input

LARGE = 20 << 20  # show a bar from 20 MB of input

@contextlib.contextmanager
def scan_progress(inputs: Sequence[Input], enabled: bool = True
                  ) -> Iterator[Callable[[int, str], None] | None]:
    total = 0
    for i in inputs:
        try:
            total += i.path.stat().st_size
        except OSError:
            pass
    if not enabled or total < LARGE or no_terminal(sys.stderr) or not err_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from rabiskit.i18n import _

    with Progress(TextColumn(_("reading")), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=err_console.get(), transient=True) as bar:
        task = bar.add_task("read", total=total)
        done: dict[str, int] = {}  # bytes read of each file (a file read again starts over)

        def update(n_bytes: int, file: str) -> None:
            done[file] = n_bytes
            bar.update(task, completed=sum(done.values()))

        yield update
