"""``rabiskit serve`` in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium uploads the fixtures, sees the numbers ``count``
gives, downloads the XLSX and reads it back, switches the language, meets the upload
limit, and logs nothing on its console (no script error, nothing the
Content-Security-Policy blocked).

One server and one browser for the module.  Skips without Chromium, except with CI=true.
``RABISKIT_WEB_SCREENSHOT=FILE`` also saves the Kazakh result page there (the README's
picture, docs/web.png)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from rabiskit.report.messages import t as report_t
from rabiskit.web.messages import t
from web_server import FIXTURES, cli, start_server

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

WAIT = 120  # seconds the browser may take for a step (a slow CI machine); not a timing test
QUARTER = 1


def _binaries() -> tuple[str, str]:
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)),
                   None)
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but chromium / chromium-driver are not installed")
    pytest.skip("headless Chromium with chromedriver is not installed "
                "(apt-get install chromium chromium-driver)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("serve"), "--max-upload", "1")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _binaries()
    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--lang=kk"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver_path), options=options)
    drv.execute_cdp_cmd("Page.setDownloadBehavior",
                        {"behavior": "allow", "downloadPath": str(downloads)})
    yield drv
    drv.quit()


def wait_for(browser, css: str):
    return WebDriverWait(browser, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, css) and d.find_element(By.CSS_SELECTOR, css))


def console(browser) -> list[dict]:
    return browser.get_log("browser")


@pytest.fixture(scope="module")
def result_page(server, browser):
    """The fixtures uploaded from the page: Q1 2026, local-lore.iso marked one database."""
    browser.get(server.url)
    assert browser.current_url == server.base + "/"  # the token left the address bar
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "kk"
    chooser = browser.find_element(By.ID, "exports")
    chooser.send_keys("\n".join(str(FIXTURES / n) for n in
                                ("unimarc-utf8.iso", "local-lore.iso", "hostile.iso")))
    rows = wait_for(browser, "#file-list tbody tr") and browser.find_elements(
        By.CSS_SELECTOR, "#file-list tbody tr")
    assert [r.find_element(By.TAG_NAME, "td").text for r in rows] == [
        "unimarc-utf8.iso", "local-lore.iso", "hostile.iso"]
    Select(rows[1].find_element(By.TAG_NAME, "select")).select_by_value(
        "local_lore:local-lore.iso")
    Select(browser.find_element(By.ID, "quarter")).select_by_value(str(QUARTER))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#report table[data-table=catalogue]")
    return browser


def catalogue_numbers(browser) -> dict[str, int]:
    out = {}
    for row in browser.find_elements(By.CSS_SELECTOR,
                                     "#report table[data-table=catalogue] tr[data-row]"):
        cell = row.find_elements(By.CSS_SELECTOR, f'td[data-col="q{QUARTER}.actual"]')
        if cell:
            out[row.get_attribute("data-row")] = int(cell[0].get_attribute("data-value"))
    return out


def test_the_page_shows_the_numbers_count_gives(result_page):
    r = cli("count", "unimarc-utf8.iso", "hostile.iso", "--db", "local_lore", "local-lore.iso",
            "--quarter", str(QUARTER), "--format", "json")
    assert r.returncode == 0, r.stderr
    counted = json.loads(r.stdout)
    shown = catalogue_numbers(result_page)
    assert shown["total"] == counted["total"]["total"]
    for level, v in counted["levels"].items():
        assert shown[level] == v["total"], level
    # and from the fixtures' generator, by hand: 13 local-lore records entered in Q1 2026
    assert shown["local_lore"] == 13
    html = result_page.page_source
    assert report_t("t_kazakh_share", "kk") in html and t("t_audit", "kk") in html
    assert result_page.find_elements(By.CSS_SELECTOR, "#report figure.chart svg")
    # the hostile titles are text, not markup
    assert not result_page.find_elements(By.CSS_SELECTOR, "#report script, #audit script")
    shot = os.environ.get("RABISKIT_WEB_SCREENSHOT")
    if shot:
        result_page.set_window_size(1400, 1500)
        result_page.save_screenshot(shot)
        result_page.set_window_size(1400, 1000)


def test_the_xlsx_downloads_and_reads_back(result_page, downloads):
    result_page.find_element(By.ID, "download-report-xlsx").click()
    WebDriverWait(result_page, WAIT).until(
        lambda d: [p for p in downloads.glob("*.xlsx")])
    path = next(downloads.glob("*.xlsx"))
    while path.with_suffix(".xlsx.crdownload").exists():  # Chromium still writing it
        time.sleep(0.1)
    wb = openpyxl.load_workbook(path)
    sheet = wb[wb.sheetnames[0]]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == report_t("t_catalogue", "kk")
    total_row = next(r for r in rows if r[0] == report_t("total", "kk"))
    assert total_row[2] == catalogue_numbers(result_page)["total"]


def test_the_language_switches_with_the_same_numbers(result_page):
    before = catalogue_numbers(result_page)
    result_page.find_element(By.CSS_SELECTOR, "nav a[data-lang=ru]").click()
    WebDriverWait(result_page, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru")
    assert report_t("t_catalogue", "ru") in result_page.page_source
    assert t("t_audit", "ru") in result_page.page_source
    assert catalogue_numbers(result_page) == before
    result_page.find_element(By.CSS_SELECTOR, "nav a[data-lang=en]").click()
    WebDriverWait(result_page, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    result_page.find_element(By.CSS_SELECTOR, "nav a[href='/']").click()
    assert result_page.find_element(By.ID, "submit").text == t("submit_report", "en")


def test_the_year_is_kept_in_the_ledger_from_the_page(result_page, server):
    browser = result_page
    browser.get(server.base + "/ledger?lang=kk")
    assert browser.find_elements(By.ID, "ledger-empty")
    browser.find_element(By.ID, "exports").send_keys(
        "\n".join(str(FIXTURES / n) for n in ("unimarc-utf8.iso", "local-lore.iso")))
    rows = wait_for(browser, "#file-list tbody tr") and browser.find_elements(
        By.CSS_SELECTOR, "#file-list tbody tr")
    Select(rows[1].find_element(By.TAG_NAME, "select")).select_by_value(
        "local_lore:local-lore.iso")
    browser.find_element(By.ID, "submit-import").click()
    wait_for(browser, "#to-ledger").click()
    wait_for(browser, "#year-so-far table[data-table=catalogue]")
    assert server.ledger.exists()  # the file the commands use ($RABISKIT_LEDGER here)
    # the year so far across the imports is what the CLI reports from the same ledger
    r = cli("report", "--ledger", str(server.ledger), "-o", str(server.ledger.with_name("l.json")))
    assert r.returncode == 0, r.stderr
    expected = json.loads(server.ledger.with_name("l.json").read_text("utf-8"))
    shown = {row.get_attribute("data-row"): row for row in browser.find_elements(
        By.CSS_SELECTOR, "#year-so-far table[data-table=catalogue] tr[data-row]")}
    ytd = shown["total"].find_element(By.CSS_SELECTOR, 'td[data-col="ytd.actual"]')
    assert int(ytd.get_attribute("data-value")) == expected["year_to_date"]["total"]["total"]
    # close the first quarter from the page: it is listed as closed, its numbers frozen
    Select(browser.find_element(By.CSS_SELECTOR, "#close-form select")).select_by_value("2026Q1")
    browser.find_element(By.CSS_SELECTOR, "#close-form button").click()
    wait_for(browser, "#closed-message")
    assert browser.find_elements(By.CSS_SELECTOR, '#ledger-closed tr[data-row="2026Q1"]')


def test_the_browser_console_stayed_empty(result_page):
    # every page so far: no script error, nothing blocked by the Content-Security-Policy
    assert console(result_page) == []


def test_too_large_an_upload_says_so(result_page, server, tmp_path):
    big = tmp_path / "big.iso"
    big.write_bytes((FIXTURES / "unimarc-utf8.iso").read_bytes() * 10)  # 1.2 MB > 1 MB
    result_page.get(server.base + "/?lang=kk")
    result_page.find_element(By.ID, "exports").send_keys(str(big))
    result_page.find_element(By.ID, "submit").click()
    message = wait_for(result_page, "#error")
    assert message.text == t("e_too_large", "kk", limit=1)
    # the one console line: the network layer noting the 413 answer
    assert [e["source"] for e in console(result_page)] == ["network"]
