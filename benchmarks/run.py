"""The speed benchmark of issue 14: every rabiskit command against pymarc, mrrc and yaz-marcdump.

    python benchmarks/run.py                 # the full run: 1,000,000 + 200,000 records
    python benchmarks/run.py --quick         # small files, about two minutes: does it work?
    python benchmarks/run.py --only count,report --repeat 3 --pymarc-limit 0

1. Generates, once and deterministically (benchmarks/generate.py), two UNIMARC exports
   in benchmarks/data/ (git-ignored): ``long``, ``--records`` records of about 530 bytes,
   and ``short``, ``--short-records`` records of about 400 bytes.  Every tenth record has
   a 607 $a naming a place of local lore.
2. Times the baselines on each file: the plain pymarc count (benchmarks/pymarc_count.py),
   the same count read with mrrc (benchmarks/mrrc_count.py) and ``yaz-marcdump -n`` (which
   only checks the structure).  pymarc and mrrc run once per plan (the own-rule plan's
   count also places the 607 records as local lore); over files bigger than
   ``--pymarc-limit`` they read that many records and their rate is scaled to the file
   (their rate is steady), which the table says.  yaz-marcdump runs ``--repeat`` times.
   With ``--baselines row`` (the default) they run again right after each command's runs,
   so each command sits between two runs of its baselines (pymarc with the command's plan;
   for count, mrrc and yaz-marcdump too), and its ratios are against those two runs: a
   machine whose speed drifts during the run (a shared virtual machine does) moves both
   sides of each ratio alike.  The commands run plan by plan for this (the table shows them
   in the usual order).  ``--baselines file``: before and after each file's commands,
   every ratio against the median of all of them; ``once`` (and ``--quick``): before only.
3. Times each rabiskit command, through its command line only, with the built-in default
   plan and with benchmarks/plans/own-rule.toml (one level rule of its own: local lore by
   607 $a): count, report (JSON + XLSX), digitisation, facts (Parquet), export (to ISO
   2709 and, for a half-year period, to MARCXML), inspect, audit and import (into a fresh
   ledger each run).  Each runs ``--repeat`` times, the median run counts; the peak memory
   is that of the largest process of any run (benchmarks/measure.py).
4. Start-up: ``rabiskit count`` on a one-record file, the median of several runs.

Writes benchmarks/results.md (the table, with the machine) and benchmarks/results.json.
Nothing here is asserted: a command that fails is reported as failed and the run goes on;
tests/test_benchmarks.py only checks that the script works.  A missing mrrc or
yaz-marcdump is said and skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PLANS = {"default": None, "own-rule": HERE / "plans" / "own-rule.toml"}
# what the own-rule plan's rule looks for (benchmarks/generate.py LOCAL_PLACE), for the baselines
LOCAL_LORE_TEXT = "Сәтбаев"
YEAR = 2026
COMMANDS = ("count", "report", "digitisation", "facts", "export", "inspect", "audit", "import",
            "startup")
#: issue 14's targets: (times pymarc, times mrrc, share of yaz-marcdump -n)
TARGETS = {"count": (25, 5, 0.6), "report": (10, None, None), "digitisation": (10, None, None),
           "facts": (10, None, None), "export": (10, None, None), "inspect": (10, None, None),
           "audit": (3, None, None), "import": (3, None, None),
           # the same export imported again (the usual quarterly import of a whole catalogue):
           # measured, not one of issue 14's targets (its import is into a new ledger)
           "import again": (None, None, None)}
TARGET_MB = 200
TARGET_STARTUP_S = 0.25


@dataclass
class Input:
    name: str          # "long" or "short"
    path: Path
    records: int
    bytes: int
    local_lore_records: int  # records with the 607 the own-rule plan looks for

    def json(self) -> dict:
        d = asdict(self)
        d["path"] = self.path.name
        d["bytes_per_record"] = round(self.bytes / self.records, 1)
        return d


@dataclass
class Row:
    """One line of the table: a command (or a baseline) on one file with one plan."""
    command: str
    plan: str                 # "default", "own-rule" or "-" (inspect, yaz-marcdump)
    input: str
    records: int
    seconds: float | None = None         # the median run (scaled to the file: see scaled)
    runs: list[float] = field(default_factory=list)
    records_per_s: float | None = None
    peak_mb: float | None = None
    x_pymarc: float | None = None
    x_mrrc: float | None = None
    x_yaz: float | None = None
    target: str = ""
    scaled_from: int | None = None       # baselines: records actually read, when a prefix
    counts: dict | None = None           # count: records per level of the year
    agrees_with_pymarc: bool | None = None  # count: the same records per level as pymarc's
    meets_target: bool | None = None
    error: str | None = None
    #: --baselines row: the records/s of the baseline runs right before and right after
    #: this command's runs, by baseline ("pymarc count", ...): its ratios are against these
    beside: dict[str, list[float]] = field(default_factory=dict)


def measure(cmd: list[str], cwd: Path | None = None) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "measure.py"), "--", *cmd],
                         stdout=subprocess.PIPE, check=True, cwd=cwd)
    return json.loads(out.stdout)


def rabiskit(*args: str) -> list[str]:
    return [sys.executable, "-m", "rabiskit", "--lang", "en", *args]


def failure(run: dict) -> str:
    lines = [ln for ln in run["stderr"].strip().splitlines() if ln.strip()]
    return f"exit {run['returncode']}: {lines[-1] if lines else '(no message)'}"[:300]


# --------------------------------------------------------------------------- inputs

def make_input(data: Path, name: str, records: int, short: bool) -> Input:
    path = data / f"{name}-{records}.iso"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        cmd = [sys.executable, str(HERE / "generate.py"), str(path), "--records", str(records)]
        subprocess.run(cmd + (["--short"] if short else []), check=True, stdout=subprocess.DEVNULL)
    return Input(name, path, records, path.stat().st_size, records // 10)


# --------------------------------------------------------------------------- baselines

def count_baseline(tool: str, script: str, inp: Input, plan: str, limit: int | None) -> Row:
    cmd = [sys.executable, str(HERE / script), str(inp.path), "--year", str(YEAR)]
    prefix = limit if limit and limit < inp.records else None
    if prefix:
        cmd += ["--limit", str(prefix)]
    if plan == "own-rule":
        cmd += ["--local-lore", LOCAL_LORE_TEXT]
    run = measure(cmd)
    row = Row(f"{tool} count", plan, inp.name, inp.records, peak_mb=run["peak_mb"])
    if run["returncode"] != 0:
        row.error = failure(run)
        return row
    out = json.loads(run["stdout"])
    read = out["records"]
    row.records_per_s = read / run["seconds"]
    row.seconds = inp.records / row.records_per_s
    row.runs = [row.seconds]
    if prefix:
        row.scaled_from = read
    else:
        row.counts = level_totals_of_baseline(out["counts"])
    return row


def again(row: Row, later: Row) -> None:
    """``row`` (a baseline) with the runs of ``later`` (the same baseline measured after the
    file's commands) added: its rate from the median of all of them, so a machine whose speed
    drifts during the file's rows is set against what it did at both ends."""
    if row.error or later.error:
        row.error = row.error or later.error
        return
    row.runs = sorted(row.runs + later.runs)
    row.seconds = statistics.median(row.runs)
    row.records_per_s = row.records / row.seconds
    row.peak_mb = max(row.peak_mb or 0, later.peak_mb or 0)
    if row.counts is not None and later.counts != row.counts:
        row.error = f"counted {later.counts} the second time, {row.counts} the first"


def level_totals_of_baseline(counts: dict[str, int]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for key, n in counts.items():
        level = key.split("/")[0]
        totals[level] = totals.get(level, 0) + n
    return dict(sorted(totals.items()))


def yaz_baseline(inp: Input, repeat: int) -> Row:
    runs = [measure(["yaz-marcdump", "-n", str(inp.path)]) for _ in range(repeat)]
    row = Row("yaz-marcdump -n", "-", inp.name, inp.records,
              peak_mb=max(r["peak_mb"] for r in runs))
    bad = [r for r in runs if r["returncode"] != 0]
    if bad:
        row.error = failure(bad[0])
        return row
    row.runs = sorted(r["seconds"] for r in runs)
    row.seconds = statistics.median_low(row.runs)
    row.records_per_s = inp.records / row.seconds
    return row


# --------------------------------------------------------------------------- rabiskit commands

@dataclass
class Case:
    command: str               # the name in the table (and for --only: the part before " ")
    plans: tuple[str, ...]     # the plans it runs with ("-": it takes none)
    args: Callable[[Path, Path, list[str]], list[str]]  # (input, temporary folder, plan args)
    # run before each timed run, in the same folder, not timed (what the run starts from)
    setup: Callable[[Path, Path, list[str]], list[str]] | None = None


def _plan_args(plan: str) -> list[str]:
    path = PLANS.get(plan)
    return ["--plan", str(path)] if path else []


def _import_args(f: Path, t: Path, p: list[str]) -> list[str]:
    return ["import", str(f), "--ledger", str(t / "ledger.sqlite"), "--format", "json", *p]


CASES = [
    Case("count", ("default", "own-rule"),
         lambda f, t, p: ["count", str(f), "--format", "json", *p]),
    Case("report", ("default", "own-rule"),
         lambda f, t, p: ["report", str(f), "-o", str(t / "report.json"), "-o", str(t / "report.xlsx"),
                          "--as-of", f"{YEAR}-12-31", *p]),
    Case("digitisation", ("default", "own-rule"),
         lambda f, t, p: ["digitisation", str(f), "--format", "json", *p]),
    Case("facts", ("default", "own-rule"),
         lambda f, t, p: ["facts", str(f), "-o", str(t / "facts.parquet"), "--format", "json", *p]),
    # the corporate-cataloguing hand-over: articles and local lore of the year, to ISO 2709
    Case("export iso", ("default", "own-rule"),
         lambda f, t, p: ["export", str(f), "--level", "article", "--level", "local_lore",
                          "-o", str(t / "export.iso"), "--format", "json", *p]),
    # ... and of a period (the first half-year), to MARCXML
    Case("export xml", ("default", "own-rule"),
         lambda f, t, p: ["export", str(f), "--level", "article", "--level", "local_lore",
                          "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-06-30",
                          "-o", str(t / "export.xml"), "--format", "json", *p]),
    Case("inspect", ("-",), lambda f, t, p: ["inspect", str(f), "--format", "json"]),
    Case("audit", ("default", "own-rule"),
         lambda f, t, p: ["audit", str(f), "-o", str(t / "audit.json"), "--today", f"{YEAR}-12-31", *p]),
    # into a fresh ledger each run (the folder is new for every run)
    Case("import", ("default", "own-rule"), _import_args),
    # into a ledger that holds the file already (imported before the run, not timed): every
    # record read again unchanged
    Case("import again", ("default", "own-rule"), _import_args, setup=_import_args),
]


def run_case(case: Case, plan: str, inp: Input, repeat: int) -> Row:
    row = Row(case.command, plan, inp.name, inp.records)
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="rabiskit-bench-") as tmp:
            if case.setup is not None:
                ready = subprocess.run(rabiskit(*case.setup(inp.path, Path(tmp), _plan_args(plan))),
                                       cwd=REPO, capture_output=True, text=True, encoding="utf-8")
                if ready.returncode != 0:
                    row.error = f"setup: {failure({'returncode': ready.returncode, 'stderr': ready.stderr})}"
                    return row
            run = measure(rabiskit(*case.args(inp.path, Path(tmp), _plan_args(plan))), cwd=REPO)
        runs.append(run)
        if run["returncode"] not in (0, 1):  # 1: --strict-like findings; 2: an error
            row.error = failure(run)
            row.peak_mb = run["peak_mb"]
            return row
    row.runs = sorted(r["seconds"] for r in runs)
    row.seconds = statistics.median_low(row.runs)
    row.records_per_s = inp.records / row.seconds
    row.peak_mb = max(r["peak_mb"] for r in runs)
    if case.command == "count":
        out = json.loads(median_run(runs)["stdout"])
        read = out["records"]["read"]
        if read != inp.records:
            row.error = f"read {read} records of {inp.records}"
        row.counts = dict(sorted((k, v["total"]) for k, v in out["levels"].items() if v["total"]))
    return row


def median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def startup(data: Path, runs: int) -> dict:
    one = make_input(data, "one", 1, short=False)
    out = []
    for _ in range(runs):
        r = measure(rabiskit("count", str(one.path), "--format", "json"), cwd=REPO)
        if r["returncode"] != 0:
            return {"error": failure(r)}
        out.append(r["seconds"])
    return {"seconds": statistics.median_low(sorted(out)), "runs": sorted(out),
            "target_seconds": TARGET_STARTUP_S}


# --------------------------------------------------------------------------- ratios and output

def add_ratios(rows: list[Row]) -> None:
    def file_rate(tool: str, plan: str, inp: str) -> float | None:
        for r in rows:
            if r.command == tool and r.input == inp and r.plan == plan and r.records_per_s:
                return r.records_per_s
        return None

    for r in rows:
        if r.records_per_s is None or r.command.endswith(" count") or r.command.startswith("yaz"):
            continue
        base = r.command.split()[0]
        # a command that takes no plan (inspect) is set against the default plan's count
        plan = r.plan if r.plan != "-" else next(
            (p for p in ("default", "own-rule") if file_rate("pymarc count", p, r.input)), "default")

        def rate(tool: str, plan: str, inp: str, r: Row = r) -> float | None:
            # the runs beside the command's (--baselines row), else the file's
            beside = r.beside.get(tool)
            return statistics.median(beside) if beside else file_rate(tool, plan, inp)

        pm = rate("pymarc count", plan, r.input)
        r.x_pymarc = r.records_per_s / pm if pm else None
        pm_x, mrrc_x, yaz_x = TARGETS.get(r.command, TARGETS.get(base, (None, None, None)))
        if base == "count":
            mr = rate("mrrc count", plan, r.input)
            yz = rate("yaz-marcdump -n", "-", r.input)
            r.x_mrrc = r.records_per_s / mr if mr else None
            r.x_yaz = r.records_per_s / yz if yz else None
            pm_counts = next((b.counts for b in rows if b.command == "pymarc count"
                              and b.plan == plan and b.input == r.input), None)
            if pm_counts is not None and r.counts is not None:
                r.agrees_with_pymarc = pm_counts == r.counts
        parts = [f"{pm_x}× pymarc"] if pm_x else []
        parts += [f"{mrrc_x}× mrrc"] if mrrc_x else []
        parts += [f"{yaz_x} yaz"] if yaz_x else []
        r.target = ", ".join(parts + [f"< {TARGET_MB} MB"])
        checks = [(r.x_pymarc, pm_x), (r.x_mrrc, mrrc_x), (r.x_yaz, yaz_x)]
        r.meets_target = (None if r.x_pymarc is None else
                          all(x is None or want is None or x >= want for x, want in checks)
                          and r.peak_mb is not None and r.peak_mb < TARGET_MB)


def machine() -> dict:
    info: dict = {"platform": platform.platform(), "machine": platform.machine(),
                  "cores": os.cpu_count(), "python": platform.python_version(),
                  # how busy the machine was when the run started (other work skews the figures)
                  "load_average": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(ln.split(":", 1)[1].strip() for ln in cpu.splitlines()
                           if ln.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "unknown"
    try:
        mem = Path("/proc/meminfo").read_text().split()
        info["ram_gib"] = round(int(mem[mem.index("MemTotal:") + 1]) / 2**20, 1)
    except (OSError, ValueError):
        info["ram_gib"] = None
    for pkg in ("rabiskit", "pymarc", "mrrc"):
        try:
            info[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            info[pkg] = None
    yaz = shutil.which("yaz-marcdump")
    if yaz:
        v = subprocess.run([yaz, "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        info["yaz"] = (v.stdout.split() + ["", "", "?"])[2]
    else:
        info["yaz"] = None
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    info["commit"] = git.stdout.strip() or None
    return info


def _num(x: float | None, fmt: str) -> str:
    return "—" if x is None else format(x, fmt)


def markdown(result: dict) -> str:
    m = result["machine"]
    o = result["options"]
    lines = [
        # a plain first line, not a heading: the file is pasted into the README's speed section
        f"**rabiskit benchmark: {'a --quick run' if o['quick'] else 'a full run'}, {result['date']}"
        f"{'' if result['complete'] else ' (partial: still running, or stopped)'}**",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['platform']}; "
        f"Python {m['python']}; rabiskit {m['rabiskit']} (commit {m['commit']}), pymarc "
        f"{m['pymarc']}, mrrc {m['mrrc'] or 'not installed'}, yaz {m['yaz'] or 'not installed'}; "
        f"load average {m.get('load_average')} at the start.",
        f"Command: `python benchmarks/run.py {o['argv']}`".rstrip() + ".  "
        f"Median of {o['repeat']} run(s) each; peak memory of the largest process.",
        "",
        "Files: " + "; ".join(
            f"`{i['name']}` {i['records']:,} records of {i['bytes_per_record']:.0f} bytes "
            f"({i['bytes'] / 1e6:.0f} MB, {i['local_lore_records']:,} with the local-lore 607)"
            for i in result["inputs"].values()) + ".",
        "",
        "| command | plan | file | records/s | × pymarc | × mrrc | × yaz | peak MB | target | met |",
        "|---|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for r in result["rows"]:
        if r["error"]:
            lines.append(f"| {r['command']} | {r['plan']} | {r['input']} | failed: "
                         f"{r['error'].replace('|', '/')} | | | | {_num(r['peak_mb'], '.0f')} | {r['target']} | no |")
            continue
        rate = _num(r["records_per_s"], ",.0f")
        if r["scaled_from"]:
            rate += f" (first {r['scaled_from']:,})"
        lines.append(f"| {r['command']} | {r['plan']} | {r['input']} | {rate} | "
                     f"{_num(r['x_pymarc'], '.1f')} | {_num(r['x_mrrc'], '.1f')} | "
                     f"{_num(r['x_yaz'], '.2f')} | {_num(r['peak_mb'], '.0f')} | {r['target']} | "
                     f"{_met(r)} |")
    s = result.get("startup")
    if s:
        if "error" in s:
            lines += ["", f"Start-up (`rabiskit count` on a one-record file): failed: {s['error']}"]
        else:
            lines += ["", f"Start-up (`rabiskit count` on a one-record file, median of "
                          f"{len(s['runs'])}): {s['seconds']:.2f} s (target {TARGET_STARTUP_S} s; "
                          f"runs: {', '.join(f'{x:.2f}' for x in s['runs'])})."]
    lines += ["", *[f"- {n}" for n in result["notes"]]]
    return "\n".join(lines) + "\n"


def _met(r: dict) -> str:
    if r["meets_target"] is None:
        return ""
    met = "yes" if r["meets_target"] else "no"
    if r["agrees_with_pymarc"] is False:
        met += "; counts differ from pymarc's"
    return met


def write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="rabiskit speed benchmark (issue 14's targets)")
    ap.add_argument("--quick", action="store_true",
                    help="small files (5,000 records each), one run each: about two minutes")
    ap.add_argument("--records", type=int, default=None,
                    help="records of the long file (default 1,000,000; --quick 5,000)")
    ap.add_argument("--short-records", type=int, default=None,
                    help="records of the ~400-byte file (default 200,000; --quick 5,000; 0: none)")
    ap.add_argument("--files", default="long,short",
                    help="the files to measure: long, short or both (default both)")
    ap.add_argument("--only", default=",".join(COMMANDS),
                    help=f"commas between: {', '.join(COMMANDS)} (default: all)")
    ap.add_argument("--plans", default="default,own-rule",
                    help="the plans to run the commands with: default, own-rule or both")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs of each rabiskit command and of yaz-marcdump; the median counts "
                         "(default 3; --quick 1)")
    ap.add_argument("--pymarc-limit", type=int, default=200_000,
                    help="pymarc and mrrc read at most this many records of a file and their "
                         "rate is scaled to it (0: the whole file; pymarc over 1,000,000 records "
                         "takes minutes)")
    ap.add_argument("--baselines", choices=("row", "file", "once"), default=None,
                    help="when pymarc, mrrc and yaz-marcdump run: row (the default), right "
                         "before and after each command's runs, its ratios against those; "
                         "file, before and after each file's commands, every ratio against "
                         "all of them; once, before a file's commands only (--quick: once)")
    ap.add_argument("--baselines-once", action="store_true", help="the same as --baselines once")
    ap.add_argument("--startup-runs", type=int, default=None, help="(default 7; --quick 3)")
    ap.add_argument("--data", type=Path, default=HERE / "data", help="where the files are made")
    ap.add_argument("--output", type=Path, default=HERE / "results.md",
                    help="the markdown table; the JSON goes beside it (.json)")
    ap.add_argument("--merge", type=Path, nargs="+", metavar="JSON",
                    help="write the table of these results files as one (e.g. two runs with "
                         "different --only), each row with the ratios of its own run; measure "
                         "nothing")
    a = ap.parse_args(argv)
    if a.merge:
        merged = merge([json.loads(f.read_text(encoding="utf-8")) for f in a.merge])
        write(a.output, markdown(merged))
        write(a.output.with_suffix(".json"), json.dumps(merged, indent=1, ensure_ascii=False) + "\n")
        print(markdown(merged))
        return
    raw_argv = _shown_argv(sys.argv[1:] if argv is None else argv)
    records = a.records if a.records is not None else (5_000 if a.quick else 1_000_000)
    short = a.short_records if a.short_records is not None else (5_000 if a.quick else 200_000)
    repeat = a.repeat or (1 if a.quick else 3)
    startup_runs = a.startup_runs or (3 if a.quick else 7)
    only = {c.strip() for c in a.only.split(",") if c.strip()}
    unknown = only - set(COMMANDS)
    plans = tuple(p.strip() for p in a.plans.split(",") if p.strip())
    if unknown or not only:
        ap.error(f"--only: unknown command(s) {', '.join(sorted(unknown))}; use {', '.join(COMMANDS)}")
    if not plans or set(plans) - set(PLANS):
        ap.error("--plans: default, own-rule, or default,own-rule")
    a.data.mkdir(parents=True, exist_ok=True)
    # the package's bytecode compiled first, as ``pip install`` does: otherwise, where
    # PYTHONDONTWRITEBYTECODE is set or the folder is read-only, every command would
    # compile rabiskit again and its start-up would be measured a tenth of a second slower
    import compileall

    compileall.compile_dir(str(REPO / "rabiskit"), quiet=1)

    notes = ["records/s: records in the file / wall time of the median run, start-up included; "
             "× pymarc: that rate over the plain pymarc count's on the same file (with the "
             "own-rule plan, the pymarc count places the 607 records as local lore too); "
             "× mrrc and × yaz: for count only.",
             "The machine is a shared virtual machine: the figures move between runs."]
    if a.quick:
        notes.append("--quick: on files this small the start-up of each command (a few tenths "
                     "of a second) takes most of its time, so the rates and ratios say nothing "
                     "about the targets; the run checks that everything works.")
    files = {f.strip() for f in a.files.split(",") if f.strip()}
    if not files or files - {"long", "short"}:
        ap.error("--files: long, short, or long,short")
    inputs = [make_input(a.data, "long", records, short=False)] if "long" in files else []
    if short and "short" in files:
        inputs.append(make_input(a.data, "short", short, short=True))
    if not inputs:
        ap.error("no file to measure (--short-records 0 and --files short)")
    mrrc_ok = _has_mrrc()
    yaz_ok = shutil.which("yaz-marcdump") is not None
    if not mrrc_ok:
        notes.append("mrrc is not installed (pip install mrrc, or the 'bench' extra): skipped.")
        print("mrrc is not installed: skipped", flush=True)
    if not yaz_ok:
        notes.append("yaz-marcdump is not installed (Debian: apt-get install yaz): skipped.")
        print("yaz-marcdump is not installed: skipped", flush=True)
    if a.pymarc_limit and any(i.records > a.pymarc_limit for i in inputs):
        notes.append(f"pymarc and mrrc read the first {a.pymarc_limit:,} records of bigger files "
                     f"(\"first N\" in the table) and their rate is taken for the whole file; "
                     f"`--pymarc-limit 0` times them over every record.")

    rows: list[Row] = []
    state: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "options": {"quick": a.quick, "argv": raw_argv, "repeat": repeat,
                    "pymarc_limit": a.pymarc_limit or None, "only": sorted(only),
                    "plans": list(plans)},
        "inputs": {i.name: i.json() for i in inputs}, "rows": [], "startup": None,
        "targets": {"times_pymarc_mrrc_yaz": TARGETS, "peak_mb": TARGET_MB,
                    "startup_seconds": TARGET_STARTUP_S},
        "notes": notes, "complete": False}

    def save(row: Row | None = None) -> None:
        """Write what is measured so far (a long run stopped half-way still leaves figures)."""
        if row is not None:
            rows.append(_show(row))
        add_ratios(rows)
        state["rows"] = [asdict(r) for r in sorted(rows, key=_table_order(list(state["inputs"])))]
        write(a.output, markdown(state))
        write(a.output.with_suffix(".json"), json.dumps(state, indent=1, ensure_ascii=False) + "\n")

    cmds = [c for c in CASES if c.command.split()[0] in only]
    mode = "once" if a.baselines_once else a.baselines or ("once" if a.quick else "row")
    state["options"]["baselines"] = mode
    if mode == "file":
        notes.append("pymarc, mrrc and yaz-marcdump ran before each file's commands and again "
                     "after them; each baseline's rate is from the median of all its runs.")
    if mode == "row":
        notes.append("Each command ran between two runs of its baselines (pymarc with its "
                     "plan; for count, mrrc and yaz-marcdump too), and its ratios are against "
                     "those two (their median): a drift of the machine's speed during the run "
                     "moves both sides alike. A baseline's own row gives the median of all its "
                     "runs on the file.")

    def baselines(inp: Input, plan_list=plans, count_tools: bool = True) -> list[Row]:
        out = []
        for plan in plan_list:
            out.append(count_baseline("pymarc", "pymarc_count.py", inp, plan, a.pymarc_limit))
            if mrrc_ok and count_tools:
                out.append(count_baseline("mrrc", "mrrc_count.py", inp, plan, a.pymarc_limit))
        if yaz_ok and count_tools:
            out.append(yaz_baseline(inp, repeat))
        return out

    def runs_of() -> list[tuple[Case, str, str]]:
        """The commands to run on each file: (case, its plan, the plan of its baselines: a
        command taking no plan has the default plan's); with --baselines row, plan by plan,
        so that consecutive commands share the baseline runs between them."""
        todo = [(case, plan, plan if plan != "-" else "default") for case in cmds
                for plan in case.plans if plan == "-" or plan in plans]
        if mode != "row":
            return todo
        group = {p: i for i, p in enumerate(plans)}
        return sorted(todo, key=lambda c: group.get(c[2], 0))

    def beside_runs(inp: Input, plan: str, count_tools: bool,
                    kept: dict[tuple[str, str], Row]) -> dict[str, float]:
        """--baselines row: the baselines run once more with ``plan`` (mrrc and yaz-marcdump
        too with ``count_tools``), merged into the file's baseline rows ``kept``; their
        records/s by baseline."""
        rates = {}
        for b in baselines(inp, (plan,), count_tools):
            _show(b)
            key = (b.command, b.plan)
            if key in kept:
                again(kept[key], b)
            else:
                kept[key] = b
                rows.append(b)
            if b.error is None and b.records_per_s:
                rates[b.command] = b.records_per_s
        return rates

    for inp in inputs:
        print(f"{inp.name}: {inp.path.name}, {inp.records:,} records, "
              f"{inp.bytes / inp.records:.0f} bytes a record", flush=True)
        if mode != "row" or not cmds:
            first = baselines(inp)
            for row in first:
                save(row)
            for case, plan, _base in runs_of():
                save(run_case(case, plan, inp, repeat))
            if mode == "file" and cmds:
                print(f"{inp.name}: the baselines again", flush=True)
                for row, later in zip(first, baselines(inp)):
                    again(row, _show(later))
                save()
            continue
        # --baselines row: every command between two runs of its baselines
        kept: dict[tuple[str, str], Row] = {}  # the file's baseline rows, all runs merged
        todo = runs_of()
        before: dict[str, float] = {}
        for k, (case, plan, base) in enumerate(todo):
            is_count = case.command == "count"
            if k == 0 or base != todo[k - 1][2]:  # the first of its plan
                before = beside_runs(inp, base, is_count, kept)
            row = run_case(case, plan, inp, repeat)
            nxt = todo[k + 1] if k + 1 < len(todo) else None
            next_count = nxt is not None and nxt[0].command == "count" and nxt[2] == base
            after = beside_runs(inp, base, is_count or next_count, kept)
            row.beside = {tool: [before[tool], after[tool]] for tool in before if tool in after}
            before = after
            save(row)
    if "startup" in only:
        state["startup"] = startup(a.data, startup_runs)
    state["complete"] = True
    save()
    print()
    print(markdown(state))
    print(f"written: {a.output} and {a.output.with_suffix('.json')}")


def _shown_argv(argv: list[str]) -> str:
    """The options as the table shows them, without the local folders of --data and --output."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--data", "--output"):
            skip = True
        elif not arg.startswith(("--data=", "--output=")):
            shown.append(arg)
    return " ".join(shown)


def merge(results: list[dict]) -> dict:
    """One results dict of several runs: the first run's machine and options, every run's
    rows in order (a row measured again in a later run replaces the earlier one, so a
    baseline shared by two runs appears once), the last start-up measured."""
    out = dict(results[0])
    rows: dict[tuple, dict] = {}
    for res in results:
        own = [Row(**r) for r in res["rows"]]
        add_ratios(own)  # against the baselines of its own run
        for r in map(asdict, own):
            rows[(r["command"], r["plan"], r["input"])] = r
        out["inputs"] = {**out["inputs"], **res["inputs"]}
        out["startup"] = res.get("startup") or out.get("startup")
        out["complete"] = out["complete"] and res["complete"]
    out["rows"] = sorted(rows.values(), key=lambda r: _table_order(list(out["inputs"]))(Row(**r)))
    out["options"] = {**out["options"], "argv": " + ".join(res["options"]["argv"] for res in results)}
    out["notes"] = list(dict.fromkeys(n for res in results for n in res["notes"]))
    return out


def _table_order(inputs: list[str]) -> Callable[[Row], tuple]:
    """The table's order: per file, the baselines first, then the commands in the order of
    CASES, each with the default plan first."""
    order = ["pymarc count", "mrrc count", "yaz-marcdump -n", *(c.command for c in CASES)]
    plan_order = {"-": 0, "default": 1, "own-rule": 2}

    def key(r: Row) -> tuple:
        return (inputs.index(r.input), order.index(r.command), plan_order.get(r.plan, 3))
    return key


def _has_mrrc() -> bool:
    probe = subprocess.run([sys.executable, "-c", "import mrrc"], stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def _show(row: Row) -> Row:
    if row.error:
        print(f"  {row.command:16} {row.plan:9} failed: {row.error}", flush=True)
    else:
        extra = f" (first {row.scaled_from:,})" if row.scaled_from else ""
        print(f"  {row.command:16} {row.plan:9} {row.records_per_s:12,.0f} records/s{extra} "
              f"{row.peak_mb:6.0f} MB", flush=True)
    return row


if __name__ == "__main__":
    main()
