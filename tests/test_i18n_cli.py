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
    "kz1048", "cp866", "koi8", "r", "iso5427", "Excel", "kk", "ru", "en", "json", "csv", "table", "xlsx", "docx", "html", "md",
    "RABISKIT_LANG", "local_lore", "true", "false", "DuckDB", "Spark", "URL", "http", "https",
    "CD", "001", "YYYY", "MM", "DD", "UTF", "article", "book", "periodical", "ebook", "cd",
    "operator", "rusmarc", "A", "B", "C", "T",
    # record codes shown as data: leader positions, language codes, formats
    "leader", "kaz", "rus", "eng", "und", "a", "s", "i", "j", "l", "iso2709",
    "searchRetrieve", "ListRecords", "maximumRecords", "recordSchema", "metadataPrefix", "CQL",
    "cql", "allRecords", "dc", "title", "host", "port", "Default", "marcxml",
    "catalogue", "iso", "mrc", "gz", "xml", "parquet", "sqlite", "pdf",
    # command names
    "count", "inspect", "audit", "facts", "export", "digitisation", "import", "ledger", "status",
    "close", "corrections", "plan", "show", "check", "rules", "report", "harvest", "sru", "oai",
    "serve",
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
    # in-process (the same LocalisedGroup.main as 'python -m rabiskit'; test_lang_before_or_
    # after_the_command runs the real program)
    from typer.testing import CliRunner

    from rabiskit.cli.main import make_app

    r = CliRunner().invoke(make_app(None), [*args, "--lang", lang], prog_name="rabiskit")
    r.returncode = r.exit_code
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


COUNT = [str(FIXTURES / "unimarc-utf8.iso"), "--db", "local_lore", str(FIXTURES / "local-lore.iso")]


@pytest.mark.parametrize("lang, words", [
    ("en", ["Level", "Total", "share", "Target", "done", "records read: 341; in the "
            "period: 282", "Undated records (not counted in any period):", "record 38, byte 15690"]),
    ("ru", ["Уровень", "Всего", "Доля", "План", "Вып.", "Краеведение", "прочитано записей: 341; "
            "в периоде: 282", "Записи без даты", "запись 38, байт 15690"]),
    ("kk", ["Деңгей", "Барлығы", "үлесі", "Жоспар", "Орынд.", "Өлкетану", "оқылған жазбалар: 341; "
            "кезеңде: 282", "Күні жоқ жазбалар", "38-жазба, 15690-байт"]),
])
def test_count_speaks_the_language_and_fits_80_columns(lang, words):
    r = run("count", *COUNT, "--lang", lang)
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.split())
    for w in words:
        assert w in flat, (w, r.stdout)
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in "\n".join(lines[:14]).replace(" … ", "")  # no heading or number cut
    table = lines[2:lines.index(next(x for x in lines if x.startswith(("records", "прочит",
                                                                           "оқылған"))))]
    # the table, the summary and the heading of the undated list (record texts are data)
    end = next(i for i, x in enumerate(lines) if x.endswith(":") and not x.startswith(" "))
    summary = lines[2:end + 1]
    if lang != "en":
        assert english_words("\n".join(table)) == [], table
    if lang == "ru":
        assert not KAZAKH_ONLY & set("".join(summary)), summary


def test_count_json_stays_english_whatever_the_language():
    en = run("count", *COUNT, "--format", "json", "--lang", "en")
    kk = run("count", *COUNT, "--format", "json", "--lang", "kk")
    assert en.stdout == kk.stdout and '"records"' in kk.stdout


COMMANDS = [[], ["count"], ["inspect"], ["audit"], ["facts"], ["export"], ["digitisation"],
            ["import"], ["ledger"], ["ledger", "status"], ["ledger", "close"],
            ["ledger", "corrections"], ["plan"], ["plan", "show"], ["plan", "check"], ["rules"],
            ["report"], ["harvest"], ["harvest", "sru"], ["harvest", "oai"], ["serve"]]


