"""The report's XLSX and DOCX outputs written by a helper process
(``rabiskit.render.writerprocess``): the same files as this process writes, its failures
reported as this process's are, and nothing lost when it is gone or cannot be started."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import zipfile

import openpyxl

from conftest import FIXTURES, REPO

from rabiskit.render.writerprocess import WriterProcess

FIXTURE = FIXTURES / "unimarc-utf8.iso"

# the report command with the helper's use shown: "HELPER <formats>" on stderr (or "NO
# HELPER"), then the program as installed
_PROBE = ("import sys\n"
          "import rabiskit.render.writerprocess as w\n"
          "start = w.WriterProcess.start.__func__\n"
          "def probe(cls, formats):\n"
          "    h = start(cls, formats)\n"
          "    print('HELPER ' + ','.join(sorted(h.formats)) if h else 'NO HELPER', file=sys.stderr)\n"
          "    return h\n"
          "w.WriterProcess.start = classmethod(probe)\n"
          "sys.argv = ['rabiskit'] + sys.argv[1:]\n"
          "from rabiskit.cli.main import main\nmain()\n")


def _report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _PROBE, "--lang", "en", "report", *args],
                          capture_output=True, text=True, encoding="utf-8", cwd=REPO)


def _cells(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def _document_xml(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def test_the_helper_writes_the_files_this_process_writes(tmp_path):
    helped = [tmp_path / "a.xlsx", tmp_path / "a.docx", tmp_path / "a.json"]
    r = _report(str(FIXTURE), "--as-of", "2026-12-31", *[x for p in helped for x in ("-o", str(p))])
    assert r.returncode == 0, r.stderr
    assert "HELPER .docx,.xlsx" in r.stderr
    for p in helped:
        assert f"wrote {p}" in r.stdout + r.stderr
    # the same report written by this process alone (--workers 1 changes nothing in it)
    from rabiskit.cli.main import app
    from typer.testing import CliRunner

    alone = [tmp_path / "b.xlsx", tmp_path / "b.docx", tmp_path / "b.json"]
    res = CliRunner().invoke(app, ["--lang", "en", "report", str(FIXTURE), "--as-of", "2026-12-31",
                                   *[x for p in alone for x in ("-o", str(p))]])
    assert res.exit_code == 0, res.output
    assert _cells(helped[0]) == _cells(alone[0])
    assert _document_xml(helped[1]) == _document_xml(alone[1])
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (helped[2], alone[2]))
    assert a == b
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in helped + alone)


def test_an_output_the_helper_cannot_write_is_reported(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    bad = tmp_path / "a-file" / "report.xlsx"  # its folder is a file: ENOTDIR, even for root
    good = tmp_path / "report.json"
    r = _report(str(FIXTURE), "--as-of", "2026-12-31", "-o", str(good), "-o", str(bad))
    assert "HELPER .xlsx" in r.stderr
    assert r.returncode == 2
    assert f"{bad}: cannot write the report" in r.stderr and "Traceback" not in r.stderr
    assert json.loads(good.read_text(encoding="utf-8"))["header"]  # the other one is written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "report.json"]


def test_a_report_that_stops_before_writing_lets_the_helper_go(tmp_path):
    # (the PDF folder is looked at once the helper has started)
    r = _report(str(FIXTURE), "-o", str(tmp_path / "r.xlsx"), "--pdf-dir", str(tmp_path / "none"))
    assert "HELPER .xlsx" in r.stderr
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_without_a_helper_format_none_is_started(tmp_path):
    r = _report(str(FIXTURE), "--as-of", "2026-12-31", "-o", str(tmp_path / "r.json"),
                "-o", str(tmp_path / "r.md"))
    assert r.returncode == 0, r.stderr
    assert "NO HELPER" in r.stderr


_GONE = ("import sys, datetime as dt\n"
         "from pathlib import Path\n"
         "from rabiskit.render.writerprocess import WriterProcess\n"
         "from rabiskit.plan.load import default_plan\n"
         "from rabiskit.cli.common import make_inputs\n"
         "from rabiskit.report.run import scan_for_report, report_of\n"
         "out = Path(sys.argv[2])\n"
         "helper = WriterProcess.start(['.xlsx'])\n"
         "assert helper is not None\n"
         "helper.process.kill(); helper.process.join()\n"
         "plan = default_plan()\n"
         "rs = scan_for_report(make_inputs([sys.argv[1]], [], plan.levels()), plan, year=2026,\n"
         "                     today=dt.date(2026, 12, 31))\n"
         "done = helper.write(report_of(rs, plan, 'en', dt.date(2026, 12, 31)), [(out, '.xlsx')])\n"
         "print(done)\n")


def test_a_helper_that_is_gone_leaves_its_outputs_to_this_process(tmp_path):
    out = tmp_path / "r.xlsx"
    r = subprocess.run([sys.executable, "-c", _GONE, str(FIXTURE), str(out)], capture_output=True,
                       text=True, encoding="utf-8", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "None" in r.stdout and out.exists()
    assert _cells(out)  # a whole workbook


def test_no_helper_is_forked_beside_other_threads():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert WriterProcess.start([".xlsx"]) is None
    finally:
        stop.set()
        other.join()


def test_formats_without_a_helper_start_none():
    assert WriterProcess.start([".json", ".csv", ".html", ".md"]) is None
