"""What the Python client's end-to-end walk stands on: generated stubs, tokens, a throwaway
database, the three service processes, error checks and stream recorders.

Standard library plus Debian's python3-grpcio and python3-protobuf only; run with
/usr/bin/python3 (another `python3` first on PATH may not see Debian's modules).
"""

import base64
import ctypes
import glob
import hashlib
import hmac
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

import grpc


class WalkFailure(Exception):
    """A check of the walk failed; the message says which and what was seen."""


def check(condition, what):
    if not condition:
        raise WalkFailure(what)


def check_eq(actual, expected, what):
    if actual != expected:
        raise WalkFailure(f"{what}: expected {expected!r}, got {actual!r}")


# ---------------------------------------------------------------------------------------------
# Transcript
# ---------------------------------------------------------------------------------------------

_T0 = time.monotonic()
_print_lock = threading.Lock()


def say(actor, text):
    """One line of the transcript: elapsed seconds, who acts, what happened."""
    with _print_lock:
        print(f"[{time.monotonic() - _T0:7.2f}s] {actor:<9} {text}", flush=True)


# ---------------------------------------------------------------------------------------------
# Stubs generated from proto/ at test time
# ---------------------------------------------------------------------------------------------

GRPC_PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"


def generate_stubs(proto_root, out_dir):
    """Runs protoc with the Python and gRPC Python generators over every pasar/**/*.proto into
    out_dir and puts out_dir first on sys.path."""
    protoc = shutil.which("protoc") or "/usr/bin/protoc"
    check(os.path.exists(GRPC_PYTHON_PLUGIN),
          f"{GRPC_PYTHON_PLUGIN} is missing (Debian package protobuf-compiler-grpc)")
    files = sorted(
        os.path.relpath(p, proto_root)
        for p in glob.glob(os.path.join(proto_root, "pasar", "**", "*.proto"), recursive=True))
    check(files, f"no .proto files under {proto_root}/pasar")
    cmd = [protoc, f"-I{proto_root}", "-I/usr/include", f"--python_out={out_dir}",
           f"--grpc_python_out={out_dir}",
           f"--plugin=protoc-gen-grpc_python={GRPC_PYTHON_PLUGIN}"] + files
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise WalkFailure(f"protoc failed ({done.returncode}): {done.stderr.strip()}")
    sys.path.insert(0, out_dir)
    return files


# ---------------------------------------------------------------------------------------------
# Tokens: JWT HS256 minted with the standard library (docs/conventions.md, Authentication)
# ---------------------------------------------------------------------------------------------

def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def mint_token(secret, subject, role, stalls=None, ttl_seconds=3600):
    now = int(time.time())
    claims = {"sub": subject, "role": role, "iss": "pasar", "aud": "pasar", "iat": now,
              "exp": now + ttl_seconds}
    if stalls is not None:
        claims["stalls"] = list(stalls)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class Principal:
    """Someone calling the API: their token travels as `authorization: Bearer <jwt>`."""

    def __init__(self, name, secret, subject, role, stalls=None):
        self.name = name
        self.subject = subject
        self.role = role
        self.token = mint_token(secret, subject, role, stalls)

    @property
    def metadata(self):
        return (("authorization", f"Bearer {self.token}"),)


# ---------------------------------------------------------------------------------------------
# Errors: canonical codes; refusals carry the reason as message prefix and trailing metadata
# ---------------------------------------------------------------------------------------------

def expect_error(call, code, reason=None, what=""):
    """Runs call(), which must fail with `code` (a grpc.StatusCode) and, when given, the error
    reason short name both as the message prefix and as trailing metadata pasar-error-reason.
    Returns the error."""
    try:
        call()
    except grpc.RpcError as e:
        check(e.code() == code,
              f"{what}: expected {code.name}, got {e.code().name} ({e.details()!r})")
        if reason is not None:
            details = e.details() or ""
            check(details.startswith(reason + ":"),
                  f"{what}: status message should start with '{reason}:', got {details!r}")
            trailing = dict(e.trailing_metadata() or ())
            check_eq(trailing.get("pasar-error-reason"), reason,
                     f"{what}: trailing metadata pasar-error-reason")
        return e
    raise WalkFailure(f"{what}: expected {code.name}, but the call succeeded")


# ---------------------------------------------------------------------------------------------
# A throwaway database on PASAR_TEST_PG, through psql
# ---------------------------------------------------------------------------------------------

def require_env(name):
    value = os.environ.get(name, "")
    check(value, f"environment variable {name} is missing (scripts/test or `scripts/stack env` "
                 f"sets it); this test needs real servers and fails without them")
    return value


def _conninfo_with_dbname(conninfo, dbname):
    parts = [p for p in conninfo.split() if not p.startswith("dbname=")]
    return " ".join(parts + [f"dbname={dbname}"])