def _help(command: list[str], lang: str) -> str:
    from typer.testing import CliRunner

    from rabiskit.cli.main import make_app

    r = CliRunner().invoke(make_app(None), ["--lang", lang, *command, "--help"],
                           env={"COLUMNS": "80"}, prog_name="rabiskit")
    assert r.exit_code == 0, r.output
    return r.output


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_help_page_is_in_the_language(lang):
    for command in COMMANDS:
        out = _help(command, lang)
        assert english_words(out) == [], (command, out)
        if lang == "ru":
            assert not KAZAKH_ONLY & set(out), (command, out)
        assert "<" not in out and "[[" not in out and "{" not in out, (command, out)


def test_every_help_page_in_english_has_words_for_placeholders():
    for command in COMMANDS:
        out = _help(command, "en")
        assert "Usage: rabiskit" in out and "Show this message and exit." in out
        assert "<" not in out and "[[" not in out and "{" not in out, (command, out)
        assert max(len(x) for x in out.splitlines()) <= 80


def test_every_option_and_argument_has_a_metavar():
    from typer.main import get_command

    from rabiskit.cli.main import make_app

    def walk(cmd, path):
        for p in cmd.params:
            flag = getattr(p, "is_flag", False) or getattr(p, "count", False)
            assert flag or p.metavar, (path, p.name)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, path + [name])

    walk(get_command(make_app(None)), ["rabiskit"])


@pytest.mark.parametrize("lang, words", [
    ("en", ["records", "22 (10 damaged, salvaged)", "problems", "record length in leader (498) "
            "differs from the record's real length (461)", "23 byte(s) that do not form a MARC "
            "record skipped (bytes 8648-8670)"]),
    ("ru", ["записи", "22 (10 повреждённых, восстановлены)", "проблемы", "длина записи в маркере "
            "(498) отличается от настоящей длины (461)", "пропущено 23 байт, не образующих запись "
            "MARC (байты 8648-8670)"]),
    ("kk", ["жазбалар", "22 (10 зақымдалған, қалпына келтірілген)", "ақаулар", "маркердегі жазба "
            "ұзындығы (498) нақты ұзындығынан (461) өзгеше", "MARC жазбасын құрамайтын 23 байт "
            "өткізіліп жіберілді (8648-8670 байттар)"]),
])
def test_inspect_speaks_the_language(lang, words):
    r = run("inspect", str(FIXTURES / "damaged.iso"), "--lang", lang, env=ENV | {"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.split())
    for w in words:
        assert w in flat, (w, r.stdout)
    if lang == "ru":
        assert not KAZAKH_ONLY & set(r.stdout)
    if lang != "en":
        assert english_words(r.stdout) == [], r.stdout


@pytest.mark.parametrize("lang, words", [
    ("en", ["No language of the text", "Findings", "no language of the text coded in 101$a",
            "Kazakh share"]),
    ("ru", ["Не указан язык текста", "Найдено", "язык текста не указан в 101$a",
            "Доля казахского языка"]),
    ("kk", ["Мәтін тілі көрсетілмеген", "Табылғаны", "101$a ішінде мәтін тілі кодталмаған",
            "Қазақ тіліндегі үлесі"]),
])
def test_audit_speaks_the_language(lang, words):
    r = run("audit", str(FIXTURES / "audit" / "seeded.iso"), "--lang", lang,
            env=ENV | {"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.split())
    for w in words:
        assert w in flat, (w, r.stdout)


def test_errors_name_the_file_in_the_language():
    r = run("count", "no-such-file.iso", "--lang", "kk")
    assert r.returncode == 2 and r.stderr.strip() == "rabiskit: no-such-file.iso: файл табылмады"
    r = run("count", str(FIXTURES), "--lang", "ru")
    assert r.returncode == 2 and "это папка; укажите файлы экспорта" in r.stderr
    assert len(r.stderr.splitlines()) == 1


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
@pytest.mark.parametrize("args", [["audit", str(FIXTURES / "audit" / "seeded.iso")],
                                  ["digitisation", str(FIXTURES / "unimarc-utf8.iso")],
                                  ["count", *COUNT]])
def test_console_tables_fit_80_columns(args, lang):
    r = run(*args, "--lang", lang)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, r.stdout
    # nothing cut: the only ellipsis is the period's "start … end"
    assert all(x.count("…") == (1 if " … " in x else 0) for x in lines), r.stdout
