"""``digitisation --pdf-dir`` with files that are not regular files among the PDFs: a
named pipe (FIFO), a socket, a device, links to them, a broken link and a link loop.

Opening a FIFO waits for a writer forever and reading /dev/zero never ends: only regular
files are opened; each of the others is reported once, as unreadable, and the real PDFs
are still read and counted.  The command runs as a program under a timeout, so a hang
fails the test instead of blocking it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_digitisation import _generator

from rabiskit.digitisation import index_pdfs
from rabiskit.sources.iso2709_writer import encode_record

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 60

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and sockets are POSIX")


def hostile_folder(tmp_path: Path) -> tuple[Path, dict[str, str], socket.socket]:
    """A PDF folder: one real 3-page PDF and six .pdf names that are no regular file.
    Returns the folder, {name: what the problem must say}, and the bound socket (kept
    open by the caller)."""
    gen = _generator()
    pdfs = tmp_path / "p"
    (pdfs / "sub").mkdir(parents=True)
    (pdfs / "real_0001.pdf").write_bytes(gen.pdf_bytes(gen.Pdf("real_0001.pdf", 3, None)))
    os.mkfifo(pdfs / "fifo_0001.pdf")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(pdfs / "sub" / "sock.pdf"))
    (pdfs / "link_to_fifo.pdf").symlink_to(pdfs / "fifo_0001.pdf")
    (pdfs / "zero.pdf").symlink_to("/dev/zero")
    (pdfs / "loop.pdf").symlink_to(pdfs / "loop.pdf")
    (pdfs / "gone.pdf").symlink_to(pdfs / "no-such-file.pdf")
    expected = {
        "fifo_0001.pdf": "not a regular file (a named pipe (FIFO)): not opened",
        "link_to_fifo.pdf": "not a regular file (a named pipe (FIFO)): not opened",
        "sock.pdf": "not a regular file (a socket): not opened",
        "zero.pdf": "not a regular file (a device): not opened",
        "loop.pdf": "cannot be opened: Too many levels of symbolic links",
        "gone.pdf": "cannot be opened: No such file or directory",
    }
    return pdfs, expected, sock


def test_index_reports_each_non_regular_file_once(tmp_path):
    pdfs, expected, sock = hostile_folder(tmp_path)
    try:
        index = index_pdfs(pdfs)
    finally:
        sock.close()
    assert [p.name for p in index.pdfs if p.readable] == ["real_0001.pdf"]
    assert index.by_key[index.pdfs[[p.name for p in index.pdfs].index("real_0001.pdf")].key].pages == 3
    got = {Path(p["file"]).name: p["message"] for p in index.problems}
    assert got == expected
    assert len(index.problems) == 6  # once each
    assert index.summary()["pdfs"] == 7 and index.summary()["unreadable"] == 6


def test_digitisation_command_returns_and_counts_the_real_pdf(tmp_path):
    pdfs, expected, sock = hostile_folder(tmp_path)
    gen = _generator()
    records = [
        gen.unimarc_record(id="D1", level="m", lang="kaz", title="Кітап", entered="20260105",
                           changed="20260106100000.0", links=("real_0001.pdf",)),
        gen.unimarc_record(id="D2", level="m", lang="kaz", title="Құбыр", entered="20260107",
                           changed="20260108100000.0", links=("fifo_0001.pdf",)),
    ]
    export = tmp_path / "e.iso"
    export.write_bytes(b"".join(encode_record(r, "utf-8") for r in records))
    try:
        proc = subprocess.run([sys.executable, "-m", "rabiskit", "digitisation", str(export),
                               "--pdf-dir", str(pdfs), "--format", "json"], cwd=REPO,
                              capture_output=True, timeout=TIMEOUT)
    finally:
        sock.close()
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    data = json.loads(proc.stdout)
    messages = {Path(p["file"]).name: p["message"] for p in data["problems"]
                if p.get("kind", "").startswith("pdf")}
    for name, message in expected.items():
        assert messages.get(name) == message, (name, messages)
    assert data["pdf_folder"]["pdfs"] == 7 and data["pdf_folder"]["unreadable"] == 6
    assert data["pdf_folder"]["pages"] == 3
