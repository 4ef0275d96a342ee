"""A real ``rabiskit serve`` for the web tests: started as the user starts it (``python -m
rabiskit serve --port 0 --no-browser``) with its own temporary folder and ledger, its
address read from the first line it prints, stopped with the signal Ctrl+C sends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


@dataclass
class Server:
    proc: subprocess.Popen
    url: str  # the printed address, with the token
    tmp: Path  # the server's TMPDIR
    ledger: Path

    @property
    def base(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    def stop(self) -> str:
        """Stop as Ctrl+C does; returns what it wrote on stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read() if self.proc.stderr else ""


def start_server(folder: Path, *extra: str, address: str = "http://127.0.0.1:") -> Server:
    tmp = folder / "tmp"
    tmp.mkdir()
    ledger = folder / "ledger.sqlite"
    env = dict(os.environ, TMPDIR=str(tmp), TEMP=str(tmp), TMP=str(tmp),
               RABISKIT_LEDGER=str(ledger), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "rabiskit", "serve", "--port", "0",
                             "--no-browser", *extra], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    first = proc.stdout.readline().strip()
    if not first.startswith(address):
        proc.kill()
        raise RuntimeError(f"rabiskit serve printed {first!r}: {proc.stderr.read()}")
    return Server(proc, first, tmp, ledger)


def cli(*args: str, cwd: Path = FIXTURES) -> subprocess.CompletedProcess:
    """``python -m rabiskit ARGS`` from the fixtures folder (file names as given)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "rabiskit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
