"""``rabiskit report``: every format read back, numbers equal to ``rabiskit count``'s JSON
for the same input, plan and quarter; hostile record text inert; kk / ru / en headings;
the digitisation table from a hand-made digitisation result."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import lxml.html
import openpyxl
import pytest

from rabiskit.aggregate.count import Tally
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Scan
from rabiskit.plan.load import default_plan
from rabiskit.records.record import Field, Record
from rabiskit.report.messages import t
from rabiskit.report.document import build_report
from rabiskit.report.tables import digitisation_table
from rabiskit.render.outputs import check_outputs, write_output
from rabiskit.sources.iso2709_writer import encode_record

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
PLAN = default_plan()
FORMATS = ("xlsx", "docx", "html", "md", "csv", "json")
MEASURES = ("plan", "actual", "percent", "kazakh_plan", "kazakh_actual", "kazakh_share")


def need_fixtures() -> None:
    if not (FIXTURES / "unimarc-utf8.iso").exists():
        pytest.fail(f"the fixtures are missing from {FIXTURES}")


def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess."""
    proc = subprocess.run([sys.executable, "-m", "rabiskit", *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def count_json(inputs: list[str], *period: str) -> dict:
    return json.loads(cli("count", *inputs, *period, "--format", "json").stdout)


# -- reading the formats back ----------------------------------------------------------
def number(text: str | None) -> float | None:
    """'14,5% ▼' -> 14.5; '' -> None."""
    if text is None:
        return None
    s = re.sub(r"[▼▲%\s*]", "", text).replace(",", ".")
    return float(s) if s else None


def measures_of(labels: list[str], lang: str = "kk") -> list[str]:
    """Map the catalogue column labels back to measure keys."""
    names = {t(k, lang): m for k, m in (("c_plan", "plan"), ("c_actual", "actual"),
                                        ("c_percent", "percent"),
                                        ("c_kazakh_plan", "kazakh_plan"),
                                        ("c_kazakh_actual", "kazakh_actual"),
                                        ("c_kazakh_share", "kazakh_share"))}
    return [names[label] for label in labels]


def need_soffice() -> str:
    """LibreOffice's soffice (CI installs it: fail there when it is absent, skip elsewhere)."""
    exe = shutil.which("soffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing; .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def libreoffice(paths: list[Path], to: str, outdir: Path) -> list[Path]:
    """Convert files with headless LibreOffice (one run for all): 'xlsx' recalculates a
    workbook's formulas and stores their values, 'pdf' renders for print."""
    exe = need_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", to, "--outdir", str(outdir), *map(str, paths)],
                   capture_output=True, timeout=300, check=True)
    out = [outdir / (p.stem + "." + to) for p in paths]
    for o in out:
        assert o.exists(), f"LibreOffice wrote no {o}"
    return out


_RECALCULATED: dict[Path, Path] = {}


def recalculated(path: Path) -> Path:
    """The workbook with its formulas computed by LibreOffice (totals are formulas)."""
    if path not in _RECALCULATED:
        _RECALCULATED[path] = libreoffice([path], "xlsx", path.parent / f"recalc-{path.stem}")[0]
    return _RECALCULATED[path]


def read_xlsx(path: Path, lang: str = "kk") -> dict:
    """{block label: {row name: {measure: number}}} from the catalogue sheet (its totals
    computed by LibreOffice); percentages in percent units."""
    wb = openpyxl.load_workbook(recalculated(path), data_only=True)
    ws = wb[t("s_catalogue", lang)]
    groups, labels = [], []
    current = None
    for col in range(2, ws.max_column + 1):
        g = ws.cell(4, col).value
        current = g if g else current
        groups.append(current)
        labels.append(ws.cell(5, col).value)
    measures = measures_of(labels, lang)
    out: dict = {}
    row = 6
    while ws.cell(row, 1).value:
        name = ws.cell(row, 1).value
        for j, (g, m) in enumerate(zip(groups, measures), 2):
            c = ws.cell(row, j)
            v = c.value
            if v == "":
                v = None
            if v is not None and "%" in c.number_format:
                v = v * 100
            out.setdefault(g, {}).setdefault(name, {})[m] = v
        row += 1
    return out


def read_csv(path: Path) -> list[list[list[str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV must start with a UTF-8 BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    sections, cur = [], []
    for r in rows:
        if not r:
            sections.append(cur)
            cur = []
        else:
            cur.append(r)
    sections.append(cur)
    return sections


def csv_catalogue(path: Path, lang: str = "kk") -> dict:
    sec = next(s for s in read_csv(path) if s[0][0] == t("t_catalogue", lang))
    group_row, label_row = sec[1], sec[2]
    groups, current = [], None
    for g in group_row[1:]:
        current = g or current
        groups.append(current)
    measures = measures_of(label_row[1:], lang)
    out: dict = {}
    for r in sec[3:]:
        if len(r) < 2:
            continue  # a note
        for g, m, v in zip(groups, measures, r[1:]):
            out.setdefault(g, {}).setdefault(r[0], {})[m] = number(v)
    return out


def html_catalogue(path: Path, lang: str = "kk") -> dict:
    doc = lxml.html.fromstring(path.read_bytes())
    out: dict = {}
    for part in doc.xpath('//section[@id="catalogue"]//div[@class="part"]'):
        label = part.xpath('.//h3')[0].text_content()
        table = part.xpath('.//table')[0]
        labels = [th.text_content() for th in table.xpath('./thead/tr')[-1].xpath('./th')]
        measures = measures_of(labels[1:], lang)
        for tr in table.xpath('./tbody/tr'):
            tds = tr.xpath('./td')
            name = tds[0].text_content()
            for m, td in zip(measures, tds[1:]):
                v = number(td.text_content())
                if td.get("data-value") is not None:
                    assert abs(float(td.get("data-value")) - v) < 0.051
                out.setdefault(label, {}).setdefault(name, {})[m] = v
    return out


def docx_blocks(path: Path) -> list[tuple[str, object]]:
    """[(the heading before it, table)] in document order."""
    d = docx.Document(str(path))
    out, heading = [], ""
    tables = iter(d.tables)
    for el in d.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(x.text or "" for x in el.iter() if x.tag.endswith("}t"))
            style = el.xpath("./w:pPr/w:pStyle/@w:val")
            if style and style[0].startswith("Heading"):
                heading = text
        elif tag == "tbl":
            out.append((heading, next(tables)))
    return out


def docx_catalogue(path: Path, lang: str = "kk") -> dict:
    out: dict = {}
    labels_q = {t("quarter", lang, n=q) for q in range(1, 5)} | {t("year_to_date", lang)}
    for heading, table in docx_blocks(path):
        if heading not in labels_q:
            continue
        rows = table.rows
        measures = measures_of([c.text for c in rows[0].cells[1:]], lang)
        for r in rows[1:]:
            cells = [c.text for c in r.cells]
            for m, v in zip(measures, cells[1:]):
                out.setdefault(heading, {}).setdefault(cells[0], {})[m] = number(v)
    return out


def md_catalogue(path: Path, lang: str = "kk") -> dict:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {t('t_catalogue', lang)}")
    table = []
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        table.append(ln)
    header = [c.strip() for c in table[0].strip("|").split("|")]
    out: dict = {}
    for ln in table[2:]:
        cells = [c.strip().strip("*") for c in ln.strip("|").split("|")]
        for h, v in zip(header[1:], cells[1:]):
            g, label = h.split(": ", 1)
            m = measures_of([label], lang)[0]
            out.setdefault(g, {}).setdefault(cells[0], {})[m] = number(v)
    return out


READERS = {"xlsx": read_xlsx, "csv": csv_catalogue, "html": html_catalogue,
           "docx": docx_catalogue, "md": md_catalogue}


def expected(count: dict, lang: str = "kk") -> dict:
    """{row name: {measure: number}} from count's JSON."""
    out = {}
    for key, v in list(count["levels"].items()) + [("total", count["total"])]:
        name = t("total", lang) if key == "total" else PLAN.level_name(key, lang)
        share = None if not v["total"] else round(100 * v["kazakh"] / v["total"], 2)
        out[name] = {"plan": v["target"], "actual": v["total"], "percent": v["percent_done"],
                     "kazakh_plan": v["kazakh_target"], "kazakh_actual": v["kazakh"],
                     "kazakh_share": share}
    return out


def assert_same(got: dict, want: dict, where: str) -> None:
    for name, measures in want.items():
        assert name in got, f"{where}: no row {name!r} (rows: {list(got)})"
        for m, w in measures.items():
            g = got[name][m]
            if w is None:
                assert g in (None, ""), f"{where} {name} {m}: {g!r}, expected empty"
            else:
                tol = 0.051 if m in ("percent", "kazakh_share") else 0
                assert g is not None and abs(g - w) <= tol, f"{where} {name} {m}: {g} != {w}"


# -- the main check: every format equals count -----------------------------------------
INPUTS = [str(FIXTURES / "unimarc-utf8.iso"), str(FIXTURES / "marc21-utf8.mrc"),
          str(FIXTURES / "damaged.iso"), "--db", "local_lore", str(FIXTURES / "local-lore.iso")]


@pytest.fixture(scope="module")
def year_report(tmp_path_factory) -> Path:
    need_fixtures()
    out = tmp_path_factory.mktemp("year")
    args = ["report", *INPUTS, "--as-of", "2027-01-15"]  # the year is over: all of it
    for f in FORMATS:
        args += ["-o", str(out / f"report.{f}")]
    proc = cli(*args)
    assert proc.stdout.count("wrote ") == len(FORMATS)
    return out


@pytest.fixture(scope="module")
def counts() -> dict:
    need_fixtures()
    out = {str(q): count_json(INPUTS, "--quarter", str(q)) for q in range(1, 5)}
    out["ytd"] = count_json(INPUTS, "--from", "2026-01-01", "--to", "2026-12-31")
    return out


def test_json_equals_count(year_report, counts):
    data = json.loads((year_report / "report.json").read_text(encoding="utf-8"))
    assert data["period"]["quarters"] == [1, 2, 3, 4]
    for q in "1234":
        assert data["quarters"][q]["levels"] == counts[q]["levels"]
        assert data["quarters"][q]["total"] == counts[q]["total"]
    assert data["year_to_date"]["levels"] == counts["ytd"]["levels"]
    assert data["year_to_date"]["total"] == counts["ytd"]["total"]
    assert data["levels"] == counts["ytd"]["levels"]
    assert data["all_levels"] == counts["ytd"]["all_levels"]
    assert {k: data["records"][k] for k in counts["ytd"]["records"]} == counts["ytd"]["records"]
    assert data["records"]["after_as_of"] == 0
    assert data["problems"] == counts["ytd"]["problems"]
    assert data["undated"] == counts["ytd"]["undated"]
    assert data["total"]["total"] > 100  # the fixtures really were counted
    planned = ("book", "article", "local_lore")
    assert data["total"]["total"] == sum(v["total"] for lv, v in data["levels"].items()
                                         if lv in planned) < data["all_levels"]["total"]
    # months add up to the year's total, per level
    for lv, v in counts["ytd"]["levels"].items():
        assert sum(m.get(lv, 0) for m in data["months"].values()) == v["total"]
    assert set(data) >= {"header", "kazakh_share", "digitisation", "months", "problems"}
    files = {f["file"]: f for f in data["header"]["files"]}
    assert files[str(FIXTURES / "local-lore.iso")]["db_level"] == "local_lore"
    assert files[str(FIXTURES / "unimarc-utf8.iso")]["records"] == 301


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html", "docx", "md"])
def test_format_equals_count(year_report, counts, fmt):
    got = READERS[fmt](year_report / f"report.{fmt}")
    for q in range(1, 5):
        assert_same(got[t("quarter", "kk", n=q)], expected(counts[str(q)]), f"{fmt} Q{q}")
    assert_same(got[t("year_to_date", "kk")], expected(counts["ytd"]), f"{fmt} year to date")


def test_xlsx_and_docx_layout(year_report):
    path = year_report / "report.xlsx"
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    handin = [t(k, "kk") for k in ("s_control", "s_records", "s_subtotal", "s_digitisation_plan",
                                   "s_annual_statistics")]
    assert names[:5] == handin and names[5] == t("s_about", "kk")
    assert names[6:10] == [t(k, "kk") for k in ("s_catalogue", "s_chart", "s_kazakh_share",
                                                "s_months")]
    # the appendix sheets last
    assert names.index(t("s_files", "kk")) > names.index(t("s_months", "kk"))
    assert names[-1] == t("s_problems", "kk")
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        # printed at 8 points or more: 9-point text at a scale of at least 89 %
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.scale * 9 / 100 >= 8, (ws.title, ws.page_setup.scale)
    cat = wb[t("s_catalogue", "kk")]
    assert cat.freeze_panes == "B6"
    assert cat.column_dimensions["A"].width >= 10
    assert isinstance(cat["B6"].value, int) and cat["D6"].number_format.startswith("0.0%")
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode("utf-8")
    # horizontal bars: the level and quarter labels are read, never rotated
    assert "<barChart>" in xml and xml.count("<ser>") == 2 and "<barDir val=\"bar\"/>" in xml
    chart_ws = wb[t("s_chart", "kk")]
    data = json.loads((year_report / "report.json").read_text(encoding="utf-8"))
    plan_q1 = data["quarters"]["1"]["levels"]["article"]["target"]
    actual_q1 = data["quarters"]["1"]["levels"]["article"]["total"]
    row = next(r for r in chart_ws.iter_rows(min_row=4, values_only=True)
               if r[0] == f"{PLAN.level_name('article')} — {t('quarter', 'kk', n=1)}")
    assert row[1:3] == (plan_q1, actual_q1)

    about = {r[0]: r[1] for r in wb[t("s_about", "kk")].iter_rows(values_only=True) if r[0]}
    assert about[t("records_read", "kk")] == data["records"]["read"]  # a number, not text
    assert about[t("year", "kk")] == 2026

    d = docx.Document(str(year_report / "report.docx"))
    sec = d.sections[0]
    assert sec.page_width > sec.page_height  # landscape
    assert abs(sec.page_width.mm - 297) < 1 and abs(sec.page_height.mm - 210) < 1
    blocks = docx_blocks(year_report / "report.docx")
    headings = [h for h, _ in blocks]
    assert t("t_kazakh_share", "kk") in headings and t("t_months", "kk") in headings
    q1 = next(tb for h, tb in blocks if h == t("quarter", "kk", n=1))
    assert q1.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # header row repeats on every page


def test_quarter_report_equals_count(tmp_path, counts):
    out = tmp_path / "q2.json"
    xlsx = tmp_path / "q2.xlsx"
    cli("report", *INPUTS, "--quarter", "2", "-o", str(out), "-o", str(xlsx),
        "--as-of", "2026-11-29")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["period"]["quarter"] == 2 and list(data["quarters"]) == ["2"]
    assert data["levels"] == counts["2"]["levels"] and data["total"] == counts["2"]["total"]
    want = dict(counts["2"]["records"])
    # the records dated after the as-of date (29.11.2026) are counted apart
    after = data["records"]["after_as_of"]
    assert after > 0 and data["records"]["outside_period"] + after == want.pop("outside_period")
    assert {k: data["records"][k] for k in want} == want
    ytd = count_json(INPUTS, "--from", "2026-01-01", "--to", "2026-06-30")
    assert data["year_to_date"]["levels"] == ytd["levels"]
    assert data["year_to_date"]["quarters"] == [1, 2]
    assert set(data["months"]) == {"2026-04", "2026-05", "2026-06"}
    got = read_xlsx(xlsx)
    assert set(got) == {t("quarter", "kk", n=2), t("year_to_date", "kk")}
    assert_same(got[t("quarter", "kk", n=2)], expected(counts["2"]), "xlsx Q2")
    assert_same(got[t("year_to_date", "kk")], expected(ytd), "xlsx Q1-Q2")


def unimarc(ident: str, title: str, date: str | None, lang: str = "kaz", status: str = "n",
            level: str = "m") -> Record:
    fields = [Field("001", data=ident)]
    if date:
        fields.append(Field("100", ind1=" ", ind2=" ",
                            subfields=[("a", f"{date}d2025    k  y0kazy50      ca")]))
    fields += [Field("101", ind1="0", ind2=" ", subfields=[("a", lang)]),
               Field("200", ind1="1", ind2=" ", subfields=[("a", title)])]
    return Record(f"00000{status}a{level}0 2200000   450 ", fields)


def test_year_to_date_stops_at_the_latest_quarter(tmp_path):
    """Without --quarter: the year to date, ending on the as-of date; the quarters that
    have started count with their whole targets."""
    src = tmp_path / "h1.iso"
    recs = [unimarc(f"R{i}", f"Кітап {i}", d, "kaz" if i % 3 else "rus")
            for i, d in enumerate(["20260105", "20260214", "20260331", "20260401", "20260503",
                                   "20250510"])]
    src.write_bytes(b"".join(encode_record(r) for r in recs))
    out = tmp_path / "r.json"
    cli("report", str(src), "-o", str(out), "--as-of", "2026-05-10")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["period"]["quarters"] == [1, 2] and data["period"]["end"] == "2026-05-10"
    assert data["period"]["cut_at_as_of"] and data["period"]["quarters_end"] == "2026-06-30"
    ytd = count_json([str(src)], "--from", "2026-01-01", "--to", "2026-05-10")
    assert {lv: v["total"] for lv, v in data["levels"].items()} == \
        {lv: v["total"] for lv, v in ytd["levels"].items()}
    assert data["total"]["total"] == 5
    # Q1 and the started Q2 count with their whole targets
    assert data["levels"]["book"]["target"] == 50 + 40
    assert data["total"]["target"] == 296 + 286
    assert data["quarters"]["1"]["total"]["total"] == 3
    assert data["quarters"]["2"]["levels"]["book"]["target"] == 40
    # a later run date moves the period on, with no new records
    cli("report", str(src), "-o", str(out), "--as-of", "2026-08-01")
    assert json.loads(out.read_text(encoding="utf-8"))["period"]["quarters"] == [1, 2, 3]


# -- safety ----------------------------------------------------------------------------
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx",
           "<script>alert(1)</script>", "\rCR"]
#: the titles as the facts extraction gives them (surrounding blanks are trimmed); a
#: leading tab or CR is tested on the renderers directly (test_hostile_cells_direct)
TITLES = [x.strip() for x in HOSTILE]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    """Undated and deleted records with hostile titles (so the appendix lists them), read
    from a file whose name is itself markup, in every format."""
    out = tmp_path_factory.mktemp("hostile")
    src = out / "<b>=1+1.iso"
    recs = [unimarc(f"H{i}", title, None) for i, title in enumerate(HOSTILE)]
    recs += [unimarc("D1", "=1+2", "20260301", status="d"),
             unimarc("OK", "Кітап", "20260302")]
    src.write_bytes(b"".join(encode_record(r) for r in recs))
    args = ["report", str(src), "--as-of", "2026-11-29"]
    for f in FORMATS:
        args += ["-o", str(out / f"h.{f}")]
    cli(*args)
    return out


def test_hostile_xlsx(hostile_report):
    path = hostile_report / "h.xlsx"
    # the only formulas are the report's own: totals over cells and ratios of cells
    own = re.compile(r'^(SUM\(([A-Z]+[0-9]+,)*[A-Z]+[0-9]+\)|'
                     r'IF\(N\([A-Z]+[0-9]+\)=0,(&quot;&quot;|""),[A-Z]+[0-9]+/[A-Z]+[0-9]+\))$')
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                for f in re.findall(r"<f>(.*?)</f>", z.read(name).decode("utf-8")):
                    assert own.match(f), f"a formula {f!r} in {name}"
    wb = openpyxl.load_workbook(path)
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    continue  # checked above
                if isinstance(c.value, str):
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    if c.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert c.quotePrefix, (ws.title, c.coordinate, c.value)
                    found.add(c.value)
    for title in TITLES + ["=1+2"]:
        assert title in found, title
    assert any("<b>=1+1.iso" in v for v in found)


def test_hostile_csv(hostile_report):
    fields = [f for sec in read_csv(hostile_report / "h.csv") for row in sec for f in row]
    for title in TITLES + ["=1+2"]:
        if title.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert "'" + title in fields, title
            assert title not in fields
        else:
            assert title in fields
    for f in fields:
        assert not f.startswith(("=", "+", "@", "\t", "\r")), f
        assert not f.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", f), f


def test_hostile_html(hostile_report):
    text = (hostile_report / "h.html").read_text(encoding="utf-8")
    doc = lxml.html.fromstring(text)
    assert doc.xpath('//script') == [] and doc.xpath('//b') == []
    cells = [td.text_content() for td in doc.xpath('//section[@id="problems"]//td')]
    assert "<script>alert(1)</script>" in cells
    assert any("<b>=1+1.iso" in c for c in doc.xpath("//td/text()"))
    assert "&lt;script&gt;" in text
    # self-contained: nothing to load
    assert doc.xpath("//@src | //@href | //link | //iframe | //object | //embed") == []
    assert "url(" not in text and "@import" not in text


def test_hostile_docx_and_md(hostile_report):
    d = docx.Document(str(hostile_report / "h.docx"))
    texts = {c.text for tb in d.tables for r in tb.rows for c in r.cells}
    for title in TITLES:
        assert title in texts, title
    md = (hostile_report / "h.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    data = json.loads((hostile_report / "h.json").read_text(encoding="utf-8"))
    assert [u["title"] for u in data["undated"]] == TITLES
    assert [d["title"] for d in data["deleted"]] == ["=1+2"]


def test_hostile_cells_direct(tmp_path):
    """Any text cell, whatever table it is in, stays text in every format."""
    from rabiskit.report.table import Cell, Column, Row, Table

    report = build_report(Tally(Period.for_year(2026)), Scan(), PLAN,
                          Period.for_quarter(2026, 1), "en")
    texts = HOSTILE + ["\x07bell", "a\nb"]
    report.tables.append(Table("hostile", "=Hostile", [Column("text", "@label")],
                               [Row(str(i), [Cell(x, untrusted=True)])
                                for i, x in enumerate(texts)], notes=["-note"],
                               part="appendix"))
    paths = {f: tmp_path / f"x.{f}" for f in FORMATS}
    for f, p in paths.items():
        write_output(report, p)
    ws = openpyxl.load_workbook(paths["xlsx"])["hostile"]
    values = [ws.cell(r, 1).value for r in range(5, 5 + len(texts))]
    assert values == [x.replace("\x07", "\ufffd") for x in texts]
    assert ws["A1"].value == "=Hostile" and ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    assert all(ws.cell(r, 1).data_type == "s" for r in range(5, 5 + len(texts)))
    sec = next(s for s in read_csv(paths["csv"]) if s[0][0] == "'=Hostile")
    assert sec[1] == ["'@label"]
    assert [r[0] for r in sec[2:2 + len(texts)]] == [
        "'" + x if x[0] in "=+-@\t\r" else x for x in texts]
    assert sec[-1] == ["'-note"]
    d = docx.Document(str(paths["docx"]))
    cells = [c.text for c in d.tables[-1].rows[1].cells] + [r.cells[0].text for r in d.tables[-1].rows]
    assert "\tx" in cells and "<script>alert(1)</script>" in cells
    html = lxml.html.fromstring(paths["html"].read_bytes())
    assert html.xpath("//script") == []
    tds = [td.text_content() for td in html.xpath('//section[@id="hostile"]//td')]
    assert "<script>alert(1)</script>" in tds and "\rCR" in tds or "\nCR" in tds


# -- languages -------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_languages(tmp_path, lang):
    need_fixtures()
    outs = [tmp_path / f"r.{f}" for f in ("xlsx", "docx", "html", "md", "csv")]
    args = ["report", str(FIXTURES / "unimarc-utf8.iso"), "--lang", lang, "--quarter", "1"]
    for o in outs:
        args += ["-o", str(o)]
    cli(*args)
    title = t("t_catalogue", lang)
    others = [t("t_catalogue", x) for x in ("kk", "ru", "en") if x != lang]
    wb = openpyxl.load_workbook(outs[0])
    assert wb.sheetnames[0] == t("s_control", lang)
    assert wb[t("s_catalogue", lang)]["A1"].value == title
    headings = [p.text for p in docx.Document(str(outs[1])).paragraphs
                if p.style.name.startswith("Heading")]
    assert title in headings and t("t_problems", lang) in headings
    html = lxml.html.fromstring(outs[2].read_bytes())
    assert html.get("lang") == {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}[lang]
    assert title in [h.text_content() for h in html.xpath('//h2')]
    assert PLAN.level_name("article", lang) in html.text_content()
    md = outs[3].read_text(encoding="utf-8")
    assert f"## {title}" in md
    csv_text = outs[4].read_bytes().decode("utf-8-sig")
    assert title in csv_text
    for text in (md, csv_text, html.text_content()):
        assert not any(o in text for o in others)
    got = READERS["xlsx"](outs[0], lang)
    assert t("quarter", lang, n=1) in got


# -- digitisation (a hand-made result of the digitisation module's JSON shape) ---------
DIGITISATION = {
    "period": {"year": 2026, "quarter": 1},
    "types": {
        "newspaper_article": {"documents": 3, "pages": 7, "kazakh_documents": 2, "kazakh_pages": 5,
                              "target_documents": 3, "target_pages": 8,
                              "target_kazakh_documents": 2, "target_kazakh_pages": 5},
        "journal_article": {"documents": 2, "pages": 4, "kazakh_documents": 0, "kazakh_pages": 0,
                            "target_documents": 1, "target_pages": 3,
                            "target_kazakh_documents": 0, "target_kazakh_pages": 3},
        "book": {"documents": 0, "pages": 0, "kazakh_documents": 0, "kazakh_pages": 0,
                 "target_documents": 0, "target_pages": 0, "target_kazakh_documents": 0,
                 "target_kazakh_pages": 0},
    },
    "total": {"documents": 5, "pages": 11, "kazakh_documents": 2, "kazakh_pages": 5,
              "target_documents": 4, "target_pages": 11, "target_kazakh_documents": 2,
              "target_kazakh_pages": 8},
    "missing_pdfs": [{"file": "a.iso", "record": 3, "id": "X3", "link": "=evil.pdf"}],
    "orphan_pdfs": [{"file": "<i>orphan</i>.pdf", "pages": 2}],
    "page_mismatches": [], "problems": [],
}


def test_digitisation_table():
    tb = digitisation_table(DIGITISATION, "kk")
    keys = [r.key for r in tb.rows]
    assert keys == ["newspaper_article", "journal_article", "book", "total"]
    row = {c.key: cell for c, cell in zip(tb.columns, tb.rows[0].cells)}
    assert row["documents"].value == 3 and row["documents_plan"].value == 3
    assert row["pages"].value == 7 and row["pages"].flag == "shortfall"
    assert row["pages_percent"].value == 87.5
    journal = {c.key: cell for c, cell in zip(tb.columns, tb.rows[1].cells)}
    assert journal["documents"].flag == "surplus" and journal["documents_percent"].value == 200.0
    book = {c.key: cell for c, cell in zip(tb.columns, tb.rows[2].cells)}
    assert book["documents_percent"].value is None and book["documents"].flag is None
    total = {c.key: cell for c, cell in zip(tb.columns, tb.rows[3].cells)}
    assert total["pages"].value == 11 and total["kazakh_pages_plan"].value == 8
    assert tb.rows[0].cells[0].value == "Газет мақалалары"
    assert digitisation_table(DIGITISATION, "ru").rows[0].cells[0].value == "Газетные статьи"


def test_digitisation_in_every_format(tmp_path):
    tally = Tally(Period.for_year(2026))
    report = build_report(tally, Scan(), PLAN, Period.for_quarter(2026, 1), "en",
                          digitisation=DIGITISATION)
    assert report.has_table("digitisation") and report.has_table("digitisation_issues")
    paths = [tmp_path / f"d.{f}" for f in FORMATS]
    for p, fmt in check_outputs(paths):
        write_output(report, p, fmt)
    data = json.loads(paths[5].read_text(encoding="utf-8"))
    assert data["digitisation"]["total"]["pages"] == 11
    wb = openpyxl.load_workbook(paths[0])
    ws = wb[t("s_digitisation", "en")]
    labels = [ws.cell(4, j).value for j in range(1, ws.max_column + 1)]
    rows = {ws.cell(r, 1).value: [ws.cell(r, j).value for j in range(1, ws.max_column + 1)]
            for r in range(5, 9)}
    assert rows["Newspaper articles"][labels.index("Pages: actual")] == 7
    assert rows["Total"][labels.index("Documents: plan")] == 4
    assert abs(rows["Journal articles"][labels.index("Documents: % done")] - 2.0) < 1e-9
    blocks = docx_blocks(paths[1])
    dig = next(tb for h, tb in blocks if h == t("t_digitisation", "en"))
    assert [c.text for c in dig.rows[4].cells][:3] == ["Total", "4", "5 ▲"]
    html = lxml.html.fromstring(paths[2].read_bytes())
    tr = html.xpath('//section[@id="digitisation"]//tr[@data-row="total"]/td')
    assert [td.text_content() for td in tr][:4] == ["Total", "4", "5▲", "125.0%▲"]
    issues = [td.text_content() for td in html.xpath('//section[@id="digitisation_issues"]//td')]
    assert any("<i>orphan</i>.pdf" in x for x in issues) and not html.xpath('//i')
    md = paths[3].read_text(encoding="utf-8")
    assert "| **Total** | **4** | **5 ▲** | **125.0% ▲** |" in md
    sec = next(s for s in read_csv(paths[4]) if s[0][0] == t("t_digitisation", "en"))
    assert sec[5][:4] == ["Total", "4", "5", "125.0"]
    issues_sec = next(s for s in read_csv(paths[4]) if s[0][0] == t("t_digitisation_issues", "en"))
    assert all(not f.startswith("=") for r in issues_sec for f in r)


def test_no_digitisation_table_without_a_result():
    report = build_report(Tally(Period.for_year(2026)), Scan(), PLAN,
                          Period.for_quarter(2026, 1), "kk")
    assert not report.has_table("digitisation") and "digitisation" not in report.data


# -- the command line ------------------------------------------------------------------
def test_unknown_extension_is_refused_before_reading(tmp_path):
    proc = cli("report", str(tmp_path / "does-not-exist.iso"), "-o", str(tmp_path / "r.pdf"),
               ok=False)
    assert proc.returncode == 2
    assert "unknown report format '.pdf'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_command_line_errors(tmp_path):
    need_fixtures()
    src = str(FIXTURES / "unimarc-utf8.iso")
    for args, message in (([src], "at least one output"),
                          # --lang is the global option now: "de: unknown language…", in
                          # the language of the system
                          ([src, "-o", str(tmp_path / "a.md"), "--lang", "de"], "de: "),
                          ([src, "-o", str(tmp_path / "a.md"), "-o", str(tmp_path / "a.md")],
                           "given twice"),
                          ([str(tmp_path / "missing.iso"), "-o", str(tmp_path / "a.md")],
                           "file not found"),
                          ([src, "-o", str(tmp_path / "a.md"), "--as-of", "2026-13-01"],
                           "--as-of")):
        proc = cli("report", *args, ok=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "a.md").exists()


# -- digitisation from the real module, in the same scan as the counts ----------------
DIG = FIXTURES / "digitisation"


@pytest.mark.parametrize("quarter", [None, "1", "2"])
def test_digitisation_equals_digitisation_command(tmp_path, quarter):
    if not (DIG / "pdfs").is_dir():
        pytest.fail(f"the digitisation fixtures are missing from {DIG}")
    pytest.importorskip("rabiskit.digitisation")
    inputs = [str(DIG / n) for n in ("unimarc-utf8.iso", "unimarc-kz1048.iso",
                                     "unimarc-cp1251.iso", "marc21-utf8.mrc", "marc21.xml")]
    common = ["--plan", str(DIG / "plan-newspapers.toml"), "--pdf-dir", str(DIG / "pdfs"),
              "--log", str(DIG / "log.csv")] + (["--quarter", quarter] if quarter else [])
    want = json.loads(cli("digitisation", *inputs, *common, "--format", "json").stdout)
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    cli("report", *inputs, *common, "--as-of", "2027-01-15", "-o", str(out), "-o", str(html))
    got = json.loads(out.read_text(encoding="utf-8"))["digitisation"]
    for key in ("period", "types", "total"):
        assert got[key] == want[key], key
    # the report's checks are the period's: the items of the period's documents
    inside = {(d["file"], d["record"], d.get("line")) for d in want["documents"] if d["in_period"]}
    for key in ("missing_pdfs", "page_mismatches"):
        assert got[key] == [x for x in want[key] if (x["file"], x["record"], x.get("line")) in inside]
        assert got[f"{key}_outside_period"] == len(want[key]) - len(got[key])
    assert want["total"]["documents"] > 0
    doc = lxml.html.fromstring(html.read_bytes())
    row = doc.xpath('//section[@id="digitisation"]//tr[@data-row="total"]/td')
    cols = [th.get("data-col") for th in doc.xpath('//section[@id="digitisation"]//thead/tr/th')]
    assert number(row[cols.index("documents")].text_content()) == want["total"]["documents"]
    assert number(row[cols.index("pages")].text_content()) == want["total"]["pages"]
