"""The report the methodologist hands in: the plan's own tables (the seed's sections II and
V) with the actual beside the plan, totals over the planned levels, one rounding shown
the same in every format, the period ending on the as-of date, the formal heading,
signature lines, page numbers, the document language, and no English in a Kazakh or
Russian report.

The input is written by hand (real ISO 2709 bytes), and every expected figure below is
worked out by hand from it, not by the code under test:

* 2025: 12 books (7 in Kazakh), 3 articles (1)               -> last year: 15, 8 in Kazakh
* Q1 2026: 10 books (6)
* Q2 2026: 139 books (95), 151 articles (94), 16 local-lore records (1, from a file given
  with --db local_lore), 5 periodicals (3)
* Q3 2026 up to 15.08.2026: 20 books (11), the last one dated 15.08.2026 itself
* after 15.08.2026: 4 books on 01.09.2026 and 3 on 20.12.2026 (7 records after the as-of)
* 2 records marked deleted, last changed (005) in March 2026

Shares: books 95/139 = 68.345 % -> 68.3 %; articles 94/151 = 62.252 % -> 62.3 %; local lore
1/16 = 6.25 % -> 6.3 % (half up; a float rounded to even would give 6.2); Q2 planned
levels 306 (95 + 94 + 1 = 190 in Kazakh) against the Q2 plan of 286: 107.0 %.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import lxml.html
import openpyxl
import pytest
from test_report import cli, docx_blocks, libreoffice, need_soffice, recalculated, unimarc

from rabiskit.records.record import Field, Record
from rabiskit.report.messages import t
from rabiskit.sources.iso2709_writer import encode_record

AS_OF = "2026-08-15"
FORMATS = ("xlsx", "docx", "html", "md", "csv", "json")


def record(ident: str, date: str, lang: str, level: str = "m", status: str = "n",
           changed: str | None = None) -> Record:
    rec = unimarc(ident, f"Жазба {ident}", date, lang, status=status, level=level)
    if changed:
        rec.fields.insert(1, Field("005", data=changed))
    return rec


def batch(prefix: str, n: int, kazakh: int, dates: list[str], level: str = "m") -> list[Record]:
    """``n`` records, the first ``kazakh`` in Kazakh, the others in Russian; dates cycle."""
    return [record(f"{prefix}{i:04d}", dates[i % len(dates)], "kaz" if i < kazakh else "rus",
                   level) for i in range(n)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("handin")
    main = batch("1", 12, 7, ["20250310", "20251105"])
    main += batch("2", 3, 1, ["20250620"], "a")
    main += batch("3", 10, 6, ["20260115", "20260302"])
    main += batch("4", 139, 95, ["20260402", "20260515", "20260630"])
    main += batch("5", 151, 94, ["20260410", "20260601"], "a")
    main += batch("6", 5, 3, ["20260520"], "s")
    main += batch("7", 19, 10, ["20260710", "20260801"]) + [record("70019", "20260815", "kaz")]
    main += batch("8", 4, 0, ["20260901"]) + batch("9", 3, 0, ["20261220"])
    main += [record("D0001", "20260110", "kaz", status="d", changed="20260310101500.0"),
             record("D0002", "20260111", "rus", status="d", changed="20260312101500.0")]
    lore = batch("L", 16, 1, ["20260405", "20260610"])
    a, b = d / "каталог.iso", d / "өлке.iso"
    a.write_bytes(b"".join(encode_record(r) for r in main))
    b.write_bytes(b"".join(encode_record(r) for r in lore))
    return [str(a), "--db", "local_lore", str(b)]


def report(tmp: Path, inputs: list[str], *args: str, formats=FORMATS, name="r") -> dict[str, Path]:
    paths = {f: tmp / f"{name}.{f}" for f in formats}
    cli("report", *inputs, "--as-of", AS_OF, *args, *[x for p in paths.values() for x in ("-o", str(p))])
    return paths


@pytest.fixture(scope="module")
def q2(tmp_path_factory, inputs) -> dict[str, Path]:
    return report(tmp_path_factory.mktemp("q2"), inputs, "--quarter", "2")


@pytest.fixture(scope="module")
def ytd(tmp_path_factory, inputs) -> dict[str, Path]:
    return report(tmp_path_factory.mktemp("ytd"), inputs)


@pytest.fixture(scope="module")
def ru(tmp_path_factory, inputs) -> dict[str, Path]:
    return report(tmp_path_factory.mktemp("ru"), inputs, "--lang", "ru")


def html_text(path: Path) -> str:
    """The page's visible text, a space between elements (no styles, no title)."""
    body = lxml.html.fromstring(path.read_bytes()).xpath("//body")[0]
    return " ".join(x.strip() for x in body.itertext() if x.strip())


