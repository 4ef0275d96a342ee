"""The speed benchmark: rabiskit count against pymarc (and yaz-marcdump) in one run.

    python benchmarks/run.py [--records 1000000] [--pymarc-limit N] [--xml-records 100000] [--no-iso]

1. Generates (once, deterministically) a UNIMARC export in benchmarks/data/.
2. Times, one after the other on the same file: ``rabiskit count FILE --format json``
   (all cores), the same count written plainly with pymarc (benchmarks/pymarc_count.py),
   and ``yaz-marcdump -n`` when it is installed.  Prints records a second, the ratios and
   the peak memory of the largest process of each.
3. Times ``rabiskit count`` on a MARCXML file (the same records) against pymarc's
   parse_xml_to_array reading it.
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


def xml_benchmark(iso: Path, n: int) -> dict:
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
    rk = measure([sys.executable, "-m", "rabiskit", "count", str(xml), "--format", "json"])
    ours = json.loads(rk["stdout"])["records"]["read"]
    pm = measure([sys.executable, "-c", "import sys, pymarc; print(len(pymarc.parse_xml_to_array(sys.argv[1])))",
                  str(xml)])
    theirs = int(pm["stdout"])
    return {"records": ours, "pymarc_records": theirs, "rabiskit_per_s": ours / rk["seconds"],
            "pymarc_per_s": theirs / pm["seconds"], "ratio": (ours / rk["seconds"]) / (theirs / pm["seconds"]),
            "rabiskit_mb": rk["peak_mb"], "pymarc_mb": pm["peak_mb"]}


def main() -> None:
    ap = argparse.ArgumentParser(description="rabiskit speed benchmark")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--pymarc-limit", type=int, default=None,
                    help="time pymarc on the first N records only (its rate is steady)")
    ap.add_argument("--xml-records", type=int, default=100_000,
                    help="records of the MARCXML file (0: no MARCXML benchmark)")
    ap.add_argument("--no-iso", action="store_true", help="only the MARCXML benchmark")
    a = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    iso = DATA / f"{a.records}.iso"
    if not iso.exists():
        print(f"generating {iso} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(iso), "--records",
                        str(a.records)], check=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if not a.no_iso:
        iso_benchmark(iso, a.records, a.pymarc_limit)
    if a.xml_records:
        x = xml_benchmark(iso, a.xml_records)
        print(f"MARCXML, {x['records']} records: rabiskit count {x['rabiskit_per_s']:,.0f}/s "
              f"({x['rabiskit_mb']:.0f} MB), pymarc parse_xml_to_array {x['pymarc_per_s']:,.0f}/s "
              f"({x['pymarc_mb']:.0f} MB), ratio {x['ratio']:.1f}x")


def iso_benchmark(iso: Path, records: int, pymarc_limit: int | None) -> None:
    print(f"file: {iso.name}, {records} records, {iso.stat().st_size / 1e6:.0f} MB")
    rk = measure([sys.executable, "-m", "rabiskit", "count", str(iso), "--format", "json"])
    read = json.loads(rk["stdout"])["records"]["read"]
    rk_rate = read / rk["seconds"]
    cmd = [sys.executable, str(HERE / "pymarc_count.py"), str(iso)]
    if pymarc_limit:
        cmd += ["--limit", str(pymarc_limit)]
    pm = measure(cmd)
    pm_rate = json.loads(pm["stdout"])["records"] / pm["seconds"]
    rows = [("rabiskit count", rk_rate, rk["peak_mb"]), ("pymarc count", pm_rate, pm["peak_mb"])]
    yaz_rate = None
    if shutil.which("yaz-marcdump"):
        yz = measure(["yaz-marcdump", "-n", str(iso)])
        yaz_rate = records / yz["seconds"]
        rows.append(("yaz-marcdump -n", yaz_rate, yz["peak_mb"]))
    print(f"{'':18} {'records/s':>12} {'peak MB':>9}")
    for name, rate, mb in rows:
        print(f"{name:18} {rate:12,.0f} {mb:9.0f}")
    print(f"rabiskit / pymarc: {rk_rate / pm_rate:.1f}x")
    if yaz_rate:
        print(f"rabiskit / yaz-marcdump -n: {rk_rate / yaz_rate:.2f}")


if __name__ == "__main__":
    main()
