"""Inputs and outputs as a new user meets them (issue 13, items 9-14).

The same file named twice, files that hold no MARC record (empty, PDF, Word, Excel, CSV,
plain text...), outputs that would overwrite inputs, audit's format from the extension, the
facts CSV's exact values, a full disk, SIGTERM while writing, bidirectional controls in
reports.  Every export is ISO 2709 assembled by hand below (three UNIMARC books, two of
them entered on 2026-01-15), so the expected numbers are known without the code under
test; the commands run as a user runs them, ``python -m rabiskit`` in a subprocess.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from rabiskit.render.safe import csv_cell, xml_text
from rabiskit.sources.sniff import sniff

REPO = Path(__file__).resolve().parents[1]
FT, RT, SD = b"\x1e", b"\x1d", b"\x1f"
# a wide screen: the table view wraps a long path's message at 80 columns
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO), "COLUMNS": "200"}


def iso_record(fields: list[tuple[str, bytes]], leader_tail: str = "nam  22") -> bytes:
    """One ISO 2709 record: the directory and lengths counted here, field by field."""
    directory, data = b"", b""
    for tag, body in fields:
        body += FT
        directory += tag.encode() + b"%04d%05d" % (len(body), len(data))
        data += body
    directory += FT
    base = 24 + len(directory)
    length = base + len(data) + 1
    leader = b"%05d" % length + leader_tail.encode() + b"%05d" % base + b"   450 "
    assert len(leader) == 24
    return leader + directory + data + RT


def book(i: int, title: str, date: str = "20260115") -> bytes:
    """A UNIMARC book (leader/07 m) in Kazakh, entered on ``date`` (blank: undated)."""
    return iso_record([("001", f"KZ{i}".encode()),
                       ("100", b"  " + SD + b"a" + f"{date}d2026    k  y0kazy50      ca".encode()),
                       ("101", b"0 " + SD + b"akaz"),
                       ("200", b"1 " + SD + b"a" + title.encode())])


EXPORT = book(1, "Абай жолы") + book(2, "-5 градус") + book(3, "=1+1 \u202eтуралы", date=" " * 8)


def run(*args, cwd: Path = REPO, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rabiskit", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd, env=ENV, timeout=300, **kw)


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return r


def refused(r: subprocess.CompletedProcess, *words: str) -> str:
    """The one error line of a command that had to stop (exit 2, no traceback)."""
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("rabiskit:")]
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def export(tmp_path) -> Path:
    path = tmp_path / "A.iso"
    path.write_bytes(EXPORT)
    return path


# -- item 9: the same file named twice is read once -------------------------------------------

def _read_by(command: str, files: list, tmp: Path) -> int:
    """How many records ``command`` read from ``files`` (each command says it its own way)."""
    if command == "count":
        return json.loads(ok(run("count", *files, "--format", "json", cwd=tmp)).stdout)["records"]["read"]
    if command == "report":
        ok(run("report", *files, "-o", tmp / "r.json", cwd=tmp))
        return json.loads((tmp / "r.json").read_text(encoding="utf-8"))["records"]["read"]
    if command == "audit":
        return json.loads(ok(run("audit", *files, "--format", "json", cwd=tmp)).stdout)["records"]
    if command == "facts":
        ok(run("facts", *files, "-o", tmp / "f.csv", cwd=tmp))
        with (tmp / "f.csv").open(encoding="utf-8", newline="") as fh:
            return len(list(csv.DictReader(fh)))
    if command == "export":  # the two dated books of 2026 are exported
        r = ok(run("export", *files, "--level", "book", "-o", tmp / "e.iso", "--format", "json",
                   cwd=tmp))
        return json.loads(r.stdout)["records_read"]
    if command == "import":
        r = ok(run("import", *files, "--ledger", tmp / "l.sqlite", "--format", "json", cwd=tmp))
        return json.loads(r.stdout)["records"]
    raise AssertionError(command)


@pytest.mark.parametrize("command", ["count", "report", "audit", "facts", "export", "import"])
def test_the_same_file_named_twice_is_read_once(export, tmp_path, command):
    assert _read_by(command, ["A.iso", "A.iso"], tmp_path) == 3


def test_the_same_file_under_other_names_is_read_once_with_a_warning(export, tmp_path):
    (tmp_path / "sub").mkdir()
    os.symlink(export, tmp_path / "sub" / "link.iso")
    os.link(export, tmp_path / "hard.iso")
    r = ok(run("count", "A.iso", export, "./sub/../A.iso", "sub/link.iso", "hard.iso",
               "--format", "json", cwd=tmp_path))
    data = json.loads(r.stdout)
    assert data["records"]["read"] == 3
    assert r.stderr.count("given twice; read once, not counted twice") == 4


def test_a_copy_under_another_name_is_read_once(export, tmp_path):
    (tmp_path / "B.iso").write_bytes(EXPORT)
    r = ok(run("count", "A.iso", "B.iso", "--format", "json", cwd=tmp_path))
    assert json.loads(r.stdout)["records"]["read"] == 3
    assert "B.iso: same content as A.iso" in r.stderr


def test_db_finds_its_file_however_it_is_spelt(export, tmp_path):
    data = json.loads(ok(run("count", "A.iso", "--db", "local_lore", export, "--format", "json",
                             cwd=tmp_path)).stdout)
    assert data["records"]["read"] == 3
    assert data["levels"]["local_lore"]["total"] == 2 and data["levels"]["book"]["total"] == 0
    refused(run("count", "--db", "local_lore", "A.iso", "--db", "book", export, cwd=tmp_path),
            "already declared as local_lore")


# -- item 10: an input with no MARC record in it -----------------------------------------------

def minimal_pdf() -> bytes:
    """A one-page PDF written by hand (with its cross-reference table)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def old_word_document() -> bytes:
    """The start of an OLE2 compound file as Word 97-2003 writes it: the header (signature,
    sector size 512, directory in sector 0) and a directory sector naming the streams."""
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[0x1C:0x1E] = bytes.fromhex("feff")  # little-endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # sector shift
    header[0x30:0x34] = (0).to_bytes(4, "little")  # first directory sector
    directory = bytearray(512)
    for k, name in enumerate(("Root Entry", "WordDocument", "1Table")):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry[0:len(raw)] = raw
        entry[64:66] = len(raw).to_bytes(2, "little")
        entry[66] = 5 if k == 0 else 2  # root storage, streams
        directory[128 * k:128 * (k + 1)] = entry
    return bytes(header + directory)


