"""The command line in kk, ru and en: help pages, usage errors, the choice of language."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO

KAZAKH_ONLY = set("әғқңөұүһӘҒҚҢӨҰҮҺ")
# Words a Kazakh or Russian screen may show in Latin letters: names of formats, systems,
# encodings and codes, the program itself; option names (--x), file names (x.iso) and
# values in quotes are data and allowed anyway.
ALLOWED = {
    "rabiskit", "python", "m", "RABIS", "IRBIS", "ISO", "MARCXML", "MARC", "marc", "TOML",
    "XLSX", "DOCX", "HTML", "CSV", "JSON", "PDF", "Parquet", "SRU", "OAI", "PMH", "OAI-PMH",
    "UNIMARC", "unimarc", "marc21", "MARC21", "RUSMARC", "KAZMARC", "utf", "cp1251",
    "kz1048", "cp866", "kk", "ru", "en", "json", "csv", "table", "xlsx", "docx", "html", "md",
    "RABISKIT_LANG", "local_lore", "true", "false", "DuckDB", "Spark", "URL", "http", "https",
}

ENV = {k: v for k, v in os.environ.items() if k != "RABISKIT_LANG"}


def run(*args: str, env: dict | None = None, lang: str | None = None):
    e = dict(ENV if env is None else env)
    e.setdefault("COLUMNS", "80")
    if lang:
        e["RABISKIT_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "rabiskit", *args], cwd=REPO, env=e,
                          capture_output=True, text=True, encoding="utf-8")


def english_words(text: str) -> list[str]:
    """Latin-letter words of ``text`` that are not data (options, files, codes)."""
    out = []
    for token in text.split():
        token = token.strip(".,;:()[]{}«»\"'!?/")
        if not token or token.startswith("-") or "." in token or "_" in token:
            continue  # an option, a file name, an identifier: data
        if not re.search(r"[A-Za-z]", token):
            continue
        words = [w for w in re.split(r"[^A-Za-z0-9_]+", token) if re.search(r"[A-Za-z]", w)]
        out += [w for w in words if w not in ALLOWED and not re.fullmatch(r"[a-z]?\d+\w*", w)]
    return out


def test_help_page_in_each_language():
    ru = run("--lang", "ru", "--help")
    assert ru.returncode == 0, ru.stderr
    assert "Использование:" in ru.stdout and "Параметры" in ru.stdout and "Команды" in ru.stdout
    assert "Показать эту справку и выйти." in ru.stdout
    kk = run("--help", lang="kk")
    assert "Қолданылуы:" in kk.stdout and "Параметрлер" in kk.stdout and "Командалар" in kk.stdout
    en = run("--help", "--lang", "en")
    assert "Usage:" in en.stdout and "Options" in en.stdout and "Commands" in en.stdout


def test_no_language_given_means_the_system_language_else_kazakh():
    env = {k: v for k, v in ENV.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    assert "Қолданылуы:" in run("--help", env=env | {"LANG": "C.UTF-8"}).stdout
    assert "Использование:" in run("--help", env=env | {"LANG": "ru_RU.UTF-8"}).stdout
    # the option wins over the environment variable, which wins over the system
    assert "Usage:" in run("--help", env=env | {"LANG": "ru_RU.UTF-8",
                                                "RABISKIT_LANG": "en"}).stdout
    assert "Қолданылуы:" in run("--lang", "kk", "--help",
                                env=env | {"RABISKIT_LANG": "en"}).stdout


def test_lang_before_or_after_the_command():
    before = run("--lang", "ru", "count", "--quarter", "9", str(FIXTURES / "unimarc-utf8.iso"))
    after = run("count", str(FIXTURES / "unimarc-utf8.iso"), "--quarter", "9", "--lang=ru")
    for r in (before, after):
        assert r.returncode == 2
        assert "недопустимое значение --quarter: 9 больше допустимого (не более 4)" in r.stderr


@pytest.mark.parametrize("args, words", [
    (["count", "--quarter", "5", "x.iso"], {
        "en": "invalid value for --quarter: 5 is more than 4",
        "ru": "недопустимое значение --quarter: 5 больше допустимого (не более 4)",
        "kk": "--quarter мәні жарамсыз: 5 мәні рұқсат етілгеннен үлкен (ең көбі 4)"}),
    (["count", "--year", "twenty", "x.iso"], {
        "en": "invalid value for --year: twenty is not a whole number",
        "ru": "недопустимое значение --year: twenty — не целое число",
        "kk": "--year мәні жарамсыз: twenty бүтін сан емес"}),
    (["count", "--quartr", "1", "x.iso"], {
        "en": "no such option: --quartr (did you mean --quarter?)",
        "ru": "нет такого параметра: --quartr (может быть, --quarter?)",
        "kk": "мұндай параметр жоқ: --quartr (--quarter болуы мүмкін бе?)"}),
    (["count", "x.iso", "--quarter"], {
        "en": "the option --quarter needs a value",
        "ru": "параметру --quarter нужно значение",
        "kk": "--quarter параметріне мән керек"}),
    (["frobnicate"], {
        "en": "No such command 'frobnicate'.",
        "ru": "Нет такой команды: 'frobnicate'.",
        "kk": "'frobnicate' деген команда жоқ."}),
])
@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_usage_errors_are_one_line_in_the_language(args, words, lang):
    r = run(*args, "--lang", lang)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert words[lang] in lines[0]
    assert "Traceback" not in r.stderr and "╭" not in r.stderr and "Error" not in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("args", [["--lang", "fr", "--help"], ["count", "--lang"],
                                  ["count", "x.iso", "--lang", "de"]])
def test_a_bad_language_is_one_clear_line(args):
    r = run(*args)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1
    assert "kk, ru" in r.stderr and "Traceback" not in r.stderr


def test_a_bad_environment_language_is_one_clear_line():
    r = run("count", "x.iso", lang="xx")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "xx" in r.stderr


def test_the_placeholders_are_words():
    for lang in ("en", "ru", "kk"):
        out = run("count", "--help", "--lang", lang).stdout
        assert "<" not in out and "[[" not in out and "{" not in out, out
    en = run("count", "--help", "--lang", "en").stdout
    assert "--plan PLAN" in en and "--year YEAR" in en and "--from YYYY-MM-DD" in en
    ru = run("count", "--help", "--lang", "ru").stdout
    assert "--plan ПЛАН" in ru and "--year ГОД" in ru and "--from ГГГГ-ММ-ДД" in ru


def test_the_english_word_check_itself():
    assert english_words("Файл плана (TOML) --plan x.toml kz1048") == []
    assert english_words("Файл плана for the year") == ["for", "the", "year"]
