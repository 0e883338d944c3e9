"""Time windows on the per-endpoint table (GET /v1/endpoints?window=N, docs/dashboard.md
"Time windows") and counters that never go backwards across worker recycling and deploys,
in /v1/endpoints and in /metrics, against a real `paasrun start`."""
import re
import time

from conftest import paasrun_path, wait_until
from deploy_harness import Instance, write_app


def table(inst, window="all"):
    status, d = inst.api("GET", f"/v1/endpoints?window={window}")
    assert status == 200, d
    return d


def requests_of(inst, route, window="all"):
    r = next((r for r in table(inst, window)["routes"] if r["route"] == route), None)
    return r["requests"] if r else 0


def metric(inst, pattern):
    status, text = inst.api("GET", "/metrics")
    assert status == 200, text
    m = re.search(pattern, text, re.M)
    return int(m.group(1)) if m else 0


def test_a_window_sees_only_recent_requests(tmp_path):
    app = write_app(tmp_path / "app", "v1")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        # Phase 1.
        for n in range(5):
            assert i.get(f"/users/{n}")[0] == 200
        wait_until(lambda: requests_of(i, "/users/:id", 60) == 5, 10, interval=0.2,
                   what="phase 1 in the 1-minute window")
        d = table(i, 60)
        assert d["window"] == 60 and d["from"] <= d["to"]
        row = next(r for r in d["routes"] if r["route"] == "/users/:id")
        assert 0 < row["latency_seconds"]["p50"] <= row["latency_seconds"]["p99"] < 5
        assert row["by_class"]["2xx"] == 5
        # A 3 s window: phase 1 ages out of it, and stays in `all` and in the 1-minute one.
        wait_until(lambda: requests_of(i, "/users/:id", 3) == 0, 15, interval=0.3,
                   what="phase 1 aged out of the 3 s window")
        d = table(i, 3)
        assert 2.5 <= d["to"] - d["from"] <= 4.5, d
        assert requests_of(i, "/users/:id", "all") == 5
        assert requests_of(i, "/users/:id", "1m") == 5
        # Phase 2: only these are in the 3 s window (phase 1 has left it for good: a window
        # only moves forward).
        for n in range(3):
            assert i.get(f"/users/{n}")[0] == 200
        got = wait_until(lambda: (lambda n: n if n >= 3 else None)(requests_of(i, "/users/:id", 3)),
                         10, interval=0.1, what="phase 2 in the 3 s window")
        assert got == 3
        assert requests_of(i, "/users/:id", "all") == 8
        assert requests_of(i, "/users/:id", 300) == 8


def test_bad_window_is_a_400(tmp_path):
    app = write_app(tmp_path / "app", "v1")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        for bad in ("0", "3601", "-5", "abc", "2d", "1.5", ""):
            status, d = i.api("GET", f"/v1/endpoints?window={bad}")
            assert status == 400 and d["error"] == "invalid_parameter", (bad, status, d)
        assert table(i, "all")["window"] == "all"
        assert table(i, "1h")["window"] == 3600


def test_counts_survive_recycling_and_a_deploy(tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n",
                    procfile="web: paasrun serve app:application --max-requests 5 --max-requests-jitter 0\n")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        # 12 requests: the worker is recycled twice in the middle (max-requests 5).
        for n in range(12):
            assert i.get(f"/users/{n}")[0] == 200
        wait_until(lambda: requests_of(i, "/users/:id") == 12, 20, interval=0.2,
                   what="12 requests counted across two recycled workers")
        wait_until(lambda: requests_of(i, "/users/:id", 60) == 12, 10, interval=0.2,
                   what="12 requests in the 1-minute window")
        endpoint_2xx = r'^paasrun_endpoint_requests_total\{route="/users/:id",status_class="2xx"\} (\d+)$'
        http_2xx = r'^paasrun_http_requests_total\{class="2xx"\} (\d+)$'
        assert metric(i, endpoint_2xx) == 12
        before_http = metric(i, http_2xx)
        assert before_http >= 12

        # A config change starts a new web process (a new arbiter) and stops the old one,
        # which takes its .retired sum with it.
        status, j = i.api("PATCH", "/v1/config", {"COLOR": "blue"})
        assert status == 202, j
        assert i.wait_job(j["id"])["state"] == "succeeded"

        def old_gone():
            status, s = i.api("GET", "/v1/status")
            webs = [p for p in s["processes"] if p["type"] == "web"]
            return s if webs and all(p["phase"] == "active" and p["release"] == "v2" for p in webs) \
                and s["web_workers"] and all(w["release"] == "v2" for w in s["web_workers"]) else None
        wait_until(old_gone, 30, interval=0.2, what="only the new web process left")
        # The sampler has read the stats dir with the old process gone at least twice.
        after_gone = time.time()

        def sampled_after():
            status, d = i.api("GET", f"/v1/metrics/series?since={after_gone}")
            return len(d["t"]) >= 2 or None
        wait_until(sampled_after, 10, interval=0.2, what="two samples after the switch")
        assert requests_of(i, "/users/:id") == 12
        assert requests_of(i, "/users/:id", 60) == 12
        assert metric(i, endpoint_2xx) == 12
        assert metric(i, http_2xx) >= before_http

        for n in range(2):
            assert i.get(f"/users/{n}")[0] == 200
        wait_until(lambda: requests_of(i, "/users/:id") == 14, 10, interval=0.2,
                   what="the new process's requests added")
        wait_until(lambda: requests_of(i, "/users/:id", 60) == 14, 10, interval=0.2,
                   what="the window counting both processes")
        assert metric(i, endpoint_2xx) == 14