def data_of(paths) -> dict:
    return json.loads(paths["json"].read_text(encoding="utf-8"))


# -- the numbers ---------------------------------------------------------------------------
def test_total_covers_the_planned_levels(q2):
    data = data_of(q2)
    assert data["total"]["total"] == 306 and data["total"]["kazakh"] == 190
    assert data["total"]["target"] == 286 and data["total"]["percent_done"] == 107.0
    assert data["total"]["levels"] == ["article", "local_lore", "book"]
    assert data["all_levels"]["total"] == 311 and data["all_levels"]["kazakh"] == 193
    assert data["levels"]["periodical"]["total"] == 5
    assert data["records"]["in_period"] == 311 and data["records"]["in_period_planned_levels"] == 306


def test_one_rounding_half_up_in_the_json(q2):
    levels = data_of(q2)["levels"]
    assert levels["book"]["kazakh_share"] == 0.683
    assert levels["article"]["kazakh_share"] == 0.623
    assert levels["local_lore"]["kazakh_share"] == 0.063  # 6.25 % half up
    assert levels["book"]["percent_done"] == 347.5  # 139 / 40
    assert levels["article"]["percent_done"] == 68.3  # 151 / 221 = 68.33 %
    assert levels["local_lore"]["percent_done"] == 64.0


def test_the_same_figure_in_every_format(q2, tmp_path):
    """68.3 %, 62.3 % and 6.3 % in the catalogue table of every format (XLSX as LibreOffice
    shows it: the exact value under a one-decimal format)."""
    want = {"Кітап": "68,3", "Мақала": "62,3", "Өлкетану": "6,3"}
    share_col = t("c_kazakh_share", "kk")
    # HTML
    doc = lxml.html.fromstring(q2["html"].read_bytes())
    for name, figure in want.items():
        tds = doc.xpath(f'//section[@id="kazakh_share"]//tr[td[1]="{name}"]/td')
        cols = [th.text_content() for th in doc.xpath('//section[@id="kazakh_share"]//thead/tr/th')]
        assert tds[cols.index(share_col)].text_content().startswith(figure + "%"), name
    # DOCX
    blocks = docx_blocks(q2["docx"])
    share = next(tb for h, tb in blocks if h == t("t_kazakh_share", "kk"))
    header = [c.text for c in share.rows[0].cells]
    for r in share.rows[1:]:
        cells = [c.text for c in r.cells]
        if cells[0] in want:
            assert cells[header.index(share_col)].startswith(want[cells[0]] + "%"), cells
    # Markdown
    md = q2["md"].read_text(encoding="utf-8")
    for name, figure in want.items():
        line = next(ln for ln in md.splitlines() if ln.startswith(f"| {name} |") and "%" in ln
                    and f"{figure}%" in ln)
        assert line
    # CSV: the number as shown (percent units)
    text = q2["csv"].read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    start = rows.index([t("t_kazakh_share", "kk")])
    header = rows[start + 1]
    got = {r[0]: r[header.index(share_col)] for r in rows[start + 2:start + 12] if len(r) > 3}
    assert got["Кітап"] == "68.3" and got["Мақала"] == "62.3" and got["Өлкетану"] == "6.3"
    # XLSX: the exact share, shown as LibreOffice shows it
    wb = openpyxl.load_workbook(q2["xlsx"])
    ws = wb[t("s_kazakh_share", "kk")]
    exact = {ws.cell(r, 1).value: ws.cell(r, 4).value for r in range(6, ws.max_row + 1)}
    assert abs(exact["Кітап"] - 95 / 139) < 1e-12
    html = libreoffice([q2["xlsx"]], "html", tmp_path / "lo")[0]
    shown = lxml.html.parse(str(html)).getroot().text_content()
    for figure in ("68.3%", "62.3%", "6.3%"):
        assert figure in shown, figure
    assert "68.4%" not in shown and "6.2%" not in shown


