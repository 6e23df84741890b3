#!/usr/bin/python3
"""Samples every event backlog of the benchmark's services while a step runs (scripts/bench runs
it beside place_order_peak): each Redis stream's consumer groups (XINFO GROUPS: `lag`, the
entries not yet delivered to the group, plus `pending`, delivered and not yet acknowledged) and
each service's outbox (rows not yet shipped by its relay), every --interval seconds until the
--stop file appears; then, for at most --drain seconds more, until every backlog is empty.
Prints one JSON object: per backlog its samples' start, end, max, the arrival rate (entries
added to the stream, rows added to the outbox, per second), the least-squares slope of the
backlog over the step (per second) and whether it grows: a slope above max(1/s, 5 % of the
arrival rate), i.e. the consumer (or relay) falls behind what arrives by more than 5 %; and the
seconds each took to drain after the step. "check_ok" is false only when nothing was sampled.
Talks RESP to Redis over a socket and keeps one psql session (no client libraries needed)."""
import argparse
import json
import os
import socket
import subprocess
import sys
import time


class Redis:
    """The smallest RESP2 client: one command at a time."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.buf = b""

    def command(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("redis closed the connection")
                self.buf += chunk
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError(f"unexpected RESP reply {line!r}")


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2]))


class Psql:
    """One psql session; each query's rows as lists of strings."""

    def __init__(self, args):
        self.proc = subprocess.Popen(["psql", "-qAtX", "-F", "\t", "-v", "ON_ERROR_STOP=1"] + args,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def query(self, sql):
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo __end__\n")
        self.proc.stdin.flush()
        rows = []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "__end__":
                return rows
            rows.append(line.split("\t"))
        raise RuntimeError("psql ended")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


EXACT_UP_TO = 5000  # undelivered entries counted exactly below this; Redis's lag above it


class Sample:
    """One backlog now: its size, what has arrived so far and, for a consumer group, what Redis
    reported (lag, pending, caught_up: its last delivered id is the stream's last id)."""

    def __init__(self, backlog, arrived, group):
        self.backlog, self.arrived, self.group = backlog, arrived, group


def sample(redis, prefix, psql, outbox_sql):
    """{name: Sample} of every backlog now."""
    out = {}
    cursor, keys = "0", []
    while True:
        cursor, batch = redis.command("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000,
                                      "TYPE", "stream")
        keys += batch
        if cursor == "0":
            break
    for key in sorted(set(keys)):
        try:
            info = pairs(redis.command("XINFO", "STREAM", key))
            groups = redis.command("XINFO", "GROUPS", key)
        except RuntimeError:  # gone meanwhile
            continue
        added, last_id = info.get("entries-added"), info.get("last-generated-id")
        for g in groups:
            g = pairs(g)
            lag, pending = g.get("lag"), g.get("pending") or 0
            # Redis 7.0's `lag` is an estimate (entries added minus the group's entries-read) that
            # can stay wrong, e.g. after trimming (redis/redis#13957, fixed in later releases), so
            # the entries after the group's last delivered id are counted (up to EXACT_UP_TO).
            delivered = g.get("last-delivered-id")
            caught_up = delivered == last_id
            undelivered = 0 if caught_up else lag
            if not caught_up and (lag is None or lag <= EXACT_UP_TO):
                undelivered = len(redis.command("XRANGE", key, "(" + delivered, "+", "COUNT",
                                                EXACT_UP_TO + 1))
            out[f"stream {key} group {g['name']}"] = Sample(
                undelivered + pending, added,
                {"lag": lag, "undelivered": undelivered, "pending": pending,
                 "caught_up": caught_up})
    if outbox_sql:
        for schema, unsent, last_id in psql.query(outbox_sql):
            out[f"outbox {schema}"] = Sample(int(unsent), int(last_id), None)
    return out


def slope(points):
    """Least-squares slope of [(t, y)]."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / var if var > 0 else 0.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--redis-host", default="127.0.0.1")
    p.add_argument("--redis-port", type=int, required=True)
    p.add_argument("--prefix", required=True, help="the services' Redis prefix, e.g. bench:")
    p.add_argument("--psql", required=True, help="psql connection arguments, one string")
    p.add_argument("--stop", required=True, help="sampling stops when this file exists")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--drain", type=float, default=10.0)
    a = p.parse_args()

    redis = Redis(a.redis_host, a.redis_port)
    psql = Psql(a.psql.split())
    schemas = [r[0] for r in psql.query(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = 'outbox' AND c.relkind = 'r' ORDER BY 1")]
    outbox_sql = " UNION ALL ".join(
        f"SELECT '{s}', (SELECT count(*) FROM \"{s}\".outbox WHERE sent_at IS NULL), "
        f"(SELECT coalesce(max(id), 0) FROM \"{s}\".outbox)" for s in schemas)

    series = {}  # name -> [(t, backlog, arrived, stopped_at, group)]
    t0 = time.monotonic()
    problems = []
    stopped_at = None
    drained_at = {}
    while True:
        now = time.monotonic() - t0
        try:
            for name, x in sample(redis, a.prefix, psql, outbox_sql).items():
                series.setdefault(name, []).append((now, x.backlog, x.arrived, stopped_at,
                                                    x.group))
                if stopped_at is not None and x.backlog == 0 and name not in drained_at:
                    drained_at[name] = now - stopped_at
        except (RuntimeError, OSError) as e:
            problems.append(f"sample at {now:.1f} s: {e}")
        if stopped_at is None and os.path.exists(a.stop):
            stopped_at = time.monotonic() - t0
        elif stopped_at is not None and (len(drained_at) == len(series)
                                         or now - stopped_at >= a.drain):
            break
        time.sleep(max(0.0, a.interval - (time.monotonic() - t0 - now)))
    psql.close()

    out = []
    for name, points in sorted(series.items()):
        during = [x for x in points if x[3] is None]
        if not during:
            continue
        elapsed = during[-1][0] - during[0][0]
        arrived = (during[-1][2] or 0) - (during[0][2] or 0)
        arrival = arrived / elapsed if elapsed > 0 else 0.0
        s = slope([(t, b) for t, b, *_ in during])
        groups = [x[4] for x in points if x[4] is not None]
        out.append({
            "backlog": name,
            "samples": len(during),
            "start": during[0][1],
            "end": during[-1][1],
            "max": max(b for _, b, *_ in during),
            "arrival_per_s": round(arrival, 1),
            "slope_per_s": round(s, 2),
            "grows": s > max(1.0, 0.05 * arrival),
            "drained_after_s": round(drained_at[name], 1) if name in drained_at else None,
        })
        if groups:  # what Redis reported at the last sample, and by how much its lag overstated
            out[-1]["last_reported"] = groups[-1]
            out[-1]["lag_overstated_max"] = max((g["lag"] or 0) - g["undelivered"] for g in groups)
    if not out:
        problems.append("no backlog was sampled")
    print(json.dumps({"interval_s": a.interval,
                      "seconds": round(stopped_at or 0.0, 1),
                      "backlogs": out,
                      "growing": [b["backlog"] for b in out if b["grows"]],
                      "check_ok": not problems,
                      "problems": problems}))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