def _docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Жаңа кітаптар тізімі")
    d.save(str(path))


def _xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", "title"])
    wb.save(str(path))


NOT_MARC = {
    "empty.iso": (lambda p: p.write_bytes(b""), "an empty file"),
    "scan.pdf": (lambda p: p.write_bytes(minimal_pdf()), "a PDF document"),
    "list.docx": (_docx, "a Word document (.docx)"),
    "old.doc": (lambda p: p.write_bytes(old_word_document()), "a Word document (.doc)"),
    "table.xlsx": (_xlsx, "an Excel workbook (.xlsx)"),
    "books.csv": (lambda p: p.write_text("id;title;year\n1;Абай жолы;2026\n2;Қазақ;2025\n",
                                         encoding="utf-8"), "a CSV table"),
    "notes.txt": (lambda p: p.write_text("Жаңа кітаптар, 2026 жыл\nАбай жолы\n", encoding="utf-8"),
                  "a text file"),
    "page.html": (lambda p: p.write_text("<!DOCTYPE html>\n<html><body>Каталог</body></html>\n",
                                         encoding="utf-8"), "an HTML page"),
}


@pytest.fixture
def not_marc(tmp_path) -> dict[str, tuple[Path, str]]:
    out = {}
    for name, (make, what) in NOT_MARC.items():
        make(tmp_path / name)
        out[name] = (tmp_path / name, what)
    return out


def test_the_hand_made_documents_are_real():
    import io

    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(minimal_pdf())).pages) == 1


@pytest.mark.parametrize("name", list(NOT_MARC))
def test_sniff_names_what_the_file_is(not_marc, name):
    path, what = not_marc[name]
    assert sniff(path).what.startswith(what) and not sniff(path).readable


def test_an_irbis_text_export_is_read_not_refused(tmp_path):
    path = tmp_path / "irbis.txt"
    path.write_text("#920: PAZK\n#200: ^AАбай жолы^FМ. Әуезов\n#101: kaz\n*****\n",
                    encoding="utf-8")
    assert sniff(path).kind == "irbis_text" and sniff(path).readable