def test_xlsx_totals_are_formulas_that_add_up(q2):
    wb = openpyxl.load_workbook(q2["xlsx"])
    ws = wb[t("s_catalogue", "kk")]
    total_row = next(r for r in range(6, ws.max_row + 1) if ws.cell(r, 1).value == t("total", "kk"))
    assert str(ws.cell(total_row, 3).value).startswith("=SUM(")
    done = openpyxl.load_workbook(recalculated(q2["xlsx"]), data_only=True)[t("s_catalogue", "kk")]
    assert done.cell(total_row, 2).value == 286 and done.cell(total_row, 3).value == 306
    assert abs(done.cell(total_row, 4).value - 306 / 286) < 1e-9


def test_as_of_cuts_the_year_to_date(ytd):
    data = data_of(ytd)
    period = data["period"]
    assert period["end"] == "2026-08-15" and period["quarters"] == [1, 2, 3]
    assert period["cut_at_as_of"] and period["quarters_end"] == "2026-09-30"
    # 10 + 306 + 20 records of the planned levels; the 7 after the as-of date not counted
    assert data["total"]["total"] == 336 and data["records"]["after_as_of"] == 7
    assert data["quarters"]["3"]["levels"]["book"]["total"] == 20  # 15.08 itself counts
    assert data["quarters"]["3"]["levels"]["book"]["target"] == 110  # the whole quarter's
    assert len(data["after_as_of"]) == 7
    assert data["header"]["period"] == "2026 жыл, жыл басынан 15.08.2026 дейін"
    # the warning names them, in every format
    warning = next(w for w in data["warnings"] if "15.08.2026" in w)
    assert warning.startswith(t("w_after_as_of", "kk", n=7, date="15.08.2026", where="")[:30])
    texts = {
        "html": html_text(ytd["html"]),
        "md": ytd["md"].read_text(encoding="utf-8"),
        "csv": ytd["csv"].read_bytes().decode("utf-8-sig"),
        "docx": "\n".join(p.text for p in docx.Document(str(ytd["docx"])).paragraphs),
        "xlsx": "\n".join(str(c.value) for ws in openpyxl.load_workbook(ytd["xlsx"]).worksheets
                          for row in ws.iter_rows() for c in row if c.value is not None)}
    for fmt, text in texts.items():
        assert "7 жазба есептелмеді" in text and "15.08.2026" in text, fmt
    # the started quarter says where it stops
    assert "III тоқсан (15.08.2026 дейін)" in texts["html"]


