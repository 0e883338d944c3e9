"""Memory a worker spends on connections comes back when they close (issue 11, item 8;
docs/serve.md "Memory per connection").

3,000 keep-alive connections each send one request and stay open and idle, then all close.
Before, each cost the worker ~29 KiB that was never returned (6,000 connections: +175 MiB for
good). Now an idle connection holds no buffers and freed heap goes back to the kernel after a
burst of closes. bench/idle_connections_rss measures 10,000."""
import os
import pathlib
import resource
import socket
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402

CONNECTIONS = 3000
MiB = 1024 * 1024


def rss(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before the response"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)


def steady_rss(pid):
    """RSS once it stops moving (the worker's 250 ms tick runs the trim)."""
    last = [rss(pid)]

    def settled():
        time.sleep(0.5)
        now = rss(pid)
        done = abs(now - last[0]) < 256 * 1024
        last[0] = now
        return done
    wait_until(settled, 15, interval=0, what="a steady RSS")
    return last[0]


@pytest.fixture
def nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < CONNECTIONS + 256:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below {CONNECTIONS + 256}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (CONNECTIONS + 256, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_idle_connections_memory_returns_after_they_close(nofile):
    with serve(paasrun_path(), "echo:application", extra=["--access-log", "-", "--backlog", "4096"]) as s:
        kids = pathlib.Path(f"/proc/{s.proc.pid}/task/{s.proc.pid}/children").read_text().split()
        assert len(kids) == 1, kids
        worker = int(kids[0])
        for _ in range(100):  # warm-up: the app and Python reach their steady state
            assert s.get("/warm").status == 200
        baseline = steady_rss(worker)
        base_fds = fds(worker)  # after the warm-up's last connection is gone

        for round_ in range(2):
            conns = []
            try:
                for _ in range(CONNECTIONS):
                    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
                    conns.append(c)
                    c.sendall(b"GET /idle HTTP/1.1\r\nHost: t\r\n\r\n")
                for c in conns:
                    read_response(c)
                wait_until(lambda: fds(worker) >= base_fds + CONNECTIONS, 30, what="all accepted")
                held = rss(worker)
            finally:
                for c in conns:
                    c.close()
            wait_until(lambda: fds(worker) <= base_fds, 30, what="all closed")
            after = steady_rss(worker)
            print(f"round {round_}: baseline {baseline / MiB:.1f} MiB, {CONNECTIONS} idle "
                  f"connections {held / MiB:.1f} MiB ({(held - baseline) / CONNECTIONS / 1024:.1f} KiB each), "
                  f"closed {after / MiB:.1f} MiB")
            # An idle keep-alive connection costs a few KiB, not ~29.
            assert (held - baseline) / CONNECTIONS < 12 * 1024, (held - baseline) / CONNECTIONS
            assert after - baseline < 3 * MiB, (baseline, held, after)
        assert s.get("/still").status == 200
