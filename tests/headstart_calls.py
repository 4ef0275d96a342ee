"""Library calls for tests/test_headstart.py: run in the helper process (importable by
name there, as a command's library call is)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def where(x, progress=None):
    """(the process it ran in, x); two progress steps on the way."""
    if progress is not None:
        progress(1, "a.iso")
        progress(2, "a.iso")
    return os.getpid(), x


def fails(progress=None):
    raise ValueError("a reason of the call's own")


def dies_unless_in(pid: int, progress=None):
    """Ends the process it runs in without an answer, unless that is process ``pid``."""
    if os.getpid() != pid:
        os._exit(3)
    return "read here"


def waits(ready: str, progress=None):
    Path(ready).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(60)
    return "not interrupted"


def unpicklable_answer(progress=None):
    return lambda: None
