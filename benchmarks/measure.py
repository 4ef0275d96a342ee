"""Run a command, print its wall time and the peak memory of its largest process as JSON.

    python benchmarks/measure.py -- COMMAND ARGS...

POSIX only (resource module): benchmarks are run on the Linux CI machine.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True)
    dt = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": dt, "peak_mb": peak_kb / 1024, "returncode": proc.returncode,
                      "stdout": proc.stdout.decode("utf-8", "replace"),
                      "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}))


if __name__ == "__main__":
    main()
