"""``--workers`` and ``--parallel-from``: how many processes read the blocks of big inputs,
and from what input size they are started (small fixtures can force the worker pool)."""

from __future__ import annotations

import re
from typing import Annotated, Optional

import typer

from rabiskit.cli.common import fail
from rabiskit.i18n import _

WorkersOpt = Annotated[Optional[int], typer.Option(
    "--workers", metavar="N", help="Processes that read the blocks of big inputs (default: one per core; 1: all in this process).")]
ParallelFromOpt = Annotated[Optional[str], typer.Option(
    "--parallel-from", metavar="SIZE", help="Read inputs with the block reader in worker processes from this total size on (default 8M; 0: always).")]

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(text: str | None) -> int | None:
    """'8M' -> 8388608; None stays None; anything else stops the command with one line."""
    if text is None:
        return None
    m = _SIZE.match(text)
    if m is None:
        fail(_("--parallel-from {value}: give a size such as 0, 512K or 8M").format(value=text))
        raise AssertionError  # fail() does not return
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def check_workers(n: int | None) -> int | None:
    if n is not None and n < 1:
        fail(_("--workers {n}: give 1 or more").format(n=n))
    return n
