"""The speed benchmark: rabiskit count against pymarc (and yaz-marcdump) in one run.

    python benchmarks/run.py [--records 1000000] [--pymarc-limit N] [--xml-records 100000] [--files 100]
                             [--no-iso] [--repeat 3]

1. Generates (once, deterministically) a UNIMARC export in benchmarks/data/.
2. Times on the same file: ``rabiskit count FILE --format json`` (all cores) and
   ``yaz-marcdump -n`` when it is installed, each ``--repeat`` times (3) in turn, taking the
   median run of each (a run of a few seconds meets the machine's passing load); then the
   same count written plainly with pymarc (benchmarks/pymarc_count.py), timed once over the
   whole file (over a minute).  Prints records a second, every run, the ratios and the
   peak memory of the largest process of each.
3. Times ``rabiskit count`` on the same records cut into ``--files`` files (100 of about
   5 MB: many small files, each below the size where one file is split into blocks).
4. Times ``rabiskit count`` on a MARCXML file (the same records; median of the runs)
   against pymarc's parse_xml_to_array reading it.
Nothing here is asserted: the figures go into the README with the machine they were
measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def measure(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "measure.py"), "--", *cmd],
                         stdout=subprocess.PIPE, check=True)
    return json.loads(out.stdout)


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time (of an odd number of runs: the middle one)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def spread(runs: list[dict], records: int) -> str:
    return ", ".join(f"{records / r['seconds']:,.0f}" for r in runs)


def xml_benchmark(iso: Path, n: int, repeat: int) -> dict:
    """rabiskit count on a MARCXML file (all cores) against pymarc's parse_xml_to_array."""
    sys.path.insert(0, str(HERE.parent))
    from rabiskit.sources import open_source
    from rabiskit.sources.marcxml_writer import MarcXmlWriter

    xml = DATA / f"{n}.xml"
    if not xml.exists():
        with MarcXmlWriter(xml) as w:
            for i, src in enumerate(open_source(iso)):
                if i >= n:
                    break
                w.write(src.record)
    runs = [measure([sys.executable, "-m", "rabiskit", "count", str(xml), "--format", "json"])
            for _ in range(repeat)]
    rk = median_run(runs)
    ours = json.loads(rk["stdout"])["records"]["read"]
    pm = measure([sys.executable, "-c", "import sys, pymarc; print(len(pymarc.parse_xml_to_array(sys.argv[1])))",
                  str(xml)])
    theirs = int(pm["stdout"])
    return {"records": ours, "pymarc_records": theirs, "rabiskit_per_s": ours / rk["seconds"],
            "pymarc_per_s": theirs / pm["seconds"], "ratio": (ours / rk["seconds"]) / (theirs / pm["seconds"]),
            "rabiskit_mb": max(r["peak_mb"] for r in runs), "pymarc_mb": pm["peak_mb"],
            "rabiskit_runs": spread(runs, ours)}


def main() -> None:
    ap = argparse.ArgumentParser(description="rabiskit speed benchmark")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--pymarc-limit", type=int, default=None,
                    help="time pymarc on the first N records only (its rate is steady)")
    ap.add_argument("--xml-records", type=int, default=100_000,
                    help="records of the MARCXML file (0: no MARCXML benchmark)")
    ap.add_argument("--no-iso", action="store_true", help="only the MARCXML benchmark")
    ap.add_argument("--files", type=int, default=100,
                    help="also count the same records split into this many files (0: not)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of the short measurements (rabiskit, yaz-marcdump); the median "
                         "counts (pymarc's run is long enough to be timed once)")
    a = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    iso = DATA / f"{a.records}.iso"
    if not iso.exists():
        print(f"generating {iso} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(iso), "--records",
                        str(a.records)], check=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if not a.no_iso:
        iso_benchmark(iso, a.records, a.pymarc_limit, a.repeat)
    if a.files and not a.no_iso:
        many_files_benchmark(iso, a.records, a.files, a.repeat)
    if a.xml_records:
        x = xml_benchmark(iso, a.xml_records, a.repeat)
        print(f"MARCXML, {x['records']} records: rabiskit count {x['rabiskit_per_s']:,.0f}/s "
              f"({x['rabiskit_mb']:.0f} MB; runs: {x['rabiskit_runs']}), "
              f"pymarc parse_xml_to_array {x['pymarc_per_s']:,.0f}/s "
              f"({x['pymarc_mb']:.0f} MB), ratio {x['ratio']:.1f}x")