class TempDatabase:
    """A fresh database t_<hex> on the PASAR_TEST_PG server; drop() removes it (WITH (FORCE))."""

    def __init__(self, admin_conninfo):
        self.admin_conninfo = admin_conninfo
        self.name = "t_py_" + secrets.token_hex(6)
        self._psql(f"CREATE DATABASE {self.name}")
        self.conninfo = _conninfo_with_dbname(admin_conninfo, self.name)

    def _psql(self, sql):
        psql = shutil.which("psql") or "/usr/bin/psql"
        try:
            done = subprocess.run(
                [psql, self.admin_conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                capture_output=True, text=True, timeout=30,
                env={**os.environ, "PGCONNECT_TIMEOUT": "5"})
        except subprocess.TimeoutExpired as e:
            raise WalkFailure(f"psql timed out running {sql!r}") from e
        if done.returncode != 0:
            raise WalkFailure(f"psql {sql!r} on '{self.admin_conninfo}' failed: "
                              f"{done.stderr.strip()}")

    def drop(self):
        self._psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def redis_reachable(url):
    """PING over a plain socket, so an unreachable Redis fails the walk before any service."""
    import socket
    m = re.match(r"redis://([^:/]+):(\d+)", url)
    check(m, f"PASAR_TEST_REDIS {url!r} is not redis://host:port")
    try:
        with socket.create_connection((m.group(1), int(m.group(2))), timeout=5) as s:
            s.settimeout(5)
            s.sendall(b"PING\r\n")
            answer = s.recv(64)
    except OSError as e:
        raise WalkFailure(f"Redis at {url} is unreachable: {e}") from e
    check(answer.startswith(b"+PONG"), f"Redis at {url} answered {answer!r} to PING")


def delete_redis_prefix(url, prefix):
    """Best effort: removes the keys under this run's prefix (redis-cli)."""
    cli = shutil.which("redis-cli")
    m = re.match(r"redis://([^:/]+):(\d+)", url)
    if not cli or not m:
        return
    script = ("local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
              "redis.call('DEL', k) n = n + 1 end return n")
    subprocess.run([cli, "-h", m.group(1), "-p", m.group(2), "EVAL", script, "0", prefix + "*"],
                   capture_output=True, timeout=10)


# ---------------------------------------------------------------------------------------------
# Service processes
# ---------------------------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child: get SIGKILL when the walk dies, so no service outlives it."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


class ServiceProcess:
    """A real service binary with `env`; its stdout+stderr go to a log file, and the gRPC
    address comes from its JSON line {"msg":"listening",...,"grpc":"host:port"}."""

    START_TIMEOUT_SECONDS = 60  # as testkit: a sanitizer build on a busy machine starts slowly

    def __init__(self, name, binary, env, log_dir):
        check(os.access(binary, os.X_OK), f"{name}: binary {binary} is missing or not executable")
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self._log = open(self.log_path, "w", encoding="utf-8")
        self._listening = queue.Queue()
        self._terminated_at = None
        self.proc = subprocess.Popen([binary], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._read, name=f"{name}-log", daemon=True)
        self._reader.start()
        self.address = self._wait_listening()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", errors="replace")
            self._log.write(line)
            self._log.flush()
            if '"listening"' in line:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == "listening" and entry.get("grpc"):
                    self._listening.put(entry["grpc"])
        self._listening.put(None)  # the process closed its output (it exited)

    def _wait_listening(self):
        try:
            address = self._listening.get(timeout=self.START_TIMEOUT_SECONDS)
        except queue.Empty:
            address = None
        if address is None:
            self.stop()
            raise WalkFailure(f"{self.name} did not log its listening line within "
                              f"{self.START_TIMEOUT_SECONDS}s (exit status "
                              f"{self.proc.returncode}); log:\n{self.tail()}")
        return address

    def tail(self, lines=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def terminate(self):
        """Sends SIGTERM (graceful drain) unless the process has exited; stop() then waits."""
        if self.proc.poll() is None and self._terminated_at is None:
            self._terminated_at = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)

    def stop(self):
        """SIGTERM, SIGKILL when still running 10 s later; always reaps the process. Returns
        (clean, description): clean when it exited with status 0 after SIGTERM."""
        if self.proc.poll() is not None and self._terminated_at is None:
            clean, how = False, f"had exited on its own with status {self.proc.returncode}"
        else:
            self.terminate()
            try:
                self.proc.wait(timeout=max(0.0, self._terminated_at + 10 - time.monotonic()))
                clean = self.proc.returncode == 0
                how = (f"exited with status {self.proc.returncode} "
                       f"{time.monotonic() - self._terminated_at:.1f}s after SIGTERM")
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                clean, how = False, "was still running 10s after SIGTERM and was killed"
        self._reader.join(timeout=5)
        if not self._log.closed:
            self._log.close()
        return clean, how


# ---------------------------------------------------------------------------------------------
# Streams recorded in background threads
# ---------------------------------------------------------------------------------------------

class StreamRecorder:
    """Runs a server-streaming call in a thread and keeps every message it receives, so the walk
    can wait (bounded) for the message it expects and check the whole sequence afterwards."""

    def __init__(self, name, open_call, on_message=None):
        self.name = name
        self.messages = []
        self.error = None
        self.finished = False
        self._cond = threading.Condition()
        self._on_message = on_message
        self._call = open_call()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            for message in self._call:
                if self._on_message is not None:
                    self._on_message(message)
                with self._cond:
                    self.messages.append(message)
                    self._cond.notify_all()
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                with self._cond:
                    self.error = e
        finally:
            with self._cond:
                self.finished = True
                self._cond.notify_all()

    def wait_for(self, predicate, timeout, what):
        """The first recorded message satisfying predicate, waiting up to timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                if self.finished:
                    raise WalkFailure(f"{self.name} ended before {what} "
                                      f"({self._describe_end()})")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WalkFailure(f"{self.name}: no {what} within {timeout}s "
                                      f"({len(self.messages)} messages seen)")
                self._cond.wait(left)

    def wait_finished(self, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.finished:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def _describe_end(self):
        if self.error is None:
            return "the server ended the stream"
        return f"{self.error.code().name}: {self.error.details()}"

    def snapshot(self):
        with self._cond:
            return list(self.messages)

    def cancel(self):
        self._call.cancel()
        self._thread.join(timeout=5)