def _commands(files: list, tmp: Path) -> dict[str, list]:
    return {
        "count": ["count", *files],
        "report": ["report", *files, "-o", tmp / "out" / "r.xlsx"],
        "audit": ["audit", *files, "-o", tmp / "out" / "a.json"],
        "digitisation": ["digitisation", *files, "--format", "json"],
        "import": ["import", *files, "--ledger", tmp / "out" / "l.sqlite"],
        "export": ["export", *files, "--level", "book", "-o", tmp / "out" / "e.xml"],
        "facts": ["facts", *files, "-o", tmp / "out" / "f.parquet"],
    }


@pytest.mark.parametrize("command, name", [
    ("count", "notes.txt"), ("report", "empty.iso"), ("audit", "list.docx"),
    ("digitisation", "table.xlsx"), ("import", "books.csv"), ("export", "scan.pdf"),
    ("facts", "old.doc")])
def test_an_input_without_marc_stops_the_command_before_anything_is_written(
        export, not_marc, tmp_path, command, name):
    (tmp_path / "out").mkdir()
    path, what = not_marc[name]
    r = run(*_commands([export, path], tmp_path)[command], cwd=tmp_path)
    refused(r, name, f"no MARC records: this is {what}")
    assert r.stdout == ""
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("command", ["report", "export", "facts", "import"])
def test_xml_without_records_stops_the_command_before_anything_is_written(export, tmp_path,
                                                                          command):
    """An XML document that is not MARCXML is only known to hold no record once read: the
    commands that write while they read throw their temporary file away."""
    (tmp_path / "out").mkdir()
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?>\n<catalogue><book>Абай жолы</book></catalogue>\n',
                     encoding="utf-8")
    r = run(*_commands([export, other], tmp_path)[command], cwd=tmp_path)
    line = refused(r, "other.xml", "no MARC records")
    if command == "import":  # the ledger is opened (made) first; nothing goes into it
        assert "nothing was imported" in line
    else:
        assert list((tmp_path / "out").iterdir()) == []


