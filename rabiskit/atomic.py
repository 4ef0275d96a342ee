"""Writing output files atomically: a reader never sees half a report, and nothing is left behind.

Everything is written to a hidden temporary file in the same folder and renamed over the
target only when complete (``os.replace`` is atomic on Windows and POSIX alike).  When
anything goes wrong - a full disk, a write error, an exception, Ctrl+C, or the process
being told to stop with SIGTERM (or SIGHUP) - the temporary file is removed and the
target is left as it was.

* ``atomic_path(path)``: a temporary path for libraries that save to a file name.
* ``atomic_file(path)``: an open binary file, for writers that stream (exports, facts).
* ``write_atomic(path, data)`` and ``save_atomic(path, save)``: a whole payload; ``save``
  writes to a file object in memory first (openpyxl, python-docx), so a full disk fails
  in rabiskit's own write, never inside a library that then leaves a file open.
* ``terminate_raises()``: while inside, SIGTERM and SIGHUP raise :class:`Terminated`
  (a ``SystemExit`` with the usual exit code 128 + signal), so ``finally`` blocks run;
  every function above enters it.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import signal
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

_TERMINATING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                             if hasattr(signal, name))


class Terminated(SystemExit):
    """The process was told to stop (SIGTERM, SIGHUP) while writing; raised so that the
    temporary file is removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum


def _raise_terminated(signum, _frame) -> None:
    raise Terminated(signum)


_depth = 0  # nesting of terminate_raises() in the main thread
_previous: dict[int, object] = {}


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise ``Terminated`` in the main thread instead of
    killing the process on the spot; the handlers before are restored on leaving.  In other
    threads (where handlers cannot be set) it does nothing."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _depth == 0:
        for signum in _TERMINATING_SIGNALS:
            try:
                _previous[signum] = signal.signal(signum, _raise_terminated)
            except (ValueError, OSError):  # pragma: no cover - e.g. an embedded interpreter
                pass
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            for signum, handler in list(_previous.items()):
                with contextlib.suppress(ValueError, OSError, TypeError):
                    signal.signal(signum, handler)  # type: ignore[arg-type]
            _previous.clear()


def temporary_beside(target: Path) -> Path:
    """A new, empty, hidden temporary file in the target's folder (created owner-only)."""
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                               dir=str(folder))
    os.close(fd)
    return Path(tmp)


def discard(tmp: Path | None) -> None:
    """Remove a temporary file, whatever state it is in (never raises)."""
    if tmp is not None:
        with contextlib.suppress(OSError):
            tmp.unlink()


def commit(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the target's mode and rename it over the target."""
    keep_mode(target, tmp)
    os.replace(tmp, target)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    For libraries that save to a file name themselves.  On any failure (also
    KeyboardInterrupt and SIGTERM) the temporary file is removed."""
    target = Path(path)
    with terminate_raises():
        tmp = temporary_beside(target)
        try:
            yield tmp
            commit(tmp, target)
        except BaseException:
            discard(tmp)
            raise


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file open for writing; when the block ends well it is flushed to disk
    and replaces ``path``.  On any failure the file is closed (errors closing it, such as a
    full disk, are dropped: the original one is raised) and removed."""
    target = Path(path)
    with terminate_raises():
        tmp = temporary_beside(target)
        fh = None
        try:
            fh = open(tmp, "wb")
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            commit(tmp, target)
        except BaseException:
            if fh is not None:
                with contextlib.suppress(OSError, ValueError):
                    fh.close()
            discard(tmp)
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
    with atomic_file(path) as fh:
        fh.write(payload)


def save_atomic(path: str | Path, save: Callable[[BinaryIO], object]) -> None:
    """``save(file_object)`` into memory, then the bytes to ``path`` atomically (for
    openpyxl's ``Workbook.save`` and python-docx's ``Document.save``)."""
    buf = io.BytesIO()
    try:
        save(buf)
    except Exception as e:
        error = _write_error(e)
        if error is None:
            raise
        # the library's half-written objects (an open generator writing to its temporary
        # file) would fail again when collected at exit, with a traceback on the console:
        # release them now, quietly
        traceback.clear_frames(e.__traceback__)
        del e
        _collect_quietly()
        raise error from None
    write_atomic(path, buf.getvalue())


def _write_error(e: Exception) -> OSError | None:
    """The OSError behind a library's failure to write, or None when it is something else.
    openpyxl streams worksheets through temporary files of its own with lxml, whose write
    errors (a full disk, a file-size limit) come as SerialisationError("IO_ENOSPC")."""
    if isinstance(e, OSError):
        return OSError(e.errno, e.strerror or str(e))
    code = str(e).removeprefix("IO_")
    if type(e).__name__ == "SerialisationError" and hasattr(errno, code):
        number = getattr(errno, code)
        return OSError(number, os.strerror(number))
    return None


def _collect_quietly() -> None:
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


__all__ = ["Terminated", "atomic_file", "atomic_path", "commit", "discard", "keep_mode",
           "save_atomic", "temporary_beside", "terminate_raises", "write_atomic"]
