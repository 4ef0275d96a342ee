"""Start a real Zebra (idzebra-2.0) SRU server on 127.0.0.1 for the harvesting tests.

The configuration lives in tests/zebra/ (zebra.cfg, the DOM filter, the index
stylesheet, CQL-to-PQF and the YAZ front-end server file).  ``start_zebra`` copies it to
a work directory, indexes a MARC 21 slim collection with zebraidx and starts zebrasrv
on a free port; SRU is served over HTTP on that port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

CONFIG_DIR = Path(__file__).resolve().parent.parent / "zebra"


def zebra_missing() -> str | None:
    """Why Zebra cannot run here, or None when zebraidx and zebrasrv are installed."""
    missing = [name for name in ("zebraidx", "zebrasrv") if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found (Debian: apt-get install idzebra-2.0)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Zebra:
    """A running zebrasrv: its SRU base URL, work directory and process."""

    url: str
    workdir: Path
    process: subprocess.Popen

    def log(self) -> str:
        path = self.workdir / "zebrasrv.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    if done.returncode != 0:
        output = done.stdout.decode("utf-8", "replace")[-3000:]
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{output}")


def start_zebra(workdir: Path, records_file: Path) -> Zebra:
    """Index ``records_file`` and start zebrasrv on 127.0.0.1; waits until it answers SRU."""
    for item in CONFIG_DIR.iterdir():
        if item.is_file():
            shutil.copy(item, workdir / item.name)
    for name in ("reg", "shadow", "lock", "keytmp"):
        (workdir / name).mkdir(exist_ok=True)
    shutil.copy(records_file, workdir / "records.xml")
    _run(["zebraidx", "-c", "zebra.cfg", "init"], workdir)
    _run(["zebraidx", "-c", "zebra.cfg", "update", "records.xml"], workdir)
    _run(["zebraidx", "-c", "zebra.cfg", "commit"], workdir)

    port = free_port()
    log = open(workdir / "zebrasrv.log", "wb")
    process = subprocess.Popen(["zebrasrv", "-f", "yazserver.xml", f"tcp:127.0.0.1:{port}"],
                               cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    zebra = Zebra(f"http://127.0.0.1:{port}/Default", workdir, process)
    for _ in range(200):  # at most ~20 s
        if process.poll() is not None:
            raise RuntimeError(f"zebrasrv exited with {process.returncode}:\n{zebra.log()}")
        try:
            answer = requests.get(zebra.url, params={"version": "1.2", "operation": "explain"}, timeout=2)
            if answer.status_code == 200:
                return zebra
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    zebra.stop()
    raise RuntimeError(f"zebrasrv did not answer on port {port}:\n{zebra.log()}")