def test_inspect_reports_a_non_marc_file_and_goes_on(export, not_marc, tmp_path):
    pdf, _ = not_marc["scan.pdf"]
    r = run("inspect", pdf, export, "--format", "json", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr  # an input without records is an error
    first, second = json.loads(r.stdout)["files"]
    assert first["format"] == "pdf" and first["records"] == 0 and first["no_records"] is True
    assert first["problems"][0]["message"].endswith("no MARC records: this is a PDF document")
    assert second["records"] == 3 and second["format"] == "iso2709"
    table = run("inspect", pdf, export, cwd=tmp_path)
    assert "no MARC records: this is a PDF document" in table.stdout
    assert "iso2709" in table.stdout


# -- item 11: no output over an input ---------------------------------------------------------

def _same_bytes_after(path: Path, r: subprocess.CompletedProcess, before: bytes, *words) -> None:
    refused(r, "inputs are never overwritten", *words)
    assert path.read_bytes() == before


def test_no_command_writes_over_its_input(tmp_path):
    x = tmp_path / "x.json"
    x.write_bytes(EXPORT)
    _same_bytes_after(x, run("report", "x.json", "-o", "x.json", cwd=tmp_path), EXPORT)
    c = tmp_path / "X.csv"
    c.write_bytes(EXPORT)
    _same_bytes_after(c, run("facts", "X.csv", "-o", "X.csv", cwd=tmp_path), EXPORT)
    plain = tmp_path / "X"
    plain.write_bytes(EXPORT)
    _same_bytes_after(plain, run("audit", "X", "--format", "json", "-o", "X", cwd=tmp_path), EXPORT)
    e = tmp_path / "e.iso"
    e.write_bytes(EXPORT)
    _same_bytes_after(e, run("export", "e.iso", "--level", "book", "-o", "e.iso", cwd=tmp_path),
                      EXPORT)
    _same_bytes_after(e, run("import", "e.iso", "--ledger", "e.iso", cwd=tmp_path), EXPORT)
    _same_bytes_after(c, run("facts", "--db", "book", "X.csv", "-o", str(tmp_path / "X.csv"),
                             cwd=tmp_path), EXPORT)


def test_links_and_other_spellings_of_an_input_are_refused(export, tmp_path):
    os.link(export, tmp_path / "hard.csv")
    os.symlink(export, tmp_path / "soft.json")
    _same_bytes_after(export, run("facts", "A.iso", "-o", "hard.csv", cwd=tmp_path), EXPORT,
                      "the same file as the input A.iso")
    _same_bytes_after(export, run("report", "hard.csv", "-o", "soft.json", cwd=tmp_path), EXPORT)
    _same_bytes_after(export, run("audit", export, "-o", "./soft.json", cwd=tmp_path), EXPORT)
    assert (tmp_path / "soft.json").is_symlink()


def test_the_ledger_is_never_overwritten(export, tmp_path):
    ok(run("import", "A.iso", "--ledger", "led.json", cwd=tmp_path))
    ledger = tmp_path / "led.json"
    before = ledger.read_bytes()
    _same_bytes_after(ledger, run("report", "--ledger", "led.json", "-o", "led.json",
                                  cwd=tmp_path), before)
    ledger_csv = tmp_path / "led.csv"
    ledger_csv.write_bytes(before)
    _same_bytes_after(ledger_csv, run("facts", "--ledger", "led.csv", "-o", "led.csv",
                                      cwd=tmp_path), before)
    _same_bytes_after(ledger, run("audit", "--ledger", "led.json", "-o", "led.json",
                                  cwd=tmp_path), before)


# -- item 12: audit's format follows the extension ----------------------------------------------

def test_audit_writes_the_format_of_the_extension(export, tmp_path):
    r = ok(run("audit", "A.iso", "-o", "a.json", cwd=tmp_path))
    assert "written: a.json" in r.stderr
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["records"] == 3
    ok(run("audit", "A.iso", "-o", "a.csv", cwd=tmp_path))
    assert (tmp_path / "a.csv").read_bytes().startswith("\ufeff".encode("utf-8"))
    ok(run("audit", "A.iso", "-o", "a.xlsx", cwd=tmp_path))
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert "xl/workbook.xml" in z.namelist()
    refused(run("audit", "A.iso", "-o", "a.txt", cwd=tmp_path), "a.txt", ".json, .csv or .xlsx")
    refused(run("audit", "A.iso", "--format", "table", "-o", "b.json", cwd=tmp_path), "b.json")
    refused(run("audit", "A.iso", "--format", "csv", "-o", "b.json", cwd=tmp_path), "b.json")
    assert not (tmp_path / "a.txt").exists() and not (tmp_path / "b.json").exists()


# -- item 13: the facts CSV holds the values exactly ---------------------------------------------

def test_facts_csv_holds_titles_as_they_are_and_reports_keep_their_guard(export, tmp_path):
    ok(run("facts", "A.iso", "-o", "f.csv", cwd=tmp_path))
    with (tmp_path / "f.csv").open(encoding="utf-8", newline="") as fh:
        titles = [row["title"] for row in csv.DictReader(fh)]
    assert titles == ["Абай жолы", "-5 градус", "=1+1 \u202eтуралы"]
    assert csv_cell("-5 градус") == "'-5 градус"  # reports: a formula guard
    assert csv_cell("=1+1") == "'=1+1"


# -- item 14: nothing left behind; bidirectional controls ------------------------------------------

WRITES = {
    "export-xml": ["export", "A.iso", "--level", "book", "-o", "{out}/e.xml"],
    "export-iso": ["export", "A.iso", "--level", "book", "-o", "{out}/e.iso"],
    "facts-csv": ["facts", "A.iso", "-o", "{out}/f.csv"],
    "facts-parquet": ["facts", "A.iso", "-o", "{out}/f.parquet"],
    "report-xlsx": ["report", "A.iso", "-o", "{out}/r.xlsx"],
    "report-docx": ["report", "A.iso", "-o", "{out}/r.docx"],
    "report-html": ["report", "A.iso", "-o", "{out}/r.html"],
    "audit-xlsx": ["audit", "A.iso", "-o", "{out}/a.xlsx"],
    "audit-json": ["audit", "A.iso", "-o", "{out}/a.json"],
}
# 200 books whose titles do not compress (Parquet's zstd cannot fit them in 16 KB: four
# different hashes each; a hash written four times did compress), in
# Russian while coded kaz: the audit lists every one of them
BIG_EXPORT = b"".join(book(i, "История русской литературы для детей и юношества "
                              + "".join(hashlib.sha256(b"%d-%d" % (i, k)).hexdigest()
                                        for k in range(4)))
                      for i in range(1, 201))


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str = "16k"):
    """A real, tiny file system (tmpfs) mounted on ``folder``; skips where mounting is not
    allowed (not root, no mount namespace).  The file-size limit test below always runs."""
    folder.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("name", ["export-xml", "facts-parquet", "report-xlsx"])
