#!/usr/bin/python3
"""Turns the raw results of one scripts/bench run (a folder of JSON and pgbench/redis-benchmark
outputs) into the table of SPEC section 8: what | ours | baseline | ratio | target | met.
Prints the table and, with --report FILE, writes it as JSON with every raw figure beside it.
Only the steps named by --ran are reported.
Exits 1 when a correctness check failed; targets that are missed are reported, never asserted.
The benchmark programs check their own results (the "check_ok" and "problems" of their JSON:
failed calls, a hot product not sold out exactly, events not consumed or dead-lettered, the
spatial index against brute force and Redis, rejected location fixes); this script fails the
run when a step that ran has no result or a failed check, and checks the assignment solver
against scipy (same cost on every instance, at least one instance)."""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import sys


def load_json(path):
    """The JSON document in `path` (or, when other lines precede it, its last line)."""
    text = read(path).strip()
    if not text:
        return None
    for candidate in (text, text.splitlines()[-1]):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def pgbench_tps(path):
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", read(path))
    return float(m.group(1)) if m else None


def pgbench_log_p99_ms(pattern):
    """p99 of (schedule lag + transaction time) from pgbench -l logs written with -R."""
    values = []
    for path in glob.glob(pattern):
        for line in read(path).splitlines():
            f = line.split()
            if len(f) >= 7:
                values.append((int(f[2]) + int(f[6])) / 1000.0)
            elif len(f) >= 3:
                values.append(int(f[2]) / 1000.0)
    if not values:
        return None
    values.sort()
    return values[min(len(values) - 1, int(0.99 * len(values)))]


def redis_csv(path):
    """The result line of redis-benchmark --csv (one test): rps and latencies (ms)."""
    lines = [l for l in read(path).splitlines() if l.startswith('"') and not l.startswith('"test"')]
    if not lines:
        return None
    cols = [c.strip('"') for c in lines[-1].split('","')]
    header = ["test", "rps", "avg_ms", "min_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"]
    out = dict(zip(header, cols))
    return {k: float(v) for k, v in out.items() if k != "test"}


def vmstat(path):
    """The machine's CPU over a step from `vmstat -n 1` (its first line, the averages since boot,
    skipped): busy % (user + system), idle %, I/O wait % and runnable processes (mean, max)."""
    samples = []
    for line in read(path).splitlines()[3:]:
        f = line.split()
        if len(f) >= 16 and f[0].isdigit():
            samples.append({"r": int(f[0]), "us": int(f[12]), "sy": int(f[13]), "id": int(f[14]),
                            "wa": int(f[15])})
    if not samples:
        return None
    mean = lambda k: round(sum(x[k] for x in samples) / len(samples), 1)
    return {"seconds": len(samples), "busy_pct": round(mean("us") + mean("sy"), 1),
            "idle_pct": mean("id"), "iowait_pct": mean("wa"), "runnable_mean": mean("r"),
            "runnable_max": max(x["r"] for x in samples)}


def dig(obj, *keys):
    for k in keys:
        if obj is None:
            return None
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj


