"""ASGI workers' lifecycle on `paasrun serve`: the lifespan protocol (startup before READY,
failure fails the worker with the app's message, shutdown on drain, apps without lifespan),
and what WSGI workers have: heartbeat/stuck-loop detection, max-requests recycling, graceful
drain, rolling restart and the stats files behind /metrics."""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import HERE, ResponseReader, read_until_closed, serve  # noqa: E402
from conftest import Proc, free_port, paasrun_path, wait_until  # noqa: E402
from test_serve_stats import snapshot, total  # noqa: E402


def get(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        return ResponseReader(s).read()


def test_lifespan_startup_before_ready_and_shutdown_on_stop(tmp_path):
    with serve(paasrun_path(), "asgi_raw:app", env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        # The port answering does not mean the reader thread has collected the log lines yet.
        s.proc.wait_for_line(r"msg=ready worker=1", timeout=10)
        text = s.proc.text()
        assert text.index("lifespan startup complete") < text.index("msg=ready worker=1")
        starts = list(tmp_path.glob("startup-*"))
        assert len(starts) == 1
        pid = starts[0].name.split("-")[1]
        s.proc.signal(signal.SIGTERM)
        assert s.proc.wait(20) == 0
        assert (tmp_path / f"shutdown-{pid}").exists()
        assert "lifespan shutdown complete" in s.proc.text()


def test_failed_startup_fails_the_worker_with_the_apps_message():
    port = free_port()
    with Proc([paasrun_path(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir", str(HERE),
               "asgi_raw:failing_startup"], cwd=str(HERE)) as p:
        assert p.wait(30) == 4  # kExitAppLoadError: the arbiter halts instead of respawning
        assert "database unreachable" in p.text()
        assert "worker failed to boot" in p.text()


def test_app_without_lifespan_is_served():
    with serve(paasrun_path(), "asgi_raw:no_lifespan") as s:
        assert s.get("/").body == b"Hello, world!"
        s.proc.wait_for_line(r"lifespan not supported by the app.*unsupported scope lifespan", timeout=10)


def test_blocked_event_loop_stops_the_heartbeat(tmp_path):
    # --timeout 4, not less: the replacement's boot (import + lifespan) counts against it
    # too, and takes seconds on a loaded machine.
    with serve(paasrun_path(), "asgi_raw:app", extra=["--timeout", "4"],
               env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        s.proc.wait_for_line(r"msg=ready worker=1 pid=(\d+)", timeout=10)
        with s.connect(timeout=30) as c:
            c.sendall(b"GET /block?s=30 HTTP/1.1\r\nHost: t\r\n\r\n")
            s.proc.wait_for_line(r"worker timeout, dumping stacks", timeout=30)
            s.proc.wait_for_line(r"in block", timeout=10)  # faulthandler's dump names the view
            s.proc.wait_for_line(r"killing worker.*reason=timeout", timeout=10)
        wait_until(lambda: len(list(tmp_path.glob("startup-*"))) == 2, timeout=20, what="replacement worker")
        assert get(s.port, "/").status == 200


def test_max_requests_recycles_the_worker(tmp_path):
    with serve(paasrun_path(), "asgi_raw:app", extra=["--max-requests", "5"],
               env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        for _ in range(8):
            assert s.get("/").status == 200
        s.proc.wait_for_line(r"asking to be recycled\" reason=max-requests", timeout=10)
        wait_until(lambda: len(list(tmp_path.glob("shutdown-*"))) == 1, timeout=20,
                   what="old worker's lifespan shutdown")
        assert len(list(tmp_path.glob("startup-*"))) == 2
        assert s.get("/").status == 200


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_max_rss_recycles_the_worker_after_its_response(tmp_path):
    # An ASGI route that allocates (and keeps) 160 MiB past --max-rss: the worker answers it,
    # asks to be recycled at its next RSS check (once a second), and is replaced with no
    # failed request from a client that keeps asking throughout (new connections each time).
    # The limit is 80 MiB above a fresh worker's RSS, measured first (larger under ASan).
    with serve(paasrun_path(), "asgi_raw:app") as s:
        limit = rss_mib(int(get(s.port, "/pid").body)) + 80
    with serve(paasrun_path(), "asgi_raw:app", extra=["--max-rss", str(limit)],
               env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        old = int(get(s.port, "/pid").body)
        assert rss_mib(old) < limit
        stop, results = threading.Event(), []

        def client():
            while not stop.is_set():
                try:
                    results.append(get(s.port, "/pid").status)
                except OSError as e:
                    results.append(repr(e))
        t = threading.Thread(target=client)
        t.start()
        try:
            r = get(s.port, "/allocate?mb=160")
            assert r.status == 200 and int(r.body) == old  # answered by the worker it grew
            s.proc.wait_for_line(rf"asking to be recycled\" reason=max-rss", timeout=10)
            wait_until(lambda: (tmp_path / f"shutdown-{old}").exists(), timeout=30,
                       what="the old worker's lifespan shutdown (drained)")
            s.proc.wait_for_line(rf"worker exited\" .*pid={old} .*exit=0", timeout=10)
            new = int(get(s.port, "/pid").body)
            assert new != old and rss_mib(new) < limit
        finally:
            stop.set()
            t.join(10)
        assert results and all(x == 200 for x in results), [x for x in results if x != 200][:5]


def test_graceful_stop_finishes_a_streaming_response(tmp_path):
    with serve(paasrun_path(), "asgi_raw:app", env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        with s.connect(timeout=20) as c:
            c.sendall(b"GET /stream?n=20 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            c.settimeout(10)
            first = c.recv(65536)
            assert b"part 0" in first
            s.proc.signal(signal.SIGTERM)
            data = first + read_until_closed(c, timeout=20)
        assert b"part 19\n" in data and data.endswith(b"0\r\n\r\n")
        assert s.proc.wait(20) == 0


def test_rolling_restart_keeps_serving(tmp_path):
    with serve(paasrun_path(), "asgi_raw:app", workers=2, env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        wait_until(lambda: len(list(tmp_path.glob("startup-*"))) == 2, timeout=20, what="2 workers")
        s.proc.signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        failures = 0
        while len(list(tmp_path.glob("shutdown-*"))) < 2 and time.monotonic() < deadline:
            try:
                assert get(s.port, "/").status == 200
            except OSError:
                failures += 1
        assert len(list(tmp_path.glob("shutdown-*"))) == 2, s.proc.text()
        assert failures == 0
        s.proc.wait_for_line(r"reload complete", timeout=20)


def test_stats_count_asgi_requests(tmp_path):
    stats = tmp_path / "stats"
    with serve(paasrun_path(), "asgi_raw:app", extra=["--access-log", "-"],
               env={"PAASRUN_STATS_DIR": str(stats), "ASGI_MARKER_DIR": str(tmp_path)}) as s:
        for _ in range(5):
            s.get("/")
        s.get("/raise")
        wait_until(lambda: total(snapshot(stats), "requests") >= 7, timeout=10, what="requests counted")
        files = snapshot(stats)
        workers = [f for f in files.values() if f["flags"] == 0]
        assert len(workers) == 1 and workers[0]["ready"] == 1 and workers[0]["in_flight"] == 0
        by_class = workers[0]["by_class"]
        assert by_class[1] >= 6 and by_class[4] == 1  # 2xx (incl. the readiness probe), 5xx
