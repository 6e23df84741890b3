#!/usr/bin/python3
"""Fault runs: plays a simulated market day (pasar-sim) against the real services while faults
strike, one scenario at a time, each on a fresh PostgreSQL and Redis of its own, and checks that
every order ends final with every invariant of the day true (services_agree included).

Run through scripts/chaos (which installs, builds and sets the paths); see its --help. Each
scenario writes its folder under --work: the services' logs, the simulator's log and report.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import grpc

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}
SCHEMAS = ("inventory", "orders", "dispatch")


def log(msg):
    print(f"chaos: {msg}", flush=True)


class Stack:
    """scripts/stack with this run's folder and ports (durable Redis: append-only, everysec)."""

    def __init__(self, script, folder, pg_port, redis_port):
        self.script = script
        self.env = dict(os.environ, PASAR_STACK_DIR=folder, PASAR_PG_PORT=str(pg_port),
                        PASAR_REDIS_PORT=str(redis_port), PASAR_REDIS_DURABLE="1")
        self.env.pop("PASAR_PG_FAST", None)  # a PostgreSQL crash means something only if durable
        self.pg = f"host=127.0.0.1 port={pg_port} user=postgres dbname=postgres"
        self.redis_port = redis_port

    def __call__(self, *verb):
        subprocess.run([self.script, *verb], env=self.env, check=True,
                       stdout=subprocess.DEVNULL)

    def sql(self, query):
        out = subprocess.run(["psql", self.pg, "-Atc", query], capture_output=True, text=True,
                             timeout=10)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip())
        return out.stdout.strip()

    def redis(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), *args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()


