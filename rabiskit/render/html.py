"""The report as one self-contained, printable HTML file.

No scripts, no external fonts, styles or images (a Content-Security-Policy forbids
loading anything), A4 landscape print styles that keep each table on one page (a table
taller than a page repeats its header rows) and number the pages, and an inline SVG
chart of plan against actual per level and quarter.  The formal heading, the hand-in
tables and the signature lines come first; the analysis tables follow, and the
appendix (files, rules, problems, checks) is a section of its own on a new page.  Every piece of text is escaped with ``html_text``; record
text can never become markup.  Number cells carry ``data-value`` with the raw number.
"""

from __future__ import annotations

from rabiskit.report.messages import t
from rabiskit.report.document import LevelChart, Report
from rabiskit.report.table import Table
from rabiskit.render.common import mark, number_text
from rabiskit.render.safe import html_text as esc

#: the most rows an HTML table shows (the appendix can be long); the rest is in XLSX/CSV/JSON
MAX_ROWS = 1000
#: wider tables (the catalogue table of a year) are shown as one table per quarter
MAX_COLUMNS = 14

CSS = """
@page { size: A4 landscape; margin: 12mm 12mm 14mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9px; } }
.heading { text-align: center; margin: 0 0 10px; }
.heading p { margin: 2px 0; font-weight: 700; font-size: 15px; }
.heading p.title { font-size: 17px; }
p.produced { text-align: right; margin: 0 0 8px; }
table.signatures { margin: 26px 0 10px; border-collapse: collapse; }
table.signatures td { padding: 10px 14px 0 0; vertical-align: bottom; }
table.signatures td.line { border-bottom: 1px solid #1d2430; width: 16em; }
table.signatures td.name { min-width: 12em; }
table.signatures tr.hint td { font-size: 10px; color: #4a556b; padding-top: 0; text-align: center; }
section.appendix, section.details { break-before: page; }
table.data tr.caption td { font-style: italic; background: #fafbfd; }
table.data tr.subrow td:first-child { padding-left: 16px; }
table.data th.upright { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
                        padding: 6px 2px; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 13px;
       color: #1d2430; margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 2px solid #2f6db5; padding-bottom: 3px; }
.library { font-size: 15px; margin: 0 0 12px; color: #33415c; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.warnings { background: #fff6db; border: 1px solid #e6c35c; padding: 6px 10px; margin-top: 10px; }
table.data { border-collapse: collapse; width: auto; max-width: 100%; margin: 0 0 6px; }
table.data th, table.data td { border: 1px solid #b8c2d3; padding: 3px 6px; vertical-align: top; }
table.data thead th { background: #e8eef8; font-weight: 600; text-align: center; }
table.data thead { display: table-header-group; }
table.data td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums;
                    min-width: 2.8em; }
table.data tr.total td { font-weight: 700; background: #f4f6fa; }
table.data tr.subtotal td { font-style: italic; }
td.shortfall { color: #b3261e; } td.surplus { color: #1b7f3b; }
.mark { font-size: 10px; margin-left: 2px; }
h3 { font-size: 14px; margin: 6px 0 4px; }
.parts { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: flex-start; }
.part table.data { font-size: 12px; }
.part table.data td:first-child { min-width: 8em; max-width: 13em; }
.part table.data thead th + th { width: 5.4em; }
p.note { color: #4a556b; margin: 2px 0; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure.chart { margin: 0; border: 1px solid #d5dbe6; padding: 6px; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; text-align: center; margin-bottom: 2px; }
svg text { font-family: inherit; font-size: 10px; fill: #1d2430; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
section { break-inside: auto; }
@media print {
  body { margin: 0; font-size: 10px; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  section.table { break-inside: avoid; }
  table.data { break-inside: avoid; font-size: 9px; }
  table.data.long { break-inside: auto; }
}
"""

