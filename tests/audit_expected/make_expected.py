"""Build the expected outputs of ``rabiskit audit`` that tests/test_audit_outputs.py compares
with: JSON, CSV and the XLSX workbook (read back as cell values) for the fixture and corpus
cases of ``CASES``.

They were written by the audit as it was before the streaming rewrite (run this from a
checkout of that code: ``python tests/audit_expected/make_expected.py``), so the rewrite is
checked against outputs it did not produce.  One fix was applied to that code first: a
record listing one ISBN twice (ISBN-10 and ISBN-13 of the same book) was reported as a
"duplicate" of no other record (69 such findings in the corpus).  Regenerate only when a
change of the outputs is intended.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CORPUS_REL = "../shared/corpus"
TODAY = "2026-06-30"

AUDIT_FIXTURES = ["seeded.iso", "seeded-b.iso", "seeded-marc21.mrc", "seeded-damaged.iso",
                  "clean-kk-utf8.iso", "clean-kk-kz1048.iso", "clean-ru-utf8.iso",
                  "clean-ru-cp1251.iso", "language-labelled.iso", "share.iso"]
TOP_FIXTURES = ["damaged.iso", "hostile.iso", "local-lore.iso", "marc21-marc8.mrc",
                "marc21-utf8.mrc", "marcxchange.xml", "marcxml-default-ns.xml",
                "marcxml-single.xml", "marcxml-slim.xml", "rusmarc-cp1251.iso",
                "rusmarc-cp866.iso", "unimarc-kz1048.iso", "unimarc-utf8.iso"]


#: corpus files holding no record at all: an input error that stops the whole audit
NO_RECORDS = {"NatLibFi_marc-record-serializers/erroneous", "edsu_pymarc/bad.dat",
              "deutsche-nationalbibliothek_marc21-rs/minimized-from-aecc1347e00fcd69ba8213d26dc723ee6e0276c9",
              "deutsche-nationalbibliothek_marc21-rs/minimized-from-d76e011fc61ce3e87731b08b6d1183368e5a0237",
              "gmcharlt_marc-perl/farsi.marc", "gmcharlt_marc-perl/empty-record-2.xml",
              "gmcharlt_marc-perl/empty-record.xml", "gmcharlt_marc-perl/invalid.xml",
              "isergey_libcms/wrong_records.mrc"}


def corpus_files() -> list[str]:
    """Every file of the corpus but its notes and the files with no record, in a fixed
    order, relative to the repo."""
    root = REPO / CORPUS_REL
    return sorted(str(Path(CORPUS_REL) / p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() not in (".md", ".txt")
                  and p.relative_to(root).as_posix() not in NO_RECORDS)


def cases() -> dict[str, list[str]]:
    audit = [f"fixtures/audit/{n}" for n in AUDIT_FIXTURES]
    top = [f"fixtures/{n}" for n in TOP_FIXTURES]
    return {
        "fixtures-audit": [*audit, "--today", TODAY],
        "fixtures-audit-only-period": [*audit, "--today", TODAY, "--only-period",
                                       "--quarter", "2", "--year", "2026"],
        "fixtures-top": [*top, "--today", TODAY],
        "corpus": [*corpus_files(), "--today", TODAY],
    }


def needs_corpus(name: str) -> bool:
    return name == "corpus"


def run(args: list[str], repo: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rabiskit", "audit", *args], cwd=repo,
                          capture_output=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8",
                               "COLUMNS": "200", "RABISKIT_LANG": "en"})


def workbook_cells(path: Path) -> dict:
    """A workbook as data: per sheet its cells (value, type, quote prefix), frozen panes,
    filter range and column widths."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "rows": [[[c.value, c.data_type, bool(c.quotePrefix), bool(c.font and c.font.b),
                       c.number_format] for c in row] for row in ws.iter_rows()],
            "freeze_panes": ws.freeze_panes,
            "auto_filter": ws.auto_filter.ref,
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items())
                       if d.width},
        }
    return out


def outputs(args: list[str], repo: Path = REPO) -> dict:
    """What the audit writes for ``args``: exit codes, the JSON, the CSV and the workbook."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        j = run([*args, "-o", str(t / "a.json")], repo)
        c = run([*args, "-o", str(t / "a.csv")], repo)
        x = run([*args, "-o", str(t / "a.xlsx")], repo)
        s = run([*args, "--format", "json"], repo)
        text = (t / "a.json").read_text("utf-8")
        return {"exit": [j.returncode, c.returncode, x.returncode, s.returncode],
                "json": text,
                "stdout_json": True if s.stdout.decode("utf-8") == text else s.stdout.decode(),
                "csv": (t / "a.csv").read_text("utf-8"),
                "xlsx": workbook_cells(t / "a.xlsx")}


def main() -> None:
    repo = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO
    for name, args in cases().items():
        data = outputs(args, repo)
        with gzip.open(HERE / f"{name}.json.gz", "wt", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, sort_keys=True)
        print(name, data["exit"], len(data["json"]), file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("RABISKIT_LANG", "en")
    main()
