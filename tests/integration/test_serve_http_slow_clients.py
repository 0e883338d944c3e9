"""Slow clients cannot make paasrun serve unavailable: slowloris (a head trickled in line by
line) and slow bodies are cut off by the read deadlines (10 s for a head, a minimum body rate
after a 10 s grace), while another client keeps getting answers in time. One worker, one
thread: the strictest setting, since everything shares one event loop."""
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import serve  # noqa: E402

HEADER_TIMEOUT = 10.0  # ConnectionConfig::header_timeout_ms
BODY_GRACE = 10.0      # ConnectionConfig::body_grace_ms


class Prober(threading.Thread):
    """GET / every 100 ms on a fresh connection; records the worst answer time."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.worst, self.failures, self.count = server, 0.0, [], 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                r = self.server.get("/", timeout=3)
                if r.status != 200:
                    self.failures.append(r.status)
            except OSError as e:
                self.failures.append(repr(e))
            self.worst = max(self.worst, time.monotonic() - t0)
            self.count += 1
            self.stop.wait(0.1)


def closed_by_server(sock):
    try:
        sock.setblocking(False)
        data = sock.recv(4096)
        return data  # b"" = FIN; bytes = the 408 (then FIN)
    except BlockingIOError:
        return None
    except ConnectionResetError:
        return b""


def test_slowloris_and_slow_body_are_cut_off_while_others_are_served(paasrun):
    with serve(paasrun, "echo:application", threads=1) as s:
        prober = Prober(s)
        prober.start()
        loris, bodies = [], []
        for _ in range(40):
            c = s.connect()
            c.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
            loris.append(c)
        for _ in range(20):
            c = s.connect()
            c.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
            bodies.append(c)
        t0 = time.monotonic()
        # Keep trickling: one header line / one body byte per connection per second.
        while time.monotonic() - t0 < HEADER_TIMEOUT + 2.5:
            for c in loris:
                try:
                    c.sendall(b"X-a: b\r\n")
                except OSError:
                    pass
            for c in bodies:
                try:
                    c.sendall(b"x")
                except OSError:
                    pass
            time.sleep(1.0)
        prober.stop.set()
        prober.join(5)
        still_open = [c for c in loris + bodies if closed_by_server(c) is None]
        for c in loris + bodies:
            c.close()
        assert not still_open, f"{len(still_open)} slow connections still open after the deadlines"
        assert prober.count > 50 and not prober.failures, prober.failures
        assert prober.worst < 1.0, f"a normal client waited {prober.worst:.2f}s"
        assert s.get("/").status == 200


@pytest.mark.skipif(not shutil.which("slowhttptest"), reason="slowhttptest not installed")
@pytest.mark.parametrize("mode", ["-H", "-B"], ids=["slowloris", "slow_body"])
def test_slowhttptest_does_not_deny_service(paasrun, tmp_path, mode):
    with serve(paasrun, "echo:application", threads=1) as s:
        prober = Prober(s)
        prober.start()
        # 300 connections at 150/s, a follow-up every 2 s, 6 s in total.
        cmd = ["slowhttptest", mode, "-c", "300", "-r", "150", "-i", "2", "-l", "6", "-s", "100000",
               "-t", "POST" if mode == "-B" else "GET", "-u", f"http://127.0.0.1:{s.port}/", "-o",
               str(tmp_path / "stats")]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        prober.stop.set()
        prober.join(5)
        assert prober.count > 20 and not prober.failures, prober.failures
        assert prober.worst < 1.0, f"a normal client waited {prober.worst:.2f}s"
