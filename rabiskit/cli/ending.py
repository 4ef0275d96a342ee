"""How the program's processes end: as ``sys.exit`` would, less the interpreter's tear-down.

No import beyond the standard library: the helper process of ``rabiskit.cli.headstart``
ends this way too, before typer is imported."""

from __future__ import annotations

import os
import sys


def end_process(code: object) -> None:
    """End the process as ``sys.exit(code)`` would, less the interpreter's tear-down of every
    module and object (measured: 0.03-0.08 s of CPU after a big count, all of it after the
    output is written).  What a normal exit runs still runs: threads joined (the worker
    pool's manager), ``atexit`` handlers, the standard streams flushed."""
    import atexit
    import threading

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, status 1
        sys.stderr.write(f"{code}\n")
        status = 1
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:  # not CPython's threading: the normal exit
        sys.exit(status)
    shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to write
            pass
    os._exit(status)
