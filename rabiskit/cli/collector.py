"""Python's cyclic garbage collector, held while the program starts.

The collector runs after every 700 new container objects (tuples, lists, dicts, class
instances), and every tenth run of it walks the objects of the runs before.  Starting a
command makes tens of thousands of objects that live as long as the process (the modules
of the command line and of the command, their classes and tables, the plan), so some 60
collections ran during every command's start-up and freed nothing: 7-10 ms of it.  A
report's collections then walked those objects again and again while it merged its
records: measured on 200,000 records, 67 ms of its main process went to the collector
(35 ms of it one full collection), and the whole run was 0.93 of its wall time with no
collector at all.

So the program (``rabiskit.cli.start.main``, then ``rabiskit.cli.main.main``; not a caller
of ``run``) holds the collector from its first line (``hold``) until the command begins
(``release``, from the top-level callback that runs just before the command; in the helper
of ``rabiskit.cli.headstart``, once its imports are done):

- what the start-up made is moved out of the collector's reach (``gc.freeze``): later
  collections do not walk it, and a worker process forked later does not write to its
  pages when it collects (the standard library's advice for a process that forks);
- the collector then runs after every ``GEN0_THRESHOLD`` new objects rather than 700
  (Python 3.13 raised its own default to 2,000): a run makes millions of short-lived
  objects, and each collection costs about the same whatever it finds.

It still runs: a command's cycles are freed as before, later.  Measured on 200,000
records (20 paired runs): a report 0.95 of its wall time, a count 0.99.
"""

from __future__ import annotations

import gc

#: new container objects between two collections of the youngest generation, once released
GEN0_THRESHOLD = 10_000

_held = False


def hold() -> None:
    """Stop the collector until ``release`` (a no-op where it is already stopped: then it
    was stopped by someone else, whose choice ``release`` leaves alone)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Start the collector stopped by ``hold``: the objects made so far frozen, a higher
    threshold for its youngest generation.  A no-op when ``hold`` did not stop it."""
    global _held
    if not _held:
        return
    _held = False
    gc.freeze()
    first, *older = gc.get_threshold()
    gc.set_threshold(max(first, GEN0_THRESHOLD), *older)
    gc.enable()
