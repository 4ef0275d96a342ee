"""Where the ledger lives when no ``--ledger PATH`` is given.

In order: the environment variable ``RABISKIT_LEDGER`` (a file path), else one file
``ledger.sqlite`` in the user's data folder:

* Windows: ``%LOCALAPPDATA%\\rabiskit\\ledger.sqlite`` (``%APPDATA%`` when LOCALAPPDATA is unset);
* macOS: ``~/Library/Application Support/rabiskit/ledger.sqlite``;
* elsewhere: ``$XDG_DATA_HOME/rabiskit/ledger.sqlite``, by default
  ``~/.local/share/rabiskit/ledger.sqlite``.

Written here (a dozen lines) rather than adding platformdirs as a dependency.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping

ENV_VAR = "RABISKIT_LEDGER"
FILE_NAME = "ledger.sqlite"


def data_dir(environ: Mapping[str, str] | None = None, platform: str | None = None,
             home: Path | None = None) -> Path:
    """The user's data folder for rabiskit (not created here)."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if plat.startswith("win"):
        base = env.get("LOCALAPPDATA") or env.get("APPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "rabiskit"
    if plat == "darwin":
        return home / "Library" / "Application Support" / "rabiskit"
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "rabiskit"


def default_ledger_path(environ: Mapping[str, str] | None = None, platform: str | None = None,
                        home: Path | None = None) -> Path:
    """``$RABISKIT_LEDGER`` when set, else ``ledger.sqlite`` in :func:`data_dir`."""
    env = os.environ if environ is None else environ
    given = env.get(ENV_VAR, "").strip()
    if given:
        return Path(given).expanduser()
    return data_dir(env, platform, home) / FILE_NAME
