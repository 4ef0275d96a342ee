"""The report as Markdown (GitHub-flavoured tables), e.g. for a wiki or an e-mail.

Record text is escaped: Markdown punctuation gets a backslash, the HTML characters
``< > &`` become entities (so a title like ``<script>`` stays text when the Markdown is
turned into HTML), and line breaks inside a cell become spaces.
"""

from __future__ import annotations

import re

from rabiskit.report.document import Report
from rabiskit.report.table import Table
from rabiskit.render.common import cell_text, one_line
from rabiskit.render.safe import xml_text

#: the most rows a Markdown table shows (the appendix can be long); the rest is in XLSX/CSV/JSON
MAX_ROWS = 1000

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!{}])")


def md_text(value) -> str:
    """Markdown-safe inline text."""
    text = one_line(xml_text("" if value is None else value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _table(table: Table, lang: str, out: list[str]) -> None:
    from rabiskit.report.messages import t

    out += [f"## {md_text(table.title)}", ""]
    headers = []
    groups = table.groups
    if groups:
        labels = [g for g, span in groups for _ in range(span)]
        headers = [f"{g}: {c.label}" if g else c.label for g, c in zip(labels, table.columns)]
    else:
        headers = [c.label for c in table.columns]
    out.append("| " + " | ".join(md_text(h) for h in headers) + " |")
    out.append("|" + "|".join("---:" if c.kind != "text" else "---" for c in table.columns) + "|")
    for r in table.rows[:MAX_ROWS]:
        cells = [md_text(cell_text(c, lang)) for c in r.cells]
        if r.role == "total":
            cells = [f"**{c}**" if c else c for c in cells]
        elif r.role == "subtotal":
            cells = [f"*{c}*" if c else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if len(table.rows) > MAX_ROWS:
        out += [md_text(t("n_truncated", lang, n=len(table.rows) - MAX_ROWS)), ""]
    for note in table.notes:
        out += [md_text(note), ""]


def render_markdown(report: Report) -> str:
    from rabiskit.report.messages import t

    lang = report.lang
    heading = report.heading or [report.title]
    out = [f"**{md_text(heading[0])}**", "", f"# {md_text(' '.join(heading[1:]) or report.title)}",
           "", md_text(t("h_produced", lang, date=report.produced)), ""]
    if report.warnings:
        out += [f"**{md_text(t('warnings', lang))}:**", ""]
        out += [f"- {md_text(w)}" for w in report.warnings] + [""]
    for table in report.part("handin"):
        _table(table, lang, out)
    for post, name in report.signatures:
        out += [f"{md_text(post)}: ____________________ {md_text(name)}", ""]
    out += [f"# {md_text(t('h_details', lang))}", ""]
    for label, value in report.header:
        out.append(f"- **{md_text(label)}:** {md_text(value)}")
    out.append("")
    for table in report.part("main"):
        _table(table, lang, out)
    if report.part("appendix"):
        out += [f"# {md_text(report.appendix_title)}", ""]
        for table in report.part("appendix"):
            _table(table, lang, out)
    return "\n".join(out).rstrip("\n") + "\n"