PLAN_COLOUR = "#a9b4c6"
ACTUAL_COLOUR = "#2f6db5"
SHORT_COLOUR = "#c8553d"


#: tables with this many columns get upright labels over their number columns
UPRIGHT_FROM = 16
#: longer tables may run over pages (their header rows repeat)
LONG_ROWS = 40


def _html_table(table: Table, idx: list[int], lang: str, grouped: bool) -> str:
    long = " long" if len(table.rows) > LONG_ROWS else ""
    upright = len(idx) >= UPRIGHT_FROM
    out = [f'<table class="data{long}" data-table="{esc(table.key)}"><thead>']
    if grouped and table.groups:
        out.append("<tr>" + "".join(
            f'<th colspan="{span}">{esc(label)}</th>' if span > 1 else f"<th>{esc(label)}</th>"
            for label, span in table.groups) + "</tr>")
    out.append("<tr>" + "".join(
        f'<th data-col="{esc(table.columns[i].key)}"'
        + (' class="upright"' if upright and table.columns[i].kind != "text" else "")
        + f">{esc(table.columns[i].label)}</th>" for i in idx) + "</tr></thead><tbody>")
    for r in table.rows[:MAX_ROWS]:
        cls = f' class="{r.role}"' if r.role != "row" else ""
        cells = []
        for i in idx:
            col, c = table.columns[i], r.cells[i]
            classes = []
            if col.kind != "text":
                classes.append("num")
            if c.flag:
                classes.append(c.flag)
            attrs = f' class="{" ".join(classes)}"' if classes else ""
            attrs += f' data-col="{esc(col.key)}"'
            if c.is_number:
                attrs += f' data-value="{esc(c.value)}"'
            m = mark(c)
            marker = f'<span class="mark" title="{esc(t(c.flag, lang))}">{m}</span>' if m else ""
            cells.append(f"<td{attrs}>{esc(number_text(c, lang))}{marker}</td>")
        out.append(f'<tr data-row="{esc(r.key)}"{cls}>' + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _table(table: Table, lang: str) -> str:
    out = [f'<section class="table" id="{esc(table.key)}" data-part="{esc(table.part)}">'
           f'<h2>{esc(table.title)}</h2>']
    parts = table.parts(MAX_COLUMNS) if table.part != "handin" else \
        [(None, list(range(len(table.columns))))]
    if len(parts) == 1:
        out.append(_html_table(table, parts[0][1], lang, grouped=True))
    else:
        out.append('<div class="parts">')
        for label, idx in parts:
            out.append(f'<div class="part" data-part="{esc(label)}"><h3>{esc(label)}</h3>'
                       f"{_html_table(table, idx, lang, grouped=False)}</div>")
        out.append("</div>")
    if len(table.rows) > MAX_ROWS:
        out.append(f'<p class="note">{esc(t("n_truncated", lang, n=len(table.rows) - MAX_ROWS))}</p>')
    out += [f'<p class="note">{esc(n)}</p>' for n in table.notes]
    out.append("</section>")
    return "\n".join(out)


def chart_svg(chart: LevelChart, lang: str, width: int = 300, height: int = 190) -> str:
    """A grouped bar chart: per quarter, the plan (grey) beside the actual (blue; red when
    below the plan), values written above the bars."""
    top, bottom, left = 16, 34, 8
    plot_h = height - top - bottom
    n = max(len(chart.bars), 1)
    group_w = (width - 2 * left) / n
    bar_w = min(34.0, group_w / 2.6)
    biggest = max([max(b.plan, b.actual) for b in chart.bars] + [1])
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{esc(chart.name)}: {esc(t("plan", lang))} / {esc(t("actual", lang))}">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" '
             f'stroke="#7d889b" stroke-width="1"/>']
    for i, b in enumerate(chart.bars):
        x0 = left + i * group_w + (group_w - 2 * bar_w - 4) / 2
        for j, (value, colour, what) in enumerate((
                (b.plan, PLAN_COLOUR, t("plan", lang)),
                (b.actual, SHORT_COLOUR if b.actual < b.plan else ACTUAL_COLOUR,
                 t("actual", lang)))):
            h = plot_h * value / biggest
            x = x0 + j * (bar_w + 4)
            y = top + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{esc(b.label)}, {esc(what)}: {value}</title></rect>')
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" '
                         f'text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{left + i * group_w + group_w / 2:.1f}" '
                     f'y="{top + plot_h + 14}" text-anchor="middle">{esc(b.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _charts(report: Report) -> str:
    if not report.charts:
        return ""
    lang = report.lang
    legend = (f'<p class="legend note"><span style="background:{PLAN_COLOUR}"></span>'
              f'{esc(t("plan", lang))}<span style="background:{ACTUAL_COLOUR}"></span>'
              f'{esc(t("actual", lang))}<span style="background:{SHORT_COLOUR}"></span>'
              f'{esc(t("actual", lang))}, {esc(t("shortfall", lang))}</p>')
    figures = "".join(f'<figure class="chart" data-level="{esc(c.level)}">'
                      f"<figcaption>{esc(c.name)}</figcaption>{chart_svg(c, lang)}</figure>"
                      for c in report.charts)
    return (f'<section id="chart"><h2>{esc(t("t_chart", lang))}</h2>{legend}'
            f'<div class="charts">{figures}</div></section>')


