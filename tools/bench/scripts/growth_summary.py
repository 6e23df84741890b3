#!/usr/bin/python3
"""The result of scripts/bench's growth step as one JSON object on stdout (read by report.py):
the same calls on a fresh database and on one preloaded with a month of a busy town
(tools/bench/sql/growth_*.sql), their ratios, the preload's row counts and time, the bounded
tables' rows once the services' purges ran, and the sequential scans of big tables during the
preloaded measurement. check_ok is false (and problems say why) when a call failed, a preloaded
count is not what the preload wrote, a bounded table kept rows past its retention, or a table of
at least SCAN_ROWS rows was read by a sequential scan while the calls were measured."""
import argparse
import json
import os
import sys

SCAN_ROWS = 100_000
CALLS = ("place_order", "get_order", "list_orders", "list_products")


def load(path):
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    for candidate in (text, text.splitlines()[-1] if text else ""):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--orders", type=int, required=True)
    p.add_argument("--products", type=int, required=True)
    p.add_argument("--rate", type=float, required=True)
    a = p.parse_args()
    d = a.dir
    problems = []
    out = {"orders": a.orders, "products": a.products, "read_rate_per_s": a.rate}

    def figure(result, call):
        if call == "place_order":
            return result.get("throughput_per_s")
        p99 = (result.get("latency_us") or {}).get("p99")
        return p99 / 1000.0 if p99 is not None else None

    for phase in ("fresh", "preloaded"):
        figures = {}
        for call in CALLS:
            r = load(os.path.join(d, f"{phase}-{call}.json"))
            if not isinstance(r, dict):
                problems.append(f"{phase} {call}: no result")
                figures[call] = None
                continue
            if r.get("check_ok") is not True:
                for text in r.get("problems") or ["check failed"]:
                    problems.append(f"{phase} {call}: {text}")
            figures[call] = figure(r, call)
        out[phase] = {"place_order_per_s": figures["place_order"],
                      "get_order_p99_ms": figures["get_order"],
                      "list_orders_p99_ms": figures["list_orders"],
                      "list_products_p99_ms": figures["list_products"]}
    out["ratios"] = {}
    for key in out["fresh"]:
        f, g = out["fresh"][key], out["preloaded"][key]
        # Preloaded ÷ fresh (target: ≥ 1/1.5 for the rate, ≤ 1.5 for the latencies).
        out["ratios"][key] = g / f if f and g else None

    try:
        out["preload_seconds"] = float(open(os.path.join(d, "preload_seconds")).read())
        out["purge_wait_seconds"] = int(open(os.path.join(d, "purge_wait_seconds")).read())
    except (OSError, ValueError):
        problems.append("the preload did not finish")

    preloaded = load(os.path.join(d, "counts-preloaded.json")) or {}
    purged = load(os.path.join(d, "counts-purged.json")) or {}
    kept = preloaded.get("kept") or {}
    out["preloaded_rows"] = kept
    n, jobs = a.orders, kept.get("dispatch.jobs") or 0
    expected = {
        "orders.orders": n, "orders.tickets": 2 * n, "orders.ticket_lines": 3 * n,
        "orders.ledger_entries": 8 * jobs, "inventory.products": a.products,
        "inventory.reservations": n, "inventory.reservation_lines": 3 * n,
        "inventory.stock_ledger": a.products + 6 * n, "dispatch.job_stops": 2 * jobs,
    }
    for table, want in expected.items():
        if kept.get(table) != want:
            problems.append(f"preloaded {table}: {kept.get(table)} rows, expected {want}")
    if not 0.85 * n <= jobs <= 0.99 * n:  # 93 % of the orders are delivered
        problems.append(f"preloaded dispatch.jobs: {jobs} rows for {n} orders (about 93 % expected)")

    out["bounded_before_purge"] = preloaded.get("bounded")
    out["bounded"] = purged.get("bounded")
    if not purged.get("bounded"):
        problems.append("the bounded tables were not counted")
    for t in purged.get("bounded") or []:
        if t["past_retention"] != 0:
            problems.append("{}: {} of {} rows past its retention ({} h) after the purges".format(
                t["table"], t["past_retention"], t["rows"], t["retention_hours"]))

    before = load(os.path.join(d, "scans-before.json")) or {}
    after = load(os.path.join(d, "scans-after.json")) or {}
    scans = {}
    for table, s in after.items():
        b = before.get(table) or {"seq_scan": 0, "seq_tup_read": 0}
        delta = s["seq_scan"] - b["seq_scan"]
        if delta > 0:
            scans[table] = {"seq_scans": delta, "rows_read": s["seq_tup_read"] - b["seq_tup_read"],
                            "rows": s["rows"]}
            if s["rows"] >= SCAN_ROWS:
                problems.append(f"{table} ({s['rows']} rows): {delta} sequential scans during "
                                "the preloaded measurement")
    out["seq_scans_while_measured"] = scans
    out["check_ok"] = not problems
    out["problems"] = problems
    json.dump(out, sys.stdout)
    print()
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
