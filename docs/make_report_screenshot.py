"""Regenerate docs/report.png, the README's picture of the report's hand-in page.

    python docs/make_report_screenshot.py

Builds the HTML report of the fixtures with ``rabiskit report`` (the third quarter, as on
29.11.2026) and photographs its first page (the heading, the control indicators and the
records by level and quarter) with headless Chromium (Debian: ``apt-get install
chromium``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("chromium is not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        # file names relative to the project, as the report shows them
        subprocess.run([sys.executable, "-m", "rabiskit", "report", "fixtures/unimarc-utf8.iso",
                        "fixtures/marc21-utf8.mrc", "fixtures/damaged.iso",
                        "--db", "local_lore", "fixtures/local-lore.iso",
                        "--quarter", "3", "--as-of", "2026-11-29", "-o", str(html)],
                       check=True, cwd=REPO)
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        f"--user-data-dir={Path(tmp) / 'profile'}",
                        f"--screenshot={REPO / 'docs' / 'report.png'}", "--window-size=1500,1180",
                        html.as_uri()], check=True, capture_output=True)
    print(REPO / "docs" / "report.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
