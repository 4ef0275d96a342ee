"""Which names are the same file: a relative and an absolute path, a symbolic or a hard link.

``file_key(path)`` is the file's identity: (device, inode) for a file that exists (on
Windows the volume serial number and file index, which ``os.stat`` gives the same way),
else its absolute, normalised path with links resolved.  ``same_file(a, b)`` compares two.
Commands use it so that the same file named twice is read once, a ``--db`` declaration
finds its file however it was spelt, and no output is written over an input.
"""

from __future__ import annotations

import os
from pathlib import Path


def file_key(path: str | Path) -> tuple:
    """The identity of the file at ``path`` (see the module's docstring)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        st = None
    if st is not None and (st.st_ino or st.st_dev):
        return ("inode", st.st_dev, st.st_ino)
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        resolved = Path(os.path.abspath(path))
    return ("path", os.path.normcase(str(resolved)))


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` name the same file (or would, for one not yet written)."""
    return file_key(a) == file_key(b)


__all__ = ["file_key", "same_file"]
