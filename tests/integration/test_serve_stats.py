"""Live worker stats (src/serve/stats.hpp, docs/serve.md "Stats files"): with
PAASRUN_STATS_DIR set, each worker keeps <dir>/<pid>.stats current, the arbiter folds reaped
workers into <dir>/<arbiter-pid>.retired, and everything is removed when serve stops.

The files are read here with the layout documented in docs/serve.md (the C++ reader,
read_stats_dir, has its own unit tests in tests/unit/worker/test_stats.cpp)."""
import os
import signal
import struct

from conftest import FIXTURES, Proc, http_get, wait_until

APPS = FIXTURES / "apps" / "serve"

# magic version size flags pid arbiter_pid started_unix ready in_flight requests
# by_class[5] latency[13] latency_sum_ns rss_bytes worker_restarts folded_pids[32] next
# index route_count reserved, then the slots' last exits (32 x: index pid started exited
# requests reason[48]) and the per-endpoint table (64 x: key[96], 115 counters), not read here,
# then the WebSocket counters (open accepted messages/bytes received/sent closes[6])
LAYOUT = struct.Struct("=IIIIiiqIIQ5Q13QQQQ32iIiII" + "iiqqQ48s" * 32 + ("96s" + "115Q") * 64 + "12Q")
MAGIC, VERSION = 0x54535250, 3


def read_stats(path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None  # removed between listing and reading (a worker folded by the arbiter)
    if len(data) < LAYOUT.size and path.suffix == ".stats":
        return None  # a worker that is still creating its file (the C++ reader skips it too)
    assert len(data) == LAYOUT.size, (path, len(data))
    v = LAYOUT.unpack(data)
    if v[0] == 0 and path.suffix == ".stats":
        return None  # allocated, magic not stored yet: still being created (the C++ reader skips it)
    assert v[0] == MAGIC and v[1] == VERSION and v[2] == LAYOUT.size
    return {"flags": v[3], "pid": v[4], "arbiter_pid": v[5], "started": v[6], "ready": v[7],
            "in_flight": v[8], "requests": v[9], "by_class": list(v[10:15]),
            "latency": list(v[15:28]), "latency_sum_ns": v[28], "rss": v[29], "restarts": v[30]}


def snapshot(d):
    files = {p.name: read_stats(p) for p in d.iterdir() if p.suffix in (".stats", ".retired")}
    return {name: f for name, f in files.items() if f is not None}


def total(files, key):
    return sum(f[key] for f in files.values())


def test_stats_files_follow_requests_and_workers(paasrun, tmp_path):
    stats = tmp_path / "stats"  # created by the arbiter
    proc = Proc([paasrun, "serve", "behaviors:application", "--chdir", str(APPS), "--bind", "127.0.0.1:0",
                 "--workers", "2", "--access-log", "-"], env={"PAASRUN_STATS_DIR": str(stats)})
    with proc as p:
        port = int(p.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))
        p.wait_for_line(r"msg=ready workers=2", timeout=30)
        arbiter = f"{p.pid}.retired"

        def files_ready():
            f = snapshot(stats)
            workers = [v for k, v in f.items() if k.endswith(".stats")]
            return f if len(workers) == 2 and all(w["ready"] and w["rss"] > 0 for w in workers) else None
        files = wait_until(files_ready, 10, what="two ready worker files with RSS")
        assert arbiter in files and files[arbiter]["flags"] == 1 and files[arbiter]["requests"] == 0
        for name, f in files.items():
            if name.endswith(".stats"):
                assert name == f"{f['pid']}.stats" and f["arbiter_pid"] == p.pid
                assert 1 << 20 < f["rss"] < 1 << 30

        for _ in range(20):
            assert http_get(port, "/status?code=200")[0] == 200
        assert http_get(port, "/status?code=404")[0] == 404

        # Counters are updated right after the response is sent: wait for them.
        files = wait_until(lambda: (f := snapshot(stats)) and total(f, "requests") == 21 and f,
                           10, what="21 requests counted")
        by_class = [sum(f["by_class"][i] for f in files.values()) for i in range(5)]
        assert by_class == [0, 20, 0, 1, 0]
        assert sum(sum(f["latency"]) for f in files.values()) == 21
        assert 0 < total(files, "latency_sum_ns") < 21 * 5 * 10**9
        assert total(files, "in_flight") == 0

        # A worker killed with SIGKILL: its counters move to the arbiter's sum, once.
        victim = max((f for f in files.values() if f["flags"] == 0), key=lambda f: f["requests"])
        os.kill(victim["pid"], signal.SIGKILL)

        def folded():
            f = snapshot(stats)
            r = f.get(arbiter)
            return f if f"{victim['pid']}.stats" not in f and r and r["restarts"] == 1 else None
        files = wait_until(folded, 10, what="the killed worker folded into .retired")
        assert files[arbiter]["requests"] == victim["requests"]
        assert total(files, "requests") == 21
        p.wait_for_line(r"msg=\"worker spawned\" index=\d+ pid=\d+ serial=3")
        wait_until(lambda: sum(1 for k in snapshot(stats) if k.endswith(".stats")) == 2, 30,
                   what="the replacement's stats file")

        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0
    assert list(stats.iterdir()) == []
