"""Writing output files atomically: a reader never sees half a report.

Everything is written to a temporary file in the same folder and renamed over the
target only when complete (``os.replace`` is atomic on Windows and POSIX alike).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    For libraries that save to a file name themselves (openpyxl, python-docx)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                               dir=str(target.parent))
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        keep_mode(target, tmp_path)
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def keep_mode(target: str | Path, tmp: str | Path) -> None:
    """Temporary files are created owner-only: give the new file the mode of the file it
    replaces, or the usual one for a new file (read for everyone, as the umask allows)."""
    try:
        t = Path(target)
        if t.exists():
            mode = t.stat().st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
    except OSError:
        pass


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write bytes (or UTF-8 text) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