def test_a_quarter_not_started_is_an_error(inputs, tmp_path):
    proc = cli("report", *inputs, "--quarter", "4", "--as-of", AS_OF, "-o", str(tmp_path / "x.md"),
               ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "quarter 4 of 2026 has not started on 15.08.2026" in proc.stderr
    assert not (tmp_path / "x.md").exists()


# -- the plan's own tables -------------------------------------------------------------------
def handin(paths) -> dict:
    return data_of(paths)["handin"]


def test_control_indicators_table(ytd):
    doc = lxml.html.fromstring(ytd["html"].read_bytes())
    sec = doc.xpath('//section[@id="control"]')[0]
    rows = [tr.xpath("./td")[0].text_content() for tr in sec.xpath(".//tbody/tr")]
    assert rows == ["Электронды каталогтағы жазу саны", "Мемлекеттік тілде", "Оцифровка",
                    "Мемлекеттік тілде", "Оцифровка кезіндегі беттер саны", "Мемлекеттік тілде"]
    groups = [th.text_content() for th in sec.xpath(".//thead/tr[1]/th")]
    assert groups[1:] == ["2025 ж", "2026 ж", "I тоқсан", "II тоқсан",
                          "III тоқсан (15.08.2026 дейін)", "IV тоқсан"]
    labels = [th.text_content() for th in sec.xpath(".//thead/tr[2]/th")]
    assert labels[1:] == ["жоспар", "орындалысы"] * 6
    c = handin(ytd)["control"]
    # the plan's section II as stated, last year's plan from the seed's 2025 column
    assert [c["records"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [315, 285, 355, 315]
    assert [c["records_kazakh"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [235, 230, 235, 230]
    assert [c["pages"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [8, 8, 8, 265]
    assert (c["records"]["last_plan"], c["records_kazakh"]["last_plan"]) == (1270, 930)
    assert (c["documents"]["last_plan"], c["documents_kazakh"]["last_plan"]) == (20, 16)
    assert (c["pages"]["last_plan"], c["pages_kazakh"]["last_plan"]) == (548, 539)
    assert c["pages"]["year_plan"] == 289 and c["documents"]["year_plan"] == 21
    # actuals: planned levels only; last year's from the same export
    assert [c["records"][f"q{q}.actual"] for q in (1, 2, 3, 4)] == [10, 306, 20, None]
    assert [c["records_kazakh"][f"q{q}.actual"] for q in (1, 2, 3)] == [6, 190, 11]
    assert c["records"]["year_actual"] == 336 and c["records_kazakh"]["year_actual"] == 207
    assert (c["records"]["last_actual"], c["records_kazakh"]["last_actual"]) == (15, 8)


def test_records_table_by_level_and_quarter(ytd):
    r = handin(ytd)["records"]
    assert list(r) == ["article", "local_lore", "book", "total", "periodical", "ebook", "cd",
                       "all_levels"]
    assert (r["article"]["year.plan"], r["article"]["year.kazakh_plan"]) == (900, 600)
    assert [r["article"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [221, 221, 221, 237]
    assert [r["article"][f"q{q}.kazakh_plan"] for q in (1, 2, 3, 4)] == [148, 148, 148, 156]
    assert (r["total"]["year.plan"], r["total"]["year.kazakh_plan"]) == (1270, 930)
    assert [r["total"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [296, 286, 356, 332]
    assert [r["total"][f"q{q}.kazakh_plan"] for q in (1, 2, 3, 4)] == [213, 203, 273, 241]
    assert [r["book"][f"q{q}.actual"] for q in (1, 2, 3, 4)] == [10, 139, 20, None]
    assert [r["total"][f"q{q}.actual"] for q in (1, 2, 3)] == [10, 306, 20]
    assert r["total"]["year.actual"] == 336 and r["total"]["year.kazakh_actual"] == 207
    assert r["periodical"]["q2.actual"] == 5 and r["all_levels"]["year.actual"] == 341
    corporate = handin(ytd)["subtotal_corporate"]
    assert list(corporate) == ["article", "local_lore", "total"]
    assert (corporate["total"]["year.plan"], corporate["total"]["year.kazakh_plan"]) == (1000, 680)
    assert [corporate["total"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [246, 246, 246, 262]
    assert corporate["total"]["q2.actual"] == 151 + 16 and corporate["total"]["q2.kazakh_actual"] == 95
    # the layout and words of the seed's section V, and the Roman quarters
    doc = lxml.html.fromstring(ytd["html"].read_bytes())
    sec = doc.xpath('//section[@id="records"]')[0]
    assert sec.xpath("./h2")[0].text_content().startswith(
        "2026 жылға библиографиялық жазбаның тоқсан бойынша жиынтық жоспары")
    groups = [th.text_content() for th in sec.xpath(".//thead/tr[1]/th")]
    assert groups[1:] == ["2026 жыл", "I тоқсан", "II тоқсан", "III тоқсан (15.08.2026 дейін)",
                          "IV тоқсан"]
    assert sec.xpath(".//thead/tr[2]/th")[0].text_content() == "Каталог деңгейі"
    names = [tr.xpath("./td")[0].text_content() for tr in sec.xpath(".//tbody/tr")]
    assert names == ["Мақала", "Өлкетану", "Кітап", "Барлығы:",
                     "Жоспардан тыс жазбалар (жоспары жоқ деңгейлер):", "Мерзімді басылым",
                     "Э-кітап", "CD", "Барлық деңгейлер бойынша"]


def test_digitisation_table_by_quarter(ytd):
    d = handin(ytd)["digitisation_plan"]
    assert list(d) == ["newspaper_article.documents", "newspaper_article.pages",
                       "journal_article.documents", "journal_article.pages", "book.documents",
                       "book.pages", "total.documents", "total.pages"]
    assert (d["newspaper_article.documents"]["year.plan"],
            d["newspaper_article.documents"]["year.kazakh_plan"]) == (15, 10)
    assert d["newspaper_article.pages"]["year.plan"] == 30
    assert [d["total.pages"][f"q{q}.plan"] for q in (1, 2, 3, 4)] == [11, 11, 9, 265]
    assert [d["total.documents"][f"q{q}.actual"] for q in (1, 2, 3, 4)] == [0, 0, 0, None]
    doc = lxml.html.fromstring(ytd["html"].read_bytes())
    names = [tr.xpath("./td")[0].text_content()
             for tr in doc.xpath('//section[@id="digitisation_plan"]//tbody/tr')]
    assert names == ["Газет мақалалары", "Бет саны", "Журнал мақалалары", "Бет саны",
                     "Кітап толығымен", "Бет саны", "Құжат барлығы", "Бет саны"]


def test_annual_statistics_in_the_year_report(ytd, q2):
    stats = data_of(ytd)["annual_statistics"]
    assert stats["records_created"] == 10 + 311 + 20  # 2026 to 15.08, every level
    assert stats["records_withdrawn"] == 2
    assert stats["records_in_catalogue"] == 15 + 341
    assert stats["digitised_in_year"] == 0 and stats["digitised_in_total"] == 0
    assert "annual_statistics" in handin(ytd) and "annual_statistics" not in handin(q2)


def test_the_digitisation_pdfs_are_said_not_checked(ytd):
    doc = lxml.html.fromstring(ytd["html"].read_bytes())
    notes = [p.text_content() for p in doc.xpath('//section[@id="digitisation"]/p[@class="note"]')]
    assert t("n_pdf_not_checked", "kk") in notes
    assert not any("PDF табылмады: 0" in n for n in notes)


# -- form -------------------------------------------------------------------------------------
def test_formal_heading_dates_and_signatures(q2, tmp_path, inputs):
    doc = lxml.html.fromstring(q2["html"].read_bytes())
    heading = [p.text_content() for p in doc.xpath('//header[@class="heading"]/p')]
    assert heading == ["«Сәтбаев қаласының балалар мен жасөспірімдер кітапханасы» КММ",
                       "2026 жылғы II тоқсан бойынша электронды каталог жоспарының орындалысы "
                       "туралы есеп"]
    assert "Есеп жасалған күн: 15.08.2026" in doc.text_content()
    sig = [[td.text_content() for td in tr.xpath("./td")]
           for tr in doc.xpath('//table[@class="signatures"]/tr[not(@class)]')]
    assert sig == [["КММ директорының м.а.", "", "Г.Т.Шахманова"], ["Жауапты тұлға", "", ""]]
    # the hand-in tables first, then the analysis, then the appendix
    parts = [s.get("data-part") for s in doc.xpath("//section[@data-part]")]
    assert parts == sorted(parts, key=["handin", "main", "appendix"].index)
    assert doc.xpath('//section[@class="appendix"]//section[@id="files"]')
    # a plan of its own: its names, blank lines where it names nobody
    plan = tmp_path / "plan.toml"
    plan.write_text('year = 2026\nlibrary = "Кітапхана"\nfull_name = "«Үлгі кітапханасы» КММ"\n'
                    '[catalogue.book]\nquarters = [1, 2, 3, 4]\nkazakh = [1, 1, 1, 1]\n'
                    '[signatures.responsible]\npost = "Библиограф"\nname = "Ә.Шегебаева"\n',
                    encoding="utf-8")
    paths = report(tmp_path, inputs, "--plan", str(plan), "--lang", "ru",
                   formats=("html", "docx"), name="own")
    doc = lxml.html.fromstring(paths["html"].read_bytes())
    heading = [p.text_content() for p in doc.xpath('//header[@class="heading"]/p')]
    assert heading == ["«Үлгі кітапханасы» КММ",
                       "Отчёт о выполнении плана по электронному каталогу за период с "
                       "01.01.2026 по 15.08.2026"]
    sig = [[td.text_content() for td in tr.xpath("./td")]
           for tr in doc.xpath('//table[@class="signatures"]/tr[not(@class)]')]
    assert sig == [["Директор", "", ""], ["Библиограф", "", "Ә.Шегебаева"]]
    text = "\n".join(c.text for tb in docx.Document(str(paths["docx"])).tables for r in tb.rows
                     for c in r.cells)
    assert "Ә.Шегебаева" in text and "________________________" in text


def test_docx_page_numbers_language_and_print_form(q2, ru, tmp_path):
    for paths, locale in ((q2, "kk-KZ"), (ru, "ru-RU")):
        with zipfile.ZipFile(paths["docx"]) as z:
            styles = z.read("word/styles.xml").decode("utf-8")
            footers = [z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("word/footer")]
            body = z.read("word/document.xml").decode("utf-8")
        assert f'w:val="{locale}"' in styles, locale
        assert any("PAGE" in f and "fldChar" in f for f in footers)
        assert "<w:cantSplit" in body and "<w:tblHeader" in body and "<w:keepNext/>" in body
        d = docx.Document(str(paths["docx"]))
        assert len(d.sections) == 2  # the appendix in a section of its own
        for sec in d.sections:
            assert {round(sec.page_width.mm), round(sec.page_height.mm)} == {297, 210}
    # rendered: the page numbers are there, the first page is the hand-in part
    pdf = libreoffice([q2["docx"]], "pdf", tmp_path / "pdf")[0]
    from pypdf import PdfReader

    pages = PdfReader(str(pdf)).pages
    texts = [p.extract_text() for p in pages]
    assert "Бақылау көрсеткіштері" in texts[0]
    # the labels whole: the heading's "орындалысы" and the control table's six "орындалысы"
    # columns, none broken inside the word
    assert texts[0].count("орындалысы") == 1 + 6 and texts[0].count("жоспар") >= 6
    for i, text in enumerate(texts, 1):
        assert re.search(rf"Бет\s+{i}\b", text), (i, text[-200:])


def test_xlsx_print_and_fonts(q2):
    wb = openpyxl.load_workbook(q2["xlsx"])
    assert wb.sheetnames[0] == t("s_control", "kk")
    marks = 0
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.scale * 9 / 100 >= 8, ws.title
        if ws.title not in (t("s_about", "kk"), t("s_chart", "kk")):
            assert ws.print_title_rows, ws.title  # the header rows repeat on every page
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    assert c.font.name == "Arial", (ws.title, c.coordinate)
                    marks += "▼" in c.number_format or "▲" in c.number_format
    assert marks > 20  # the plan-against-actual marks survive black-and-white print
    ws = wb[t("s_control", "kk")]
    assert ws["A1"].value == "«Сәтбаев қаласының балалар мен жасөспірімдер кітапханасы» КММ"
    assert "II тоқсан бойынша" in ws["A2"].value


def test_xlsx_printed_by_libreoffice(q2, tmp_path):
    """Printed, the control sheet fits one page across (its last column and row on the
    first page) and every page is numbered."""
    from pypdf import PdfReader

    pdf = libreoffice([q2["xlsx"]], "pdf", tmp_path / "pdf")[0]
    texts = [p.extract_text() for p in PdfReader(str(pdf)).pages]
    first = texts[0]
    assert "Бақылау көрсеткіштері" in first and "IV тоқсан" in first
    assert "Оцифровка кезіндегі беттер саны" in first and "Г.Т.Шахманова" in first
    for i, text in enumerate(texts, 1):
        assert re.search(rf"(^|\s){i} / {len(texts)}(\s|$)", text), i


def test_html_prints_each_table_on_one_page(q2, tmp_path):
    from test_report_chromium import chromium, run_chromium

    chromium()
    pdf = tmp_path / "r.pdf"
    run_chromium(tmp_path, q2["html"].as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    from pypdf import PdfReader

    texts = [p.extract_text() for p in PdfReader(str(pdf)).pages]
    n = len(texts)
    for i, text in enumerate(texts, 1):
        assert f"{i} / {n}" in text, i
    # each hand-in table: its title and its last row on the same page
    for title, last in (("Бақылау көрсеткіштері", "Оцифровка кезіндегі беттер саны"),
                        ("тоқсан бойынша жиынтық жоспары", "Барлық деңгейлер бойынша"),
                        ("Құжаттарды цифрлау", "Құжат барлығы")):
        page = next(i for i, text in enumerate(texts) if title in text)
        assert last in texts[page], title


def test_csv_semicolon_dialect(inputs, tmp_path):
    paths = report(tmp_path, inputs, "--quarter", "2", "--csv-semicolon",
                   formats=("csv",))
    rows = list(csv.reader(io.StringIO(paths["csv"].read_bytes().decode("utf-8-sig")),
                           delimiter=";"))
    start = rows.index([t("t_kazakh_share", "kk")])
    header = rows[start + 1]
    book = next(r for r in rows[start + 2:] if r and r[0] == "Кітап")
    assert book[header.index(t("c_kazakh_share", "kk"))] == "68,3"


# -- no English in a Kazakh or Russian report ---------------------------------------------------
#: Latin tokens a kk / ru report may hold: Roman quarter numbers, MARC field and subfield
#: codes, the names of formats, systems and character sets, IRBIS worksheet codes (920, as
#: the records hold them), plan-file keys and CLI options the user types, the input's file
#: extension
ALLOWED = {"I", "II", "III", "IV", "ISO", "UNIMARC", "MARC", "RUSMARC", "KAZMARC", "MARCXML",
           "IRBIS", "PAZK", "SPEC", "ASP", "AUNTD", "NJ",
           "UTF-8", "UTF", "KZ-1048", "KZ", "Windows-1251", "Windows", "CP866", "PDF", "CD",
           "iso", "db", "pdf-dir", "digitisation", "newspapers", "ind2", "ind", "co", "Arial"}


def latin_words(text: str, data: set[str] = frozenset()) -> set[str]:
    """The Latin words of ``text`` that are neither allowed nor the input's own ``data``
    (its file paths' parts, the records' 001)."""
    text = re.sub(r"'[^'\n]*'", " ", text)  # quoted raw values are the record's own bytes
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9\-]*", text))
    # single letters are MARC codes (leader/06 l, 100$a, 135$a/1 o)
    return {w for w in words if len(w) > 1 and w not in ALLOWED and w not in data}


def data_words(paths) -> set[str]:
    """The words of the input's file paths and the records' control numbers."""
    data = data_of(paths) if "json" in paths else None
    files = [f["file"] for f in data["header"]["files"]] if data else []
    ids = set()
    if data:
        for key in ("problems", "undated", "deleted", "after_as_of"):
            ids |= {x.get(k) for x in data[key] for k in ("id", "title") if x.get(k)}
    return set(re.findall(r"[A-Za-z][A-Za-z0-9\-]*", " ".join(files + sorted(ids))))


def all_text(paths) -> dict[str, str]:
    wb = openpyxl.load_workbook(paths["xlsx"])
    d = docx.Document(str(paths["docx"]))
    return {
        "html": html_text(paths["html"]),
        "md": paths["md"].read_text(encoding="utf-8"),
        "csv": paths["csv"].read_bytes().decode("utf-8-sig"),
        "docx": "\n".join([p.text for p in d.paragraphs] + [s.footer.paragraphs[0].text
                                                          for s in d.sections]
                          + [c.text for tb in d.tables for r in tb.rows for c in r.cells]
),
        "xlsx": "\n".join([ws.title for ws in wb.worksheets]
                          + [str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
                             for c in row if c.value is not None and c.data_type != "f"])}


@pytest.mark.parametrize("which", ["q2", "ru"])
def test_no_english_words(which, request):
    paths = request.getfixturevalue(which)
    data = data_words(paths)
    for fmt, text in all_text(paths).items():
        assert latin_words(text, data) == set(), fmt


def test_no_english_words_with_damaged_records_and_rules(tmp_path):
    """The appendix of the damaged fixture (problem reasons, the rules, the files'
    formats and encodings) in Kazakh and Russian."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    for lang in ("kk", "ru"):
        paths = report(tmp_path, [str(fixtures / "damaged.iso"), str(fixtures / "marc21-utf8.mrc")],
                       "--lang", lang, name=lang)
        data = data_words(paths)
        for fmt, text in all_text(paths).items():
            words = latin_words(text, data)
            assert words == set(), (lang, fmt, sorted(words)[:40])


def test_the_word_check_can_fail():
    assert latin_words("Барлығы: 5; source: catalogue") == {"source", "catalogue"}
    assert latin_words("II тоқсан, 100$a, UTF-8, leader/06 l") == {"leader"}


def test_need_soffice_is_there():
    need_soffice()


def test_rule_wording_in_kazakh_and_russian():
    """A rule the plan writes without a description is explained in the report's language;
    the built-in rules have their own translations; a description the user wrote stays."""
    from rabiskit.plan.load import parse_plan
    from rabiskit.report.wording import rule_text

    plan = parse_plan('year = 2026\n[rules]\nmode = "prepend"\n'
                      '[[rules.rule]]\nlevel = "local_lore"\nfield = "607"\nsubfield = "a"\n'
                      'contains = "Сәтбаев"\n'
                      '[[rules.rule]]\nlevel = "ebook"\ndescription = "Біздің ереже"\n'
                      'field = "856"\n', "p.toml")
    rules = plan.rules_in_force()
    assert rule_text(rules[0], "kk") == "жоспар ережесі 1: 607$a ішінде бар «Сәтбаев» → Өлкетану"
    assert rule_text(rules[0], "ru") == "правило плана 1: 607$a содержит «Сәтбаев» → Краеведение"
    assert rule_text(rules[1], "ru") == "Біздің ереже"
    assert rule_text(rules[-1], "ru") == \
        "другие правила не подошли (маркер/07 пуст или неизвестен): считается книгой"
    assert rule_text(rules[0], "en") == rules[0].description


def test_make_report_is_the_commands_report(inputs, q2):
    """The library entry point (what the web page calls) gives the JSON `-o x.json` writes."""
    import datetime as dt

    from rabiskit.facts.scan import Input
    from rabiskit.plan.load import default_plan
    from rabiskit.report.run import make_report

    main, _, level, lore = inputs
    report = make_report([Input(Path(main)), Input(Path(lore), db_level=level)], default_plan(),
                         quarter=2, today=dt.date(2026, 8, 15))
    written = data_of(q2)
    got = json.loads(json.dumps(report.data, default=str))
    for key in ("period", "records", "levels", "total", "all_levels", "quarters", "handin",
                "kazakh_share", "months", "warnings"):
        assert got[key] == written[key], key


def test_plan_show_gives_the_new_keys():
    data = json.loads(cli("plan", "show", "--format", "json").stdout)
    assert data["control"]["records"] == {"quarters": [315, 285, 355, 315], "year": 1270}
    assert data["last_year"]["plan"]["pages"] == 548
    assert data["signatures"]["director"]["name"] == "Г.Т.Шахманова"
    assert data["full_name"].endswith("КММ")