class Service:
    """One service process; restartable after a kill."""

    def __init__(self, name, binary, port, env, folder):
        self.name, self.binary, self.port, self.env = name, binary, port, env
        self.folder = folder
        self.proc = None
        self.starts = 0

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        self.starts += 1
        out = open(os.path.join(self.folder, f"{self.name}.log"), "ab")
        self.proc = subprocess.Popen([self.binary], env=self.env, stdout=out, stderr=out)
        out.close()

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
        if sig == signal.SIGKILL and self.proc:
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def serving(self):
        try:
            with grpc.insecure_channel(self.address) as ch:
                return ch.unary_unary(HEALTH_CHECK)(b"", timeout=1) == SERVING
        except grpc.RpcError:
            return False

    def log_text(self):
        try:
            with open(os.path.join(self.folder, f"{self.name}.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


# ---- Scenarios --------------------------------------------------------------------------------
# A scenario is a list of (seconds after the day's first customer, action, argument). Actions:
# kill (SIGKILL a service, restarted `restart_after` seconds later), pause / resume (SIGSTOP /
# SIGCONT services), crash-pg (immediate stop, restart 3 s later), crash-redis (kill -9; its
# append-only file keeps all but up to its last second), wipe-redis (Redis restarted with every
# byte it had lost), pause-matcher (SIGSTOP the dispatch instance holding the matcher leases for
# `seconds`, while a second dispatch instance runs).

SCENARIOS = {
    "kill-services": {
        "about": "kill -9 of each service in turn, each restarted 2 s later",
        "faults": [(20, "kill", "inventory"), (50, "kill", "order"), (80, "kill", "dispatch")],
    },
    "pg-crash": {
        "about": "PostgreSQL crash (immediate stop), restarted 3 s later",
        "faults": [(30, "crash-pg", None)],
    },
    "redis-crash": {
        "about": "Redis killed (-9) and restarted from its append-only file (fsync every second)",
        "faults": [(30, "crash-redis", None)],
    },
    "redis-machine-crash": {
        "about": "the machine under Redis crashes: Redis killed and its append-only file cut back "
                 "to what was on disk a second earlier (fsync every second), then restarted",
        "faults": [(30, "crash-redis-lose-last-second", None)],
    },
    "redis-loss-lagging": {
        "about": "dispatch and inventory paused 15 s; meanwhile Redis restarts with all data lost",
        "faults": [(25, "pause", "dispatch,inventory"), (30, "wipe-redis", None),
                   (40, "resume", "dispatch,inventory")],
    },
    "dispatch-failover": {
        "about": "the dispatch instance holding the matcher leases paused 3x its lease while a "
                 "second instance runs; then it resumes",
        "two_dispatch": True,
        "faults": [(25, "pause-matcher", 15)],
    },
    # What ./scripts/test runs (about two minutes): Redis loss while consumers lag, then a kill.
    "short": {
        "about": "CI: dispatch and inventory paused, Redis restarted with all data lost, then "
                 "kill -9 of order",
        # Half a minute of customers in a town of 4 stalls and 4 couriers per market: about two
        # minutes in all, also on a sanitizer build.
        "minutes": 0.5,
        "sim_args": ["--stalls-per-market=4", "--couriers-per-market=4"],
        "faults": [(8, "pause", "dispatch,inventory"), (11, "wipe-redis", None),
                   (18, "resume", "dispatch,inventory"), (28, "kill", "order")],
    },
}
FULL = ["kill-services", "pg-crash", "redis-crash", "redis-machine-crash", "redis-loss-lagging",
        "dispatch-failover"]


class Run:
    def __init__(self, args, name):
        self.args, self.name = args, name
        self.spec = SCENARIOS[name]
        self.folder = os.path.join(args.work, name)
        shutil.rmtree(self.folder, ignore_errors=True)
        os.makedirs(self.folder)
        # Outside --work: PostgreSQL runs as its own user, which must be able to reach it.
        self.stack_folder = os.path.join(args.stack_dir, name)
        self.stack = Stack(args.stack, self.stack_folder, args.pg_port, args.redis_port)
        self.aof_sizes = []  # (monotonic time, file, size), the last ten seconds
        self.stopping = threading.Event()
        self.events = []  # (seconds since the day began, what)
        self.recover = []  # seconds from each repair until recovered
        self.day_start = None
        self.services = {}
        self.paused = set()
        self.measuring = []
        self.lock = threading.Lock()

    def note(self, what):
        at = time.monotonic() - self.day_start if self.day_start else 0.0
        with self.lock:
            self.events.append((round(at, 1), what))
        log(f"[{self.name} +{at:5.1f}s] {what}")

    # ---- set-up ---------------------------------------------------------------------------------
    def start_services(self):
        a = self.args
        base = dict(os.environ)
        for k in list(base):
            if k.startswith("PASAR_") and k not in ("PASAR_JWT_SECRET",):
                base.pop(k)
        base.update({
            "PASAR_PG": self.stack.pg,
            "PASAR_REDIS": f"redis://127.0.0.1:{a.redis_port}",
            "PASAR_REDIS_PREFIX": "pasar:",
            "PASAR_JWT_SECRET": a.secret,
            "PASAR_METRICS_LISTEN": "",
            # The town runs 30x faster than the clock: the services' timers follow (as in
            # scripts/run), and events left pending by a killed consumer are claimed sooner.
            "PASAR_OFFER_TIMEOUT_MS": "8000",
            "PASAR_BATCH_WINDOW_MS": "1000",
            "PASAR_CONSUMER_CLAIM_IDLE_MS": "5000",
            "PASAR_RESERVE_DEADLINE_MS": "10000",
        })
        port = a.base_port
        names = ["inventory", "order", "dispatch"]
        if self.spec.get("two_dispatch"):
            names.append("dispatch-2")
        for name in names:
            env = dict(base, PASAR_LISTEN=f"127.0.0.1:{port}")
            binary = "pasar-dispatch" if name.startswith("dispatch") else f"pasar-{name}"
            if name == "order":
                env["PASAR_INVENTORY_ADDR"] = f"127.0.0.1:{a.base_port}"
            self.services[name] = Service(name, os.path.join(a.bin, binary), port, env,
                                          self.folder)
            port += 1
        for s in self.services.values():
            s.start()
        self.wait_serving(60)

    def wait_serving(self, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(s.serving() for s in self.services.values()):
                return True
            time.sleep(0.2)
        return False

    # ---- faults ---------------------------------------------------------------------------------
    def recovered_after(self, repaired_at_wall):
        """Seconds from the repair until every service is SERVING and every event written before
        the repair has been shipped to Redis (None if not within two minutes)."""
        start = time.monotonic()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(repaired_at_wall))
        query = " + ".join(
            f"(SELECT count(*) FROM {s}.outbox WHERE sent_at IS NULL "
            f"AND created_at < '{stamp}+00')" for s in SCHEMAS)
        while time.monotonic() - start < 120:
            if all(s.serving() for s in self.services.values()):
                try:
                    if self.stack.sql(f"SELECT {query}") == "0":
                        return round(time.monotonic() - start, 1)
                except RuntimeError:
                    pass
            time.sleep(0.2)
        return None

    def repaired(self):
        """Measures, in the background, how long the system takes to recover from the repair
        just made. While a service is still paused the system cannot recover: the resume's own
        measurement covers that repair."""
        if self.paused:
            return
        wall = time.time()

        def measure():
            r = self.recovered_after(wall)
            with self.lock:
                self.recover.append(r)
            self.note(f"recovered in {r} s" if r is not None else "NOT recovered within 120 s")

        t = threading.Thread(target=measure, daemon=True)
        t.start()
        self.measuring.append(t)

    def matcher_holder(self):
        """The dispatch service whose instance holds most matcher leases."""
        keys = self.stack.redis("--scan", "--pattern", "pasar:lease.matcher.*").split()
        holders = [self.stack.redis("GET", k) for k in keys]
        for name, s in self.services.items():
            if name.startswith("dispatch") and s.proc:
                tag = f"-{s.proc.pid}-"
                if any(tag in h for h in holders):
                    return name
        return None

    def strike(self, action, arg):
        if action == "kill":
            s = self.services[arg]
            s.signal(signal.SIGKILL)
            self.note(f"kill -9 {arg}")
            time.sleep(self.args.restart_after)
            s.start()
            self.note(f"{arg} restarted")
            self.repaired()
        elif action == "pause":
            for n in arg.split(","):
                self.services[n].signal(signal.SIGSTOP)
                self.paused.add(n)
            self.note(f"SIGSTOP {arg}")
        elif action == "resume":
            for n in arg.split(","):
                self.services[n].signal(signal.SIGCONT)
                self.paused.discard(n)
            self.note(f"SIGCONT {arg} ({self.states(arg.split(','))})")
            self.repaired()
        elif action == "crash-pg":
            self.stack("crash-pg")
            self.note("PostgreSQL crashed (immediate stop)")
            time.sleep(3)
            self.stack("start-pg")
            self.note("PostgreSQL restarted")
            self.repaired()
        elif action == "crash-redis":
            self.stack("crash-redis")
            self.note("Redis killed (-9)")
            time.sleep(0.5)
            self.stack("start-redis")
            self.note("Redis restarted from its append-only file")
            self.repaired()
        elif action == "crash-redis-lose-last-second":
            # A process kill loses nothing the kernel has (its page cache outlives Redis); a
            # machine crash loses what was not fsynced yet: up to a second of the file.
            aof = self.aof_file()
            then = self.aof_size_at(time.monotonic() - 1.0)
            self.stack("crash-redis")
            cut = 0
            if aof and then is not None:
                now = os.path.getsize(aof)
                cut = max(0, now - then)
                os.truncate(aof, min(now, then))
            self.note(f"Redis killed, its append-only file cut by {cut} bytes (its last second)")
            time.sleep(0.5)
            self.stack("start-redis")
            self.note("Redis restarted from what was left")
            self.repaired()
        elif action == "wipe-redis":
            self.stack("wipe-redis")
            self.note("Redis killed and its data deleted")
            time.sleep(0.5)
            self.stack("start-redis")
            self.note("Redis restarted empty")
            self.repaired()
        elif action == "pause-matcher":
            name = None
            for _ in range(50):
                name = self.matcher_holder()
                if name:
                    break
                time.sleep(0.2)
            if not name:
                self.note("no dispatch instance holds a matcher lease: nothing to pause")
                return
            self.services[name].signal(signal.SIGSTOP)
            self.paused.add(name)
            self.note(f"SIGSTOP {name} (matcher lease holder) for {arg} s")
            time.sleep(arg)
            self.services[name].signal(signal.SIGCONT)
            self.paused.discard(name)
            self.note(f"SIGCONT {name}")
            self.repaired()
        else:
            raise ValueError(action)

    def aof_file(self):
        """The append-only file Redis is writing now (Redis 7: appendonlydir/*.incr.aof)."""
        folder = os.path.join(self.stack_folder, "redis", "appendonlydir")
        try:
            incr = sorted((f for f in os.listdir(folder) if f.endswith(".incr.aof")),
                          key=lambda f: int(f.split(".")[-3]))
        except (OSError, ValueError):
            return None
        return os.path.join(folder, incr[-1]) if incr else None

    def sample_aof(self):
        while not self.stopping.is_set():
            aof = self.aof_file()
            if aof:
                try:
                    with self.lock:
                        self.aof_sizes.append((time.monotonic(), aof, os.path.getsize(aof)))
                        del self.aof_sizes[:-100]
                except OSError:
                    pass
            time.sleep(0.1)

    def aof_size_at(self, when):
        """The size the current append-only file had at `when` (monotonic), if sampled."""
        aof = self.aof_file()
        with self.lock:
            sizes = [size for t, f, size in self.aof_sizes if f == aof and t <= when]
        return sizes[-1] if sizes else None

    def states(self, names):
        """Process states as the kernel shows them (R, S, T for stopped, Z, gone)."""
        out = []
        for n in names:
            proc = self.services[n].proc
            try:
                with open(f"/proc/{proc.pid}/stat") as f:
                    out.append(f"{n} {f.read().split(')')[1].split()[0]}")
            except (OSError, AttributeError, IndexError):
                out.append(f"{n} gone")
        return ", ".join(out)

    def fault_thread(self):
        for at, action, arg in self.spec["faults"]:
            wait = at - (time.monotonic() - self.day_start)
            if wait > 0:
                time.sleep(wait)
            try:
                self.strike(action, arg)
            except Exception as e:  # noqa: BLE001 — recorded as a failed fault
                self.note(f"fault {action} failed: {e}")
                with self.lock:
                    self.recover.append(None)

    # ---- the day --------------------------------------------------------------------------------
    def play(self):
        a = self.args
        log(f"== {self.name}: {self.spec['about']}")
        self.stack("destroy")
        self.stack("start")
        self.start_services()
        report_path = os.path.join(self.folder, "sim-report.json")
        sim_log = open(os.path.join(self.folder, "sim.log"), "w")
        minutes = self.spec.get("minutes", a.minutes)
        cmd = [os.path.join(a.bin, "pasar-sim"), "--town", a.town, "--minutes", str(minutes),
               "--seed", str(a.seed), "--report", report_path, "--no-progress",
               "--inventory", self.services["inventory"].address,
               "--order", self.services["order"].address,
               "--dispatch", self.services["dispatch"].address,
               "--run-id", f"chaos-{self.name}"]
        cmd += self.spec.get("sim_args", []) + a.sim_args
        sim = subprocess.Popen(cmd, env=dict(os.environ, PASAR_JWT_SECRET=a.secret),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        faults = None
        threading.Thread(target=self.sample_aof, daemon=True).start()
        for line in sim.stdout:
            sim_log.write(line)
            sim_log.flush()
            if faults is None and re.match(r"sim: run \S+, seed", line):
                # The day begins once the town is seeded: faults are timed from here.
                self.day_start = time.monotonic()
                faults = threading.Thread(target=self.fault_thread, daemon=True)
                faults.start()
        code = sim.wait()
        self.stopping.set()
        sim_log.close()
        if faults:
            faults.join(timeout=180)
        for t in self.measuring:
            t.join(timeout=130)
        result = self.collect(code, report_path)
        for s in self.services.values():
            s.stop()
        self.stack("stop")
        return result

    def collect(self, code, report_path):
        result = {"scenario": self.name, "about": self.spec["about"], "sim_exit": code,
                  "faults": [{"at_s": t, "what": w} for t, w in self.events]}
        try:
            with open(report_path) as f:
                rep = json.load(f)
        except (OSError, ValueError):
            rep = None
        if rep is None:
            result["ok"] = False
            result["problem"] = "the simulator wrote no report (see sim.log)"
            return result
        orders = rep["orders"]
        result.update({
            "placed": orders["placed"],
            "delivered": orders["delivered"],
            "cancelled": orders["cancelled"],
            "recover_s": None if None in self.recover or not self.recover
            else max(self.recover),
            "invariants": rep["invariants"],
            "problems": rep.get("problems", {}),
            "drained": rep.get("drained", False),
        })
        losses = 0
        republished = 0
        for schema in SCHEMAS:
            try:
                row = self.stack.sql(
                    f"SELECT count(*), coalesce(sum(republished), 0) FROM {schema}.outbox_losses")
                n, r = row.split("|")
                losses += int(n)
                republished += int(r)
            except (RuntimeError, ValueError):
                pass
        result["redis_losses_found"] = losses
        result["events_shipped_again"] = republished
        fenced = sum(s.log_text().count("matcher fenced out") for n, s in self.services.items()
                     if n.startswith("dispatch"))
        result["matcher_fenced_out"] = fenced
        inv = rep["invariants"]
        result["ok"] = (code == 0 and all(inv.values()) and rep.get("drained", False)
                        and None not in self.recover)
        return result


def table(results):
    head = ("scenario", "faults (s after the first customer)", "placed", "delivered",
            "cancelled", "recover s", "Redis losses found / events shipped again", "invariants")
    rows = []
    for r in results:
        faults = "; ".join(f"{f['at_s']:g} {f['what']}" for f in r["faults"]
                           if not f["what"].startswith("recovered"))
        cancelled = ", ".join(f"{k} {v}" for k, v in sorted(r.get("cancelled", {}).items()))
        inv = r.get("invariants", {})
        bad = [k for k, v in inv.items() if not v]
        rows.append((r["scenario"], faults, str(r.get("placed", "-")),
                     str(r.get("delivered", "-")), cancelled or "none",
                     str(r.get("recover_s", "-")),
                     f"{r.get('redis_losses_found', '-')} / {r.get('events_shipped_again', '-')}",
                     ("all true" if inv and not bad else "FALSE: " + ", ".join(bad or ["?"]))
                     + ("" if r.get("drained") else ", NOT DRAINED")))
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", required=True, help="folder of the service and tool binaries")
    p.add_argument("--stack", required=True, help="scripts/stack")
    p.add_argument("--town", required=True)
    p.add_argument("--work", required=True, help="folder for logs and reports")
    p.add_argument("--stack-dir", default=f"/tmp/pasar-chaos-stack-{os.getuid()}",
                   help="PostgreSQL and Redis of each scenario (a folder per scenario)")
    p.add_argument("--scenario", action="append", help="one of %s (repeatable)" %
                   ", ".join(SCENARIOS))
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--report", help="write the results as JSON")
    p.add_argument("--pg-port", type=int, default=25482)
    p.add_argument("--redis-port", type=int, default=26429)
    p.add_argument("--base-port", type=int, default=7211)
    p.add_argument("--restart-after", type=float, default=2.0)
    p.add_argument("--secret", default="pasar-chaos-secret")
    p.add_argument("--sim-arg", action="append", dest="sim_args", default=[],
                   help="extra pasar-sim argument (repeatable)")
    args = p.parse_args(argv)
    names = args.scenario or FULL
    for n in names:
        if n not in SCENARIOS:
            p.error(f"unknown scenario {n}")
    os.makedirs(args.work, exist_ok=True)
    results = []
    started = time.time()
    for n in names:
        run = Run(args, n)
        try:
            results.append(run.play())
        finally:
            for s in run.services.values():
                s.stop()
            try:
                run.stack("stop")
            except subprocess.CalledProcessError:
                pass
        r = results[-1]
        log(f"{n}: {'ok' if r['ok'] else 'FAILED'} "
            f"(placed {r.get('placed')}, delivered {r.get('delivered')}, "
            f"recover {r.get('recover_s')} s, problems {r.get('problems', {})})")
    print(table(results), flush=True)
    out = {"date": time.strftime("%Y-%m-%d"), "seconds": round(time.time() - started),
           "minutes": args.minutes, "seed": args.seed, "scenarios": results}
    if args.report:
        with open(args.report, "w") as f:
            json.dump(out, f, indent=2)
    failed = [r["scenario"] for r in results if not r["ok"]]
    if failed:
        log(f"FAILED: {', '.join(failed)} (logs under {args.work})")
        return 1
    log("every scenario ended with every order final and every invariant true")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
