"""``rabiskit ledger status``: the imports, totals per database, the newest date entered,
the closed quarters and their corrections."""

from __future__ import annotations

from rabiskit.aggregate.count import KAZAKH
from rabiskit.ledger.closing import closed_quarters
from rabiskit.ledger.store import Ledger


def ledger_status(ledger: Ledger) -> dict:
    """Everything ``ledger status`` shows, as JSON-ready data."""
    conn = ledger.conn
    imports = []
    for r in conn.execute("SELECT * FROM imports WHERE finished IS NOT NULL ORDER BY id"):
        files = [f[0] for f in conn.execute(
            "SELECT file FROM import_files WHERE import_id = ? ORDER BY position", (r["id"],))]
        imports.append({k: r[k] for k in ("id", "started", "finished", "plan", "records", "added",
                                          "changed", "unchanged", "deleted", "stale", "repeated",
                                          "corrections", "problems")} | {"files": files})
    databases = {}
    for (db,) in conn.execute("SELECT DISTINCT database FROM records ORDER BY database"):
        databases[db] = _totals(conn, "WHERE database = ?", (db,))
    try:
        size = ledger.path.stat().st_size
    except OSError:
        size = None
    return {
        "ledger": str(ledger.path),
        "size": size,
        "imports": imports,
        "databases": databases,
        "total": _totals(conn, "", ()),
        "closed_quarters": _closed(ledger),
    }


def _closed(ledger: Ledger) -> list[dict]:
    out = []
    for cq in closed_quarters(ledger):
        with ledger.decoding(f"closed_quarters {cq.period}"):
            out.append({"period": cq.period, "closed_at": cq.closed_at,
                        "total": cq.snapshot["total"]["total"],
                        "kazakh": cq.snapshot["total"]["kazakh"],
                        "corrections": len(cq.corrections), "corrections_delta": cq.delta()})
    return out


def _totals(conn, where: str, params: tuple) -> dict:
    r = conn.execute(
        "SELECT COUNT(*) AS records, COALESCE(SUM(deleted), 0) AS deleted, "
        "COALESCE(SUM(deleted = 0 AND date_entered IS NULL), 0) AS undated, "
        "COALESCE(SUM(deleted = 0 AND language = ?), 0) AS kazakh, "
        "MAX(CASE WHEN deleted = 0 THEN date_entered END) AS newest, "
        "MIN(CASE WHEN deleted = 0 THEN date_entered END) AS oldest, "
        "MAX(last_seen) AS last_seen "
        f"FROM records {where}", (KAZAKH,) + params).fetchone()
    cond = (where + " AND " if where else "WHERE ") + "deleted = 0"
    levels = {lv or "book": n for lv, n in conn.execute(
        f"SELECT COALESCE(level, 'book'), COUNT(*) FROM records {cond} GROUP BY 1 ORDER BY 2 DESC",
        params)}
    return {"records": r["records"], "live": r["records"] - r["deleted"], "deleted": r["deleted"],
            "undated": r["undated"], "kazakh": r["kazakh"], "levels": levels,
            "newest_date_entered": r["newest"], "oldest_date_entered": r["oldest"],
            "last_seen": r["last_seen"]}
