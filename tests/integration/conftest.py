"""Shared harness for integration tests: start the real paasrun binary, talk to it over
real sockets, wait on conditions with deadlines (never bare sleeps).

Fixtures:
  paasrun      -> path of the binary under test (PAASRUN_BIN, else build/paasrun)
  app_dir      -> a fresh temp dir to write a Procfile/app into (tmp_path)
Helpers (import from conftest):
  Proc(args, ...)             a started process whose stdout+stderr lines are collected
  wait_until(pred, timeout)   poll a predicate until true or raise TimeoutError
  free_port()                 a currently free TCP port on 127.0.0.1
  wait_for_port(port, timeout)
  http_get(port, path, ...)   one HTTP/1.1 request with http.client; returns (status, headers, body)
"""
import http.client
import os
import pathlib
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SYSTEM_PYTHON = "/usr/bin/python3"


def paasrun_path():
    return os.environ.get("PAASRUN_BIN") or str(ROOT / "build" / "paasrun")


@pytest.fixture
def paasrun():
    p = paasrun_path()
    assert os.access(p, os.X_OK), f"paasrun binary not found at {p}; build first"
    return p


@pytest.fixture
def app_dir(tmp_path):
    return tmp_path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium per test module, for the dashboard's browser tests
    (dashboard_browser.py; the module is skipped with its reason when Chromium is missing)."""
    from dashboard_browser import start_browser
    d = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield d
    d.quit()


def wait_until(pred, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0, host="127.0.0.1"):
    def up():
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            return False
    return wait_until(up, timeout, what=f"port {port}")


def http_get(port, path="/", method="GET", body=None, headers=None, timeout=10.0, host="127.0.0.1"):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


class Proc:
    """A child process with its merged stdout/stderr collected line by line.

    new_session=True puts it in its own process group so kill_group() reaches everything."""

    def __init__(self, args, cwd=None, env=None, new_session=True, stdin=subprocess.DEVNULL):
        full_env = dict(os.environ)
        full_env.pop("PORT", None)
        if env:
            full_env.update(env)
        self.args = args
        self.p = subprocess.Popen(args, cwd=cwd, env=full_env, stdin=stdin,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  start_new_session=new_session)
        self.lines = []
        self._lock = threading.Lock()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            with self._lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    @property
    def pid(self):
        return self.p.pid

    def output(self):
        with self._lock:
            return list(self.lines)

    def text(self):
        return "\n".join(self.output())

    def wait_for_line(self, pattern, timeout=10.0):
        rx = re.compile(pattern)

        def find():
            for line in self.output():
                m = rx.search(line)
                if m:
                    return m
            if self.p.poll() is not None:
                self._t.join(1)
                for line in self.output():
                    m = rx.search(line)
                    if m:
                        return m
                raise AssertionError(f"process exited ({self.p.returncode}) before /{pattern}/:\n"
                                     + self.text())
            return None
        try:
            return wait_until(find, timeout, what=f"line /{pattern}/")
        except TimeoutError:
            raise AssertionError(f"no line /{pattern}/ within {timeout}s:\n" + self.text())

    def signal(self, sig):
        self.p.send_signal(sig)

    def wait(self, timeout=10.0):
        rc = self.p.wait(timeout)
        self._t.join(2)
        return rc

    def kill_group(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.kill_group()
            self.p.wait(5)
        else:
            self.kill_group()  # leftovers in the group, if any