def fmt(value, unit):
    if value is None:
        return "—"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "ms":
        return f"{value:,.2f} ms"
    if unit == "us":
        return f"{value:,.1f} µs"
    if unit == "s":
        return f"{value:,.3f} s"
    if unit == " rows":
        return f"{value:,} rows"
    if unit == "MiB":
        return f"{value:,.1f} MiB"
    return f"{value}{unit}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--quick", type=int, default=0)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=int, default=0)
    p.add_argument("--build-seconds", type=int, default=0)
    p.add_argument("--failed", default="")
    p.add_argument("--ran", required=True, help="the steps of scripts/bench that ran")
    p.add_argument("--report")
    a = p.parse_args()
    d = a.dir
    j = lambda name: load_json(os.path.join(d, name + ".json"))
    ran = set(a.ran.split())

    rows = []
    problems = []  # "step: what failed"

    def problem(step, text):
        problems.append(f"{step}: {text}")

    def checked(step):
        """The JSON of a step whose program checks its own results; a missing result or a
        failed check is a problem. None when the step did not run."""
        if step not in ran:
            return None
        result = j(step)
        if not isinstance(result, dict):
            problem(step, "no result (see its error output above)")
            return None
        if result.get("check_ok") is not True:
            for text in result.get("problems") or ["check failed (no problem named)"]:
                problem(step, text)
        return result

    def row(what, ours, ours_unit, base=None, base_unit=None, base_name="", ratio=None,
            target="—", met=None, note=""):
        rows.append({
            "what": what,
            "ours": ours, "ours_text": fmt(ours, ours_unit),
            "baseline": base,
            "baseline_text": (base_name + " " + fmt(base, base_unit)).strip() if base is not None
            else (base_name or "—"),
            "ratio": ratio,
            "target": target,
            "met": met,
            "note": note,
        })

    c = a.clients
    # PlaceOrder peak vs pgbench TPC-B at the same client count.
    po = checked("place_order_peak")
    tpcb = pgbench_tps(os.path.join(d, "pgbench_tpcb.json"))
    if "place_order_peak" in ran or "pgbench_tpcb" in ran:
        po_tps = dig(po, "throughput_per_s")
        ratio = po_tps / tpcb if po_tps and tpcb else None
        row(f"PlaceOrder peak, 3 lines/2 stalls, durable ({c} clients)", po_tps, "/s", tpcb, "/s",
            "pgbench TPC-B", ratio, "≥ 0.5× pgbench", ratio is not None and ratio >= 0.5,
            f"failures {dig(po, 'failures')}" if dig(po, "failures") else "")
    half = checked("place_order_half")
    pg_p99 = pgbench_log_p99_ms(os.path.join(d, "tpcb_half*"))
    if "place_order_half" in ran or "pgbench_tpcb_half" in ran:
        p99 = dig(half, "latency_us", "p99")
        p99_ms = p99 / 1000.0 if p99 is not None else None
        rate = dig(half, "rate")
        row(f"PlaceOrder p99, open loop at half the peak ({rate:,.0f}/s)" if rate else
            "PlaceOrder p99 at half the peak", p99_ms, "ms", pg_p99, "ms",
            "pgbench TPC-B p99 at that rate", p99_ms / pg_p99 if p99_ms and pg_p99 else None,
            "p99 ≤ 20 ms", p99_ms is not None and p99_ms <= 20.0,
            f"failures {dig(half, 'failures')}" if dig(half, "failures") else "")

    # At PlaceOrder's peak no stream's backlog grows (sampled during place_order_peak).
    bl = checked("place_order_backlog")
    if "place_order_backlog" in ran:
        backlogs = dig(bl, "backlogs") or []
        growing = [b for b in backlogs if b.get("grows")]
        row("At PlaceOrder's peak no stream's backlog grows (every stream's consumer groups, every "
            "outbox; sampled each second)",
            len(growing), f" of {len(backlogs)} growing", None, None, "—", None,
            "no backlog grows (slope ≤ 5 % of its arrival rate)", bool(backlogs) and not growing,
            "; ".join("{}: max {:,}, end {:,}, slope {:+,.1f}/s of {:,.0f}/s arriving{}".format(
                b["backlog"], b["max"], b["end"], b["slope_per_s"], b["arrival_per_s"],
                ", drained {} s after".format(b["drained_after_s"])
                if b.get("drained_after_s") is not None else ", not drained")
                for b in sorted(backlogs, key=lambda b: -b["max"])) if backlogs else "")

    # Hot product.
    hot = checked("hot_product")
    hot_row_tps = pgbench_tps(os.path.join(d, "pgbench_hot_row.json"))
    if "hot_product" in ran or "pgbench_hot_row" in ran:
        attempts = dig(hot, "attempts") or 0
        row(f"Hot product: 32 buyers, {attempts:,} ReserveStock attempts",
            dig(hot, "throughput_per_s"), "/s", hot_row_tps, "/s",
            "pgbench 1-row UPDATE, 32 clients",
            dig(hot, "throughput_per_s") / hot_row_tps if hot and hot_row_tps else None,
            "sold out exactly, no oversell; every refusal INSUFFICIENT_STOCK",
            bool(hot) and hot.get("check_ok") is True,
            "sold {} of {}, oversold {}, stock after {}, refusals {}".format(
                dig(hot, "hot", "reserved_ok"), dig(hot, "hot", "initial_stock"),
                dig(hot, "hot", "oversold"), dig(hot, "hot", "stock_after"),
                dig(hot, "failures")) if hot else "")

    # Event hop.
    ev = checked("events")
    xadd = redis_csv(os.path.join(d, "redis_xadd.json"))
    xadd16 = redis_csv(os.path.join(d, "redis_xadd_p16.json"))
    if "events" in ran or "redis_xadd" in ran or "redis_xadd_p16" in ran:
        ev_p99 = dig(ev, "open_loop", "hop_from_commit_us", "p99")
        ev_p99_ms = ev_p99 / 1000.0 if ev_p99 is not None else None
        row("Event hop outbox → Redis → consumer: p99 at 1,000 events/s", ev_p99_ms, "ms",
            xadd and xadd.get("p99_ms"), "ms", "redis-benchmark XADD p99 (50 clients)",
            ev_p99_ms / xadd["p99_ms"] if ev_p99_ms and xadd and xadd.get("p99_ms") else None,
            "p99 ≤ 10 ms", ev_p99_ms is not None and ev_p99_ms <= 10.0,
            "from the producer's commit to the handler; offered {:,.0f}/s, the producers' durable "
            "commits achieved {:,.0f}/s; not consumed: {}, dead-lettered: {}".format(
                dig(ev, "open_loop", "rate"), dig(ev, "open_loop", "achieved_rate"),
                dig(ev, "open_loop", "not_consumed"), dig(ev, "consumer", "dead_lettered"))
            if ev else "")
        peak_rate = dig(ev, "peak", "consumed_per_s")
        peak_ratio = peak_rate / xadd["rps"] if peak_rate and xadd else None
        row("Event hop peak rate (consumed/s)", peak_rate, "/s", xadd and xadd.get("rps"), "/s",
            "redis-benchmark XADD", peak_ratio, "≥ 0.1× XADD", peak_ratio is not None
            and peak_ratio >= 0.1, "XADD -P 16: {:,.0f}/s".format(xadd16["rps"]) if xadd16 else "")

    # Assignment: the same cost as scipy on every instance, and at least one instance.
    if "assignment" in ran:
        asg = j("assignment")
        instances = asg.get("instances") if isinstance(asg, dict) else None
        if instances is None:
            problem("assignment", "no result (see its error output above)")
        elif not instances:
            problem("assignment", "no instance was solved (the instance list is empty)")
        for inst in instances or []:
            name = inst["name"].replace("x", " × ")
            same = inst.get("same_cost") is True
            if not same:
                problem("assignment", "{}: total cost {} and {} rows matched, scipy's {} and {} "
                        "(rel. diff {:.1e})".format(
                            inst["name"], inst.get("total_cost"), inst.get("matched"),
                            dig(inst, "scipy", "total_cost"), dig(inst, "scipy", "matched"),
                            inst.get("relative_cost_difference", float("nan"))))
            speed = inst.get("speedup_vs_scipy")
            big = inst["name"] == "1000x5000"
            target = "same cost (1e-9)" + ("; no slower than scipy" if big else "")
            met = same and (not big or (speed is not None and speed >= 1.0))
            row(f"Assignment solver {name}", inst["seconds"], "s", dig(inst, "scipy", "seconds"),
                "s", "scipy linear_sum_assignment", speed, target, met,
                "cost rel. diff {:.1e}{}".format(inst.get("relative_cost_difference", float("nan")),
                                                  "" if same else " MISMATCH"))
        if not instances:
            row("Assignment solver", None, "s", target="same cost; no slower than scipy", met=False)

    # Nearest couriers.
    geo = checked("geo")
    if "geo" in ran:
        ours_p99 = dig(geo, "ours", "latency_us", "p99")
        redis_p99 = dig(geo, "redis_geosearch", "latency_us", "p99")
        speed = redis_p99 / ours_p99 if ours_p99 and redis_p99 else None
        row("Nearest eligible couriers (k=50, 3 km) among 50,000: p99", ours_p99, "us", redis_p99,
            "us", "Redis GEOSEARCH p99", speed, "p99 ≤ 50 µs; ≥ 50× faster",
            ours_p99 is not None and ours_p99 <= 50 and speed is not None and speed >= 50,
            "ratio = speed-up; exact against brute force on {} of {} queries; agreement with "
            "Redis {:.1%}".format(geo.get("exact_equal"), geo.get("exact_checked"),
                                  geo.get("agreement", 0)) if geo else "")

    # Location updates.
    loc = checked("locations")
    if "locations" in ran:
        ups = dig(loc, "updates_per_s")
        streams = dig(loc, "streams") or 0
        row(f"Location updates into one dispatch ({streams} streams × 100-fix messages)", ups, "/s",
            target="≥ 50,000/s", met=ups is not None and ups >= 50000,
            note="accepted {} rejected {}{}".format(
                loc.get("accepted"), loc.get("rejected"),
                "; a lower bound: the generator's pacing cap ({:,.0f}/s) was reached".format(
                    loc.get("generator_cap_per_s", 0)) if loc.get("generator_bound") else "")
            if loc else "")

    # Catalogue read.
    lp = checked("list_products")
    sel = pgbench_tps(os.path.join(d, "pgbench_select.json"))
    if "list_products" in ran or "pgbench_select" in ran:
        lp_tps = dig(lp, "throughput_per_s")
        lp_ratio = lp_tps / sel if lp_tps and sel else None
        row(f"Catalogue ListProducts, page of 50 ({c} clients)", lp_tps, "/s", sel, "/s",
            "pgbench -S -M prepared", lp_ratio, "≥ 0.15× pgbench -S",
            lp_ratio is not None and lp_ratio >= 0.15,
            "p99 {:.2f} ms".format(dig(lp, "latency_us", "p99") / 1000) if lp else "")
    lp_half = checked("list_products_half")
    if "list_products_half" in ran:
        p99 = dig(lp_half, "latency_us", "p99")
        p99_ms = p99 / 1000.0 if p99 is not None else None
        rate = dig(lp_half, "rate")
        row(f"Catalogue ListProducts p99, open loop at half the peak ({rate:,.0f}/s)" if rate else
            "Catalogue ListProducts p99 at half the peak", p99_ms, "ms", target="p99 ≤ 10 ms",
            met=p99_ms is not None and p99_ms <= 10.0,
            note=f"failures {dig(lp_half, 'failures')}" if dig(lp_half, "failures") else "")

    # Flat as data grows: the same calls on a preloaded and on a fresh database.
    gr = checked("growth")
    if "growth" in ran:
        n = dig(gr, "orders")
        label = f"{n:,} orders, {dig(gr, 'products'):,} products preloaded" if n else "preloaded"
        rate = dig(gr, "read_rate_per_s") or 0
        for key, what, unit in (
                ("place_order_per_s", f"PlaceOrder peak ({c} clients)", "/s"),
                ("get_order_p99_ms", f"GetOrder p99, open loop at {rate:,.0f}/s", "ms"),
                ("list_orders_p99_ms", f"ListOrders p99 (page of 20), open loop at {rate:,.0f}/s",
                 "ms"),
                ("list_products_p99_ms", f"ListProducts p99, open loop at {rate:,.0f}/s", "ms")):
            ratio = dig(gr, "ratios", key)
            is_rate = unit == "/s"
            row(f"Flat as data grows ({label}): {what}", dig(gr, "preloaded", key), unit,
                dig(gr, "fresh", key), unit, "fresh database", ratio,
                "≥ 0.67× fresh (within 1.5×)" if is_rate else "≤ 1.5× fresh",
                ratio is not None and (ratio >= 1 / 1.5 if is_rate else ratio <= 1.5),
                "preload {} s".format(dig(gr, "preload_seconds")) if is_rate and gr else "")
        bounded = dig(gr, "bounded") or []
        row(f"Bounded tables after the purges ({label})",
            sum(t["rows"] for t in bounded) if bounded else None, " rows",
            target="no row past its retention", met=bool(bounded) and all(
                t["past_retention"] == 0 for t in bounded),
            note="; ".join("{} {:,} ({} h)".format(t["table"], t["rows"], t["retention_hours"])
                           for t in bounded))

    # Memory (measured by scripts/bench in a run of every step only).
    if os.path.exists(os.path.join(d, "rss-idle.json")):
        idle = load_json(os.path.join(d, "rss-idle.json")) or {}
        loaded = load_json(os.path.join(d, "rss-loaded.json")) or {}
        for s in ("inventory", "order", "dispatch"):
            mib = idle.get(s) / 1024.0 if idle.get(s) is not None else None
            row(f"Idle RSS, {s}", mib, "MiB", target="≤ 64 MiB", met=mib is not None and mib <= 64)
        for s in ("inventory", "order", "dispatch"):
            hwm = dig(loaded, s, "hwm_kib")
            row(f"Peak RSS under load, {s}", hwm / 1024.0 if hwm else None, "MiB")

    cpu = {}
    for name in ("place_order_peak", "place_order_half", "hot_product", "list_products",
                 "list_products_half", "locations"):
        v = dig(j(name), "server_cpu_seconds_per_1000")
        if v:
            cpu[name] = v

    # Where PostgreSQL's time went at PlaceOrder's peak (pg_stat_statements over the step).
    pg_profile = None
    st = j("place_order_statements") if "place_order_peak" in ran else None
    if isinstance(st, dict) and st.get("orders"):
        n = st["orders"]
        pg_profile = {
            "orders": n,
            "exec_ms_per_order": round((st.get("exec_ms") or 0) / n, 3),
            "statements_per_order": round((st.get("calls") or 0) / n, 2),
            "largest": [{"query": x["query"], "per_order": round(x["calls"] / n, 2),
                         "ms_per_order": round(float(x["exec_ms"]) / n, 3)}
                        for x in st.get("statements") or []],
        }

    machine = {}
    for name in sorted(ran):
        v = vmstat(os.path.join(d, name + ".vmstat"))
        if v:
            machine[name] = v

    # ---- print -------------------------------------------------------------------------------
    headers = ["what", "ours", "baseline", "ratio", "target", "met"]
    table = []
    for r in rows:
        met = "—" if r["met"] is None else ("yes" if r["met"] else "NO")
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        table.append([r["what"], r["ours_text"], r["baseline_text"], ratio, r["target"], met])
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for t in table:
        print(line(t))
    notes = [f"- {r['what']}: {r['note']}" for r in rows if r["note"]]
    if notes:
        print("\nNotes:")
        print("\n".join(notes))
    if cpu:
        print("\nServer CPU seconds per 1,000 requests (Pasar processes only, PostgreSQL excluded):")
        for name, v in cpu.items():
            print("- {}: {}".format(name, ", ".join(f"{k} {x:.3g}" for k, x in v.items())))
    if pg_profile:
        print(f"\nPostgreSQL at PlaceOrder's peak (pg_stat_statements, {pg_profile['orders']:,} "
              f"orders): {pg_profile['exec_ms_per_order']:.2f} ms of statement execution and "
              f"{pg_profile['statements_per_order']:.1f} statements per order; the largest:")
        for x in pg_profile["largest"][:8]:
            print(f"- {x['ms_per_order']:.3f} ms ({x['per_order']:.2f} per order): {x['query'][:110]}")
    if machine:
        print("\nThe machine's CPU during each step (vmstat each second; runnable processes against "
              f"{os.cpu_count()} CPUs):")
        for name, v in machine.items():
            print(f"- {name}: busy {v['busy_pct']:.0f} %, idle {v['idle_pct']:.0f} %, I/O wait "
                  f"{v['iowait_pct']:.0f} %, runnable mean {v['runnable_mean']:.1f} max "
                  f"{v['runnable_max']} ({v['seconds']} s)")
    mode = {0: "full", 1: "quick (indicative only)", 2: "smoke (checks only)"}[a.quick]
    print(f"\n{mode} run, {datetime.date.today().isoformat()}, {os.cpu_count()} CPUs, "
          f"{a.seconds} s in all ({a.build_seconds} s of it building)")
    if a.failed.strip():
        print("benchmarks that failed to run: " + a.failed)
    if problems:
        print("\nA CORRECTNESS CHECK FAILED:")
        print("\n".join(f"- check failed: {p}" for p in problems))

    if a.report:
        raw = {}
        for path in sorted(glob.glob(os.path.join(d, "*.json"))):
            name = os.path.basename(path)[:-5]
            v = load_json(path)
            raw[name] = v if v is not None else read(path)[-4000:]
        raw["pgbench_tpcb_half_p99_ms"] = pg_p99
        raw["redis_xadd"] = xadd
        raw["redis_xadd_p16"] = xadd16
        out = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "mode": {0: "full", 1: "quick", 2: "smoke"}[a.quick],
            "machine": {"cpus": os.cpu_count(), "system": platform.platform()},
            "seconds": a.seconds,
            "build_seconds": a.build_seconds,
            "rows": rows,
            "server_cpu_seconds_per_1000": cpu,
            "machine_cpu": machine,
            "place_order_postgres": pg_profile,
            "steps": sorted(ran),
            "checks_ok": not problems,
            "problems": problems,
            "failed": a.failed.split(),
            "raw": raw,
        }
        with open(a.report, "w") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)
        print(f"report written to {a.report}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
