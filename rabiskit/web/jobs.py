"""Long work in the background, with its progress, and the temporary files it uses.

:class:`Jobs` owns the server's temporary folder (one per server run, under the system's
temporary folder) and runs each piece of work (a report, an import) in a thread of its
own, so the page can ask how far it got (``GET /api/jobs/ID``) while it runs.  Each job
gets a folder for its uploads, removed as soon as the work ends, whatever the outcome;
:meth:`Jobs.close` removes the whole temporary folder when the server stops.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

#: finished jobs kept for their pages and downloads (the oldest are forgotten first)
KEEP_FINISHED = 30

RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass
class Job:
    """One piece of work: its ``kind`` ("report", "import"), the page language, how far
    it got (``done`` of ``total`` bytes, in ``phase``), and at the end its ``result`` or
    its ``error`` (one plain line)."""

    id: str
    kind: str
    lang: str
    folder: Path
    total: int = 0
    done: int = 0
    phase: str = ""
    state: str = RUNNING
    result: Any = None
    error: str | None = None
    started: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _seen: dict = field(default_factory=dict, repr=False)

    def progress(self, phase: str) -> Callable[[int, str], None]:
        """A ``progress(n_bytes, file)`` callback for the scan of ``phase``: the bytes read
        of each file, summed over the phases."""
        def update(n_bytes: int, file: str) -> None:
            with self._lock:
                self.phase = phase
                self._seen[(phase, file)] = n_bytes
                self.done = min(sum(self._seen.values()), self.total or 0)
        return update

    def status(self) -> dict:
        """The JSON of ``GET /api/jobs/ID``."""
        with self._lock:
            return {"id": self.id, "kind": self.kind, "state": self.state, "phase": self.phase,
                    "done": self.done if self.state == RUNNING else self.total,
                    "total": self.total, "error": self.error}


class Jobs:
    def __init__(self, parent: str | Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="rabiskit-serve-", dir=parent))
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def folder(self) -> Path:
        """A new, empty folder for one request's uploads (the caller removes it, or hands
        it to :meth:`start`)."""
        return Path(tempfile.mkdtemp(prefix="upload-", dir=self.root))

    def start(self, kind: str, lang: str, folder: Path, total: int,
              work: Callable[[Job], Any]) -> Job:
        """Run ``work(job)`` in a thread; its return value becomes the job's result, a
        ValueError or LookupError its error line.  ``folder`` is removed when it ends."""
        job = Job(secrets.token_urlsafe(12), kind, lang, folder, total=total)
        with self.lock:
            self.jobs[job.id] = job
            self._forget_old()

        def run() -> None:
            try:
                result = work(job)
                with job._lock:
                    job.result, job.state = result, DONE
            except Exception as e:  # one plain line for the page, as the CLI would print
                with job._lock:
                    job.error, job.state = str(e) or e.__class__.__name__, FAILED
            finally:
                remove(folder)

        threading.Thread(target=run, name=f"rabiskit-{kind}-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def _forget_old(self) -> None:
        finished = [j for j in self.jobs.values() if j.state != RUNNING]
        for j in sorted(finished, key=lambda j: j.started)[:max(0, len(finished) - KEEP_FINISHED)]:
            del self.jobs[j.id]

    def close(self) -> None:
        """Remove every temporary file (the server is stopping)."""
        remove(self.root)


def remove(path: Path) -> None:
    """Remove a folder and what is in it; a file still open elsewhere (Windows) is
    retried briefly, then left to the system's cleaning of its temporary folder."""
    for attempt in range(5):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1 * (attempt + 1))