def split_export(iso: Path, parts: int) -> list[Path]:
    """The export cut into ``parts`` files of equal record counts (made once)."""
    folder = DATA / f"{iso.stem}-in-{parts}"
    files = sorted(folder.glob("*.iso"))
    if len(files) == parts:
        return files
    folder.mkdir(exist_ok=True)
    data = iso.read_bytes()
    ends = []
    pos = data.find(b"\x1d")
    while pos != -1:
        ends.append(pos + 1)
        pos = data.find(b"\x1d", pos + 1)
    per = -(-len(ends) // parts)
    start = 0
    files = []
    for k in range(parts):
        chunk = ends[k * per:(k + 1) * per]
        if not chunk:
            break
        path = folder / f"part-{k:04d}.iso"
        path.write_bytes(data[start:chunk[-1]])
        start = chunk[-1]
        files.append(path)
    return files


def many_files_benchmark(iso: Path, records: int, parts: int, repeat: int) -> None:
    """The same records in many files, each under the size where one file is split."""
    files = split_export(iso, parts)
    runs = [measure([sys.executable, "-m", "rabiskit", "count", *map(str, files), "--format", "json"])
            for _ in range(repeat)]
    rk = median_run(runs)
    read = json.loads(rk["stdout"])["records"]["read"]
    size = sum(f.stat().st_size for f in files) / len(files) / 1e6
    print(f"the same records in {len(files)} files of {size:.1f} MB: rabiskit count "
          f"{read / rk['seconds']:,.0f}/s ({max(r['peak_mb'] for r in runs):.0f} MB; runs: {spread(runs, read)})")


def iso_benchmark(iso: Path, records: int, pymarc_limit: int | None, repeat: int) -> None:
    print(f"file: {iso.name}, {records} records, {iso.stat().st_size / 1e6:.0f} MB")
    yaz = shutil.which("yaz-marcdump")
    rk_runs, yz_runs = [], []
    for _ in range(repeat):  # alternately, so both meet the same moments of the machine
        rk_runs.append(measure([sys.executable, "-m", "rabiskit", "count", str(iso), "--format", "json"]))
        if yaz:
            yz_runs.append(measure(["yaz-marcdump", "-n", str(iso)]))
    rk = median_run(rk_runs)
    read = json.loads(rk["stdout"])["records"]["read"]
    rk_rate = read / rk["seconds"]
    cmd = [sys.executable, str(HERE / "pymarc_count.py"), str(iso)]
    if pymarc_limit:
        cmd += ["--limit", str(pymarc_limit)]
    pm = measure(cmd)
    pm_rate = json.loads(pm["stdout"])["records"] / pm["seconds"]
    rows = [("rabiskit count", rk_rate, max(r["peak_mb"] for r in rk_runs), spread(rk_runs, read)),
            ("pymarc count", pm_rate, pm["peak_mb"], "one run")]
    yaz_rate = None
    if yz_runs:
        yz = median_run(yz_runs)
        yaz_rate = records / yz["seconds"]
        rows.append(("yaz-marcdump -n", yaz_rate, max(r["peak_mb"] for r in yz_runs), spread(yz_runs, records)))
    print(f"{'':18} {'records/s':>12} {'peak MB':>9}   runs (records/s)")
    for name, rate, mb, runs in rows:
        print(f"{name:18} {rate:12,.0f} {mb:9.0f}   {runs}")
    print(f"rabiskit / pymarc: {rk_rate / pm_rate:.1f}x")
    if yaz_rate:
        print(f"rabiskit / yaz-marcdump -n: {rk_rate / yaz_rate:.2f}")


if __name__ == "__main__":
    main()
