"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``) loads it
with no console messages (no script, nothing blocked by its Content-Security-Policy), the
DOM it builds holds the tables and the charts, and it prints on A4 landscape pages.

Skips when Chromium is not installed, except with CI=true, where it must be."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from rabiskit.report.messages import t

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but chromium is not installed (apt-get install chromium)")
    pytest.skip("headless Chromium is not installed (apt-get install chromium)")


def run_chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


def console_lines(stderr: str) -> list[str]:
    """The page's console messages (Chromium logs them as ...:CONSOLE(...)] "...")."""
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


@pytest.fixture(scope="module")
def html_report(tmp_path_factory) -> Path:
    if not (FIXTURES / "unimarc-utf8.iso").exists():
        pytest.fail(f"the fixtures are missing from {FIXTURES}")
    out = tmp_path_factory.mktemp("html") / "report.html"
    proc = subprocess.run([sys.executable, "-m", "rabiskit", "report",
                           str(FIXTURES / "unimarc-utf8.iso"), str(FIXTURES / "hostile.iso"),
                           str(FIXTURES / "damaged.iso"),
                           "--db", "local_lore", str(FIXTURES / "local-lore.iso"),
                           "--as-of", "2027-01-15", "-o", str(out)],
                          capture_output=True, text=True, encoding="utf-8", cwd=REPO,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_console_check_catches_errors(tmp_path):
    """The check below can fail: a page that breaks its policy logs console messages."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'>"
                   "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"
                   "</head><body><p>x</p><script>console.error('boom')</script></body></html>",
                   encoding="utf-8")
    proc = run_chromium(tmp_path, bad.as_uri(), "--dump-dom")
    assert console_lines(proc.stderr), proc.stderr[-2000:]


def test_renders_without_console_errors(html_report, tmp_path):
    proc = run_chromium(tmp_path, html_report.as_uri(), "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    dom = lxml.html.fromstring(proc.stdout)
    assert dom.xpath("//script") == []
    headings = [h.text_content() for h in dom.xpath("//h2")]
    for key in ("t_catalogue", "t_chart", "t_kazakh_share", "t_months", "t_problems"):
        assert t(key, "kk") in headings
    parts = dom.xpath('//section[@id="catalogue"]//div[@class="part"]')
    assert [p.xpath(".//h3")[0].text_content() for p in parts] == \
        [t("quarter", "kk", n=q) for q in range(1, 5)] + [t("year_to_date", "kk")]
    assert len(dom.xpath('//figure[@class="chart"]/svg')) >= 3
    assert dom.xpath('//section[@id="problems"]//td')


def test_prints_on_a4_landscape(html_report, tmp_path):
    from pypdf import PdfReader

    pdf = tmp_path / "report.pdf"
    proc = run_chromium(tmp_path, html_report.as_uri(), f"--print-to-pdf={pdf}",
                        "--no-pdf-header-footer")
    assert pdf.exists(), proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    pages = PdfReader(str(pdf)).pages
    assert len(pages) >= 2
    box = pages[0].mediabox
    width, height = float(box.width), float(box.height)
    assert abs(width - 841.9) < 2 and abs(height - 595.3) < 2, (width, height)