def test_a_full_disk_leaves_no_temporary_file(tmp_path, name):
    (tmp_path / "A.iso").write_bytes(BIG_EXPORT)
    with small_tmpfs(tmp_path / "full") as full:
        args = [a.format(out=full) for a in WRITES[name]]
        r = run(*args, cwd=tmp_path)
        refused(r, "cannot write", "No space left on device")
        assert list(full.iterdir()) == []


def _limit_file_size() -> None:  # runs in the child, before the command
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))


@pytest.mark.parametrize("name", list(WRITES))
def test_a_failing_write_leaves_no_temporary_file(tmp_path, name):
    """The same as a full disk for every user: a file-size limit makes writes fail (EFBIG)."""
    (tmp_path / "A.iso").write_bytes(BIG_EXPORT)
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(out=out) for a in WRITES[name]]
    r = run(*args, cwd=tmp_path, preexec_fn=_limit_file_size)
    refused(r, "cannot write", "too large")
    assert list(out.iterdir()) == []


SIGTERM_WRITERS = {
    "marcxml": "from rabiskit.sources.marcxml_writer import MarcXmlWriter\n"
               "with MarcXmlWriter(out / 'e.xml') as w:\n"
               "    for rec in records():\n        w.write(rec)\n",
    "atomic_file": "from rabiskit.atomic import atomic_file\n"
                   "with atomic_file(out / 'e.iso') as fh:\n"
                   "    for rec in records():\n        fh.write(b'x' * 1000)\n",
    "parquet": "from rabiskit.export.facts_table import write_facts\n"
               "from rabiskit.facts.extract import extract_facts\n"
               "write_facts(out / 'f.parquet', (extract_facts(r, 'book') for r in records()),"
               " batch_size=1)\n",
}


@pytest.mark.parametrize("writer", list(SIGTERM_WRITERS))
def test_sigterm_while_writing_removes_the_temporary_file(tmp_path, writer):
    """A real process, a real signal: the writer has written part of its file when it is
    told to stop; the temporary file must go, and no output appear."""
    (tmp_path / "A.iso").write_bytes(EXPORT)
    out = tmp_path / "out"
    out.mkdir()
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from rabiskit.sources import open_source
        out = Path({str(out)!r})
        def records():
            for k, src in enumerate(open_source(Path({str(tmp_path / 'A.iso')!r}))):
                yield src
                if k == 1:
                    print("ready", flush=True)
                    sys.stdin.read()  # blocks until the signal comes
        """) + SIGTERM_WRITERS[writer]
    p = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                         cwd=REPO)
    try:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
        assert [f.name.startswith(".") for f in out.iterdir()] == [True]  # the temporary file
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + signal.SIGTERM, err
    assert list(out.iterdir()) == []


def test_bidi_controls_are_neutralised_in_reports_not_in_data(export, tmp_path):
    ok(run("report", "A.iso", "-o", "r.html", "-o", "r.xlsx", "-o", "r.docx", "-o", "r.csv",
           cwd=tmp_path))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "туралы" in html and "\u202e" not in html  # the undated record is listed
    import docx
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert any("туралы" in c for c in cells) and not any("\u202e" in c for c in cells)
    d = docx.Document(str(tmp_path / "r.docx"))
    texts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows
                                              for c in row.cells]
    assert any("туралы" in t for t in texts) and not any("\u202e" in t for t in texts)
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert control not in xml_text(f"a{control}b") and control not in csv_cell(f"a{control}")
    assert xml_text("a\u200fb") == "a\u200fb"  # marks reorder nothing: kept
    ok(run("facts", "A.iso", "-o", "f.csv", cwd=tmp_path))  # data: exact
    assert "\u202e" in (tmp_path / "f.csv").read_text(encoding="utf-8")
