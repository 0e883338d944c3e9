"""Helpers for tests/integration/test_deploy_*.py: a fixture app to deploy, a running
`paasrun start` with its admin API, and a load generator that counts every failure.

The app is tests/fixtures/apps/deploy/app.py, built by the fixture buildpack
tests/fixtures/buildpacks/hello (named in `.buildpacks`), so a build takes well under a
second and the tests spend their time on switches, not on pip.
"""
import http.client
import io
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import tarfile
import threading
import time

from conftest import FIXTURES, Proc, free_port, wait_until

APP = FIXTURES / "apps" / "deploy" / "app.py"
HELLO_BUILDPACK = FIXTURES / "buildpacks" / "hello"
TOKEN = "test-token-0123456789"


def bake_manifest(bake_window):
    """paasrun.yaml for the bake-window tests: a fast health check (0.3 s apart, 2 attempts)
    and an automatic rollback after 2 failed checks within `bake_window` seconds."""
    return ("health:\n  path: /healthz\n  interval: 0.3\n  timeout: 2\n  attempts: 2\n"
            f"deploy:\n  bake_window: {bake_window}\n  max_health_failures: 2\n")


def write_app(dest, version="v1", procfile="web: paasrun serve app:application\n", manifest="", flags=()):
    """A source tree of the fixture app: VERSION, Procfile, paasrun.yaml, and flag files
    (import-error, unhealthy, unhealthy-after=N...)."""
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(APP, dest / "app.py")
    (dest / "VERSION").write_text(version + "\n")
    (dest / "Procfile").write_text(procfile)
    (dest / "hello.txt").write_text("hi\n")
    (dest / ".buildpacks").write_text(f"{HELLO_BUILDPACK}\n")
    # The fixture buildpack also declares a `hello: echo hello` process type (bin/release):
    # it is not part of these tests.
    (dest / "paasrun.yaml").write_text("formation:\n  hello: 0\n" + manifest)
    for f in flags:
        name, _, value = f.partition("=")
        (dest / name).write_text(value)
    return dest


