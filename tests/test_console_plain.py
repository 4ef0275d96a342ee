"""The one-line messages (where a report was written, errors, warnings) go to a stream that
is no terminal as plain text, without rich (about 45 ms of start-up); on a terminal, or
where a variable tells rich to take the stream for one, rich styles them as before."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import FIXTURES, REPO

#: the environment without the variables that make rich take a pipe for a terminal
PLAIN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_TERMINAL",
                          "NO_COLOR")}

RUN = ("import sys; sys.argv = ['rabiskit', *sys.argv[1:]];\n"
       "from rabiskit.cli.main import run\n"
       "try:\n    run()\nexcept SystemExit:\n    pass\n"
       "print('RICH', 'rich' in sys.modules, file=sys.stderr)")


def _run(*args: str, env: dict | None = None, code: str = RUN) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                          text=True, encoding="utf-8", env=env or PLAIN_ENV)


def test_a_report_says_where_it_wrote_in_plain_lines_without_rich(tmp_path):
    # a folder name long enough that rich would have cut the line at 80 columns
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)
    folder.mkdir()
    out_json, out_csv = folder / "report.json", folder / "report.csv"
    r = _run("--lang", "en", "report", str(FIXTURES / "unimarc-utf8.iso"), "-o", str(out_json),
             "-o", str(out_csv), "--as-of", "2026-12-31")
    assert r.stdout == f"wrote {out_json}\nwrote {out_csv}\n", r.stderr
    assert r.stderr.splitlines()[-1] == "RICH False"
    assert out_json.exists() and out_csv.exists()


def test_an_error_is_one_plain_line_without_rich(tmp_path):
    missing = tmp_path / "no-such-file :cd:.iso"  # an emoji code stays as it is written
    r = _run("--lang", "en", "count", str(missing))
    lines = r.stderr.splitlines()
    assert lines[-1] == "RICH False"
    assert len(lines) == 2 and lines[0].startswith("rabiskit: ") and str(missing) in lines[0], lines
    assert "\x1b[" not in r.stderr


WARN = ("import sys\n"
        "from rabiskit.cli.common import error, warn\n"
        "warn('a [b]ook of :cd: and [/] brackets'); error('x [bold]y[/bold]')\n"
        "print('RICH', 'rich' in sys.modules, file=sys.stderr)")


def test_a_warning_and_an_error_keep_their_text_in_a_pipe():
    r = _run(code=WARN)
    assert r.stderr.splitlines() == ["warning: a [b]ook of :cd: and [/] brackets",
                                     "rabiskit: x [bold]y[/bold]", "RICH False"], r.stderr


def test_rich_styles_them_where_it_is_told_the_stream_is_a_terminal():
    r = _run(code=WARN, env={**PLAIN_ENV, "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"})
    lines = r.stderr.splitlines()
    assert lines[-1] == "RICH True"
    # the labels styled (yellow; bold red), the texts as they are: no markup read in them
    assert "\x1b[33mwarning:\x1b[0m a [b]ook of :cd: and [/] brackets" in lines[0], lines
    assert "\x1b[1;31mrabiskit:\x1b[0m x [bold]y[/bold]" in lines[1], lines


def test_rich_writes_a_plain_line_when_it_was_made_already():
    # once the console exists (a progress bar, a table), plain lines go through it too: one
    # writer for the stream, in order
    code = ("import sys\n"
            "from rabiskit.cli.common import err_console, warn\n"
            "err_console.get()\n"
            "warn('after the console')\n"
            "print('RICH', 'rich' in sys.modules, file=sys.stderr)")
    r = _run(code=code)
    assert r.stderr.splitlines() == ["warning: after the console", "RICH True"], r.stderr