def _signatures(report: Report) -> str:
    rows = []
    for post, name in report.signatures:
        rows.append(f'<tr><td class="post">{esc(post)}</td><td class="line"></td>'
                    f'<td class="name">{esc(name)}</td></tr>'
                    f'<tr class="hint"><td></td><td>{esc(t("h_signature", report.lang))}</td>'
                    f"<td></td></tr>")
    return '<table class="signatures">' + "".join(rows) + "</table>"


def report_body(report: Report) -> str:
    """The report's content, without the document around it: the formal heading, the
    hand-in tables and the signature lines, the facts, the analysis tables and the charts,
    the appendix (what ``rabiskit serve`` shows inside its page; styled by :data:`CSS`).
    Every piece of text escaped."""
    lang = report.lang
    body = ['<header class="heading">']
    body += [f'<p class="{"title" if i else "library"}">{esc(line)}</p>'
             for i, line in enumerate(report.heading)]
    body.append("</header>")
    body.append(f'<p class="produced">{esc(t("h_produced", lang, date=report.produced))}</p>')
    if report.warnings:
        body.append(f'<div class="warnings"><strong>{esc(t("warnings", lang))}:</strong><ul>'
                    + "".join(f"<li>{esc(w)}</li>" for w in report.warnings) + "</ul></div>")
    body.append('<main class="handin">')
    for table in report.part("handin"):
        body.append(_table(table, lang))
    body.append(_signatures(report))
    body.append("</main>")
    body.append(f'<section class="details"><h1>{esc(t("h_details", lang))}</h1>'
                f'<h2>{esc(report.title)}</h2><dl class="facts">')
    body += [f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>" for label, value in report.header]
    body.append("</dl>")
    for table in report.part("main"):
        body.append(_table(table, lang))
        if table.key == "catalogue":
            body.append(_charts(report))
    body.append("</section>")
    appendix = report.part("appendix")
    if appendix:
        body.append(f'<section class="appendix"><h1>{esc(report.appendix_title)}</h1>')
        body += [_table(table, lang) for table in appendix]
        body.append("</section>")
    return "\n".join(body)


def render_html(report: Report) -> str:
    head = ('<!DOCTYPE html>\n'
            f'<html lang="{esc(report.locale)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'style-src \'unsafe-inline\'; img-src data:">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{esc(report.title)} — {esc(report.library)}</title>\n'
            f'<style>{CSS}</style>\n</head>\n<body>\n')
    return head + report_body(report) + "\n</body>\n</html>\n"