def tarball(src):
    """A .tar.gz of a source tree, as `tar czf - -C src .` makes it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for p in sorted(pathlib.Path(src).iterdir()):
            if p.name == ".paasrun":
                continue
            t.add(p, arcname=p.name)
    return buf.getvalue()


class Instance:
    """`paasrun start DIR` with the admin API on a free port; .api() talks to it."""

    def __init__(self, paasrun, app_dir, web_concurrency=2, env=None, port=None,
                 ready_pattern=r'msg="process ready" proc=web\.1'):
        self.port = port or free_port()
        full = {"PORT": str(self.port), "ADMIN_PORT": "0", "PAASRUN_ADMIN_TOKEN": TOKEN,
                "WEB_CONCURRENCY": str(web_concurrency), "NO_COLOR": "1"}
        full.update(env or {})
        self.proc = Proc([paasrun, "start", str(app_dir)], env=full)
        m = self.proc.wait_for_line(r'msg="admin api listening" addr=(\S+)', timeout=30)
        self.admin = m.group(1)
        self.proc.wait_for_line(ready_pattern, timeout=30)

    def api(self, method, path, body=None, content_type=None, token=TOKEN, timeout=10):
        host, port = self.admin.rsplit(":", 1)
        c = http.client.HTTPConnection(host, int(port), timeout=timeout)
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body).encode()
            content_type = content_type or "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            try:
                return r.status, json.loads(data) if data else None
            except ValueError:
                return r.status, data.decode("utf-8", "replace")
        finally:
            c.close()

    def deploy(self, src):
        status, body = self.api("POST", "/v1/releases", tarball(src), "application/gzip")
        assert status == 202, (status, body)
        return body["id"]

    def wait_job(self, job, timeout=60):
        def done():
            s, j = self.api("GET", f"/v1/jobs/{job}")
            assert s == 200, (s, j)
            return j if j["state"] != "running" else None
        return wait_until(done, timeout, interval=0.1, what=f"job {job}")

    def wait_baked(self, job, timeout=60):
        def done():
            s, j = self.api("GET", f"/v1/jobs/{job}")
            return j if j["state"] != "running" and j["step"] == "done" else None
        return wait_until(done, timeout, interval=0.1, what=f"job {job} out of its bake window")

    def get(self, path="/", timeout=5):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode()
        finally:
            c.close()

    def wait_serving(self, version, timeout=30):
        return wait_until(lambda: self.get()[1] == version, timeout, interval=0.05,
                          what=f"{version} serving")

    def stop(self):
        if self.proc.p.poll() is None:
            self.proc.signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except Exception:
                self.proc.kill_group()
        self.proc.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.stop()
        if exc_type is not None:
            # A failed test shows what the instance logged (pytest prints captured stdout).
            print("---- paasrun start output ----")
            print("\n".join(self.proc.output()))


def _now():
    """Wall-clock time as the server's log lines print it, to place a failure among them."""
    t = time.time()
    return time.strftime("%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}"


class Load:
    """Threads hammering 127.0.0.1:PORT: half reuse one keep-alive connection, half open a
    new connection per request; every 10th request is GET /slow (200 ms in flight).

    A request counts as failed when it gets no complete 200 response. The one exception is
    RFC 9112 section 9.3.1: a request sent on a REUSED keep-alive connection that the server
    had already closed (no byte of a response came back) may be retried on a new connection,
    as every HTTP client library does; those are counted in `stale_retries`, and the retry
    itself must succeed. A refused connection is always a failure."""

    def __init__(self, port, threads=4):
        self.port = port
        self.ok = 0
        self.failures = []
        self.refused = 0
        self.stale_retries = 0
        self.versions = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i % 2 == 0,), daemon=True)
                         for i in range(threads)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(10)

    @property
    def total(self):
        return self.ok + len(self.failures)

    def _record(self, ok, what=None, version=None):
        with self._lock:
            if ok:
                self.ok += 1
                self.versions[version] = self.versions.get(version, 0) + 1
            else:
                self.failures.append(what)

    def _one(self, conn, path):
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read().decode()
        return r.status, body, r.getheader("Connection", "")

    def _run(self, keep_alive):
        conn = None
        reused = False
        n = 0
        while not self._stop.is_set():
            n += 1
            path = "/slow" if n % 10 == 0 else "/"
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                reused = False
            try:
                status, body, connection = self._one(conn, path)
            except ConnectionRefusedError as e:
                with self._lock:
                    self.refused += 1
                self._record(False, f"refused: {e}")
                conn.close()
                conn = None
                continue
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                conn.close()
                conn = None
                if reused:
                    with self._lock:
                        self.stale_retries += 1
                    continue  # the retry is the next loop round, on a new connection
                self._record(False, f"{type(e).__name__} on a new connection: {e} (at {_now()})")
                continue
            except Exception as e:  # timeouts and anything else
                conn.close()
                conn = None
                self._record(False, f"{type(e).__name__}: {e}")
                continue
            if status == 200:
                self._record(True, version=body)
            else:
                self._record(False, f"status {status}: {body[:80]}")
            if keep_alive and connection.lower() != "close":
                reused = True
            else:
                conn.close()
                conn = None

    def assert_clean(self, label):
        print(f"\n[{label}] requests={self.total} ok={self.ok} failed={len(self.failures)} "
              f"refused={self.refused} stale_keepalive_retries={self.stale_retries} versions={self.versions}")
        assert self.refused == 0, self.failures[:5]
        assert not self.failures, self.failures[:10]
        assert self.ok > 20, f"the load generator made too few requests ({self.ok})"


def releases(inst):
    s, body = inst.api("GET", "/v1/releases")
    assert s == 200, (s, body)
    return {r["version"]: r for r in body["releases"]}


def session_pids(sid):
    """Every process whose session id is `sid` (a Proc started with new_session=True)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            out.append(int(d))
    return out


def kill_session(sid):
    """kill -9 of a whole container: the supervisor and everything it started."""
    for pid in session_pids(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_until(lambda: not session_pids(sid), 10, what="the session to die")
