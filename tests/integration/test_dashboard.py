"""The dashboard's security rules against a real `paasrun start`, without a browser: the
one-time login link `paasrun dashboard` prints (works once), pages refused without a
session, the session cookie's attributes, CSRF and same-origin checks on state-changing
requests, the security headers, and the bearer token working as before. The browser test
is test_dashboard_browser.py; ticket expiry (60 s) is a unit test (test_dashboard.cpp)."""
import http.client
import json
import re
import subprocess
import time
import urllib.parse

import pytest

from conftest import paasrun_path, wait_until
from deploy_harness import TOKEN, Instance, write_app


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    base = tmp_path_factory.mktemp("dash")
    app = write_app(base / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        yield i


def req(inst, method, path, headers=None, body=None):
    host, port = inst.admin.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def login_link(inst):
    out = subprocess.run([paasrun_path(), "dashboard", "--to", f"http://{inst.admin}", "--token", TOKEN],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip()
    assert re.fullmatch(rf"http://{re.escape(inst.admin)}/dashboard/login\?ticket=[0-9a-f]{{64}}", link), link
    assert TOKEN not in link
    return link


def session_of(headers):
    m = re.match(r"paasrun_session=([0-9a-f]+); Path=/; Max-Age=\d+; HttpOnly; SameSite=Strict$", headers["set-cookie"])
    assert m, headers["set-cookie"]
    return m.group(1)


def test_one_time_link_logs_in_once(inst):
    path = urllib.parse.urlsplit(login_link(inst))
    status, headers, _ = req(inst, "GET", f"{path.path}?{path.query}")
    assert status == 303 and headers["location"] == "/dashboard/"
    sid = session_of(headers)
    assert headers["referrer-policy"] == "no-referrer"
    status, headers, body = req(inst, "GET", f"{path.path}?{path.query}")
    assert status == 403 and "set-cookie" not in headers
    assert b"no longer valid" in body
    status, headers, body = req(inst, "GET", "/dashboard/", {"Cookie": f"paasrun_session={sid}"})
    assert status == 200 and b'<meta name="csrf-token" content="' in body


def test_pages_and_api_refused_without_a_session(inst):
    status, headers, _ = req(inst, "GET", "/dashboard/")
    assert status == 303 and headers["location"] == "/dashboard/login"
    status, headers, _ = req(inst, "GET", "/dashboard/", {"Cookie": "paasrun_session=" + "0" * 64})
    assert status == 303
    status, _, _ = req(inst, "GET", "/v1/status", {"Cookie": "paasrun_session=" + "0" * 64})
    assert status == 401
    status, headers, _ = req(inst, "GET", "/")
    assert status == 303 and headers["location"] == "/dashboard/"
    # The login page and the assets are public and hold nothing secret.
    status, headers, body = req(inst, "GET", "/dashboard/login")
    assert status == 200 and b"Admin token" in body
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in headers
    status, headers, body = req(inst, "GET", "/dashboard/assets/uPlot.iife.min.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"uPlot" in body


def test_login_with_the_token_and_csrf(inst):
    status, headers, _ = req(inst, "POST", "/v1/dashboard/session", {"Authorization": "Bearer wrong"})
    assert status == 401 and "set-cookie" not in headers
    status, headers, _ = req(inst, "POST", "/v1/dashboard/session", {"Authorization": f"Bearer {TOKEN}",
                                                                     "X-Forwarded-Proto": "https"})
    assert status == 204 and headers["set-cookie"].endswith("; Secure")
    status, headers, _ = req(inst, "POST", "/v1/dashboard/session", {"Authorization": f"Bearer {TOKEN}"})
    sid = session_of(headers)
    status, _, page = req(inst, "GET", "/dashboard/", {"Cookie": f"paasrun_session={sid}"})
    csrf = re.search(rb'name="csrf-token" content="([0-9a-f]+)"', page).group(1).decode()

    cookie = {"Cookie": f"paasrun_session={sid}", "Host": inst.admin}
    status, _, body = req(inst, "GET", "/v1/status", cookie)
    assert status == 200 and json.loads(body)["release"] == "v1"

    change = json.dumps({"DASH_TEST": "1"}).encode()
    jtype = {"Content-Type": "application/json"}
    # No CSRF token: refused, nothing changed.
    status, _, body = req(inst, "PATCH", "/v1/config", {**cookie, **jtype}, change)
    assert status == 403 and json.loads(body)["error"] == "csrf"
    # The right token from another origin: refused.
    status, _, body = req(inst, "PATCH", "/v1/config", {**cookie, **jtype, "X-CSRF-Token": csrf,
                                                         "Origin": "http://evil.example"}, change)
    assert status == 403
    status, _, body = req(inst, "PATCH", "/v1/config", {**cookie, **jtype, "X-CSRF-Token": csrf,
                                                         "Sec-Fetch-Site": "cross-site"}, change)
    assert status == 403
    status, _, body = req(inst, "PATCH", "/v1/config", {**cookie, **jtype, "X-CSRF-Token": "0" * 64}, change)
    assert status == 403
    s, cfg = inst.api("GET", "/v1/config")
    assert "DASH_TEST" not in cfg["config"]
    # Same origin with the token: accepted, a release is made.
    status, _, body = req(inst, "PATCH", "/v1/config", {**cookie, **jtype, "X-CSRF-Token": csrf,
                                                         "Origin": f"http://{inst.admin}"}, change)
    assert status == 202, body
    job = inst.wait_job(json.loads(body)["id"])
    assert job["state"] == "succeeded", job
    # The bearer token needs no CSRF token, as before.
    status, j = inst.api("PATCH", "/v1/config", {"DASH_TEST": None})
    assert status == 202
    inst.wait_baked(j["id"])

    # Logout: CSRF-protected, then the cookie no longer works.
    status, _, _ = req(inst, "POST", "/v1/dashboard/logout", cookie)
    assert status == 403
    status, headers, _ = req(inst, "POST", "/v1/dashboard/logout", {**cookie, "X-CSRF-Token": csrf})
    assert status == 204 and "Max-Age=0" in headers["set-cookie"]
    status, _, _ = req(inst, "GET", "/v1/status", cookie)
    assert status == 401


def test_series_counts_requests(inst):
    # The series counts from the sampler's first sample (its baseline): requests sent before
    # it exist are not in any interval, so wait for one before sending them.
    def sampled():
        status, d = inst.api("GET", "/v1/metrics/series")
        assert status == 200 and d["interval_seconds"] == 1 and d["capacity"] == 3600
        return d if d["t"] else None
    first = wait_until(sampled, 10, interval=0.2, what="the first sample of the series")
    since = first["t"][-1]
    for _ in range(20):
        inst.get("/")

    def counted():
        s, d = inst.api("GET", f"/v1/metrics/series?since={since}")
        return d if sum(d["requests"]) >= 20 else None
    d = wait_until(counted, 10, interval=0.5, what="the series counting 20 requests")
    # Each sample's rate is its request count over its own interval (about 1 s, longer when
    # the machine is loaded): rate x interval gives the count back.
    rates = [sum(col[k] for col in d["requests_per_second"].values()) for k in range(len(d["t"]))]
    for k in range(1, len(d["t"])):
        interval = d["t"][k] - d["t"][k - 1]
        assert abs(rates[k] * interval - d["requests"][k]) < 0.05 + 0.01 * d["requests"][k], (k, d)
    assert all(r > 0 for r, n in zip(rates, d["requests"]) if n > 0), d
    assert any(v is not None for v in d["latency_seconds"]["p50"])
    assert d["rss_bytes"] and all(len(col) == len(d["t"]) for col in d["rss_bytes"].values())
    status, _ = inst.api("GET", "/v1/metrics/series?since=abc")
    assert status == 400


def test_event_stream_is_not_compressed(inst):
    """Browsers send Accept-Encoding: gzip, br; httplib compressed text/event-stream with a
    charset parameter and its compressor held the events back, so the dashboard's log page
    (an EventSource) stayed empty. The events must arrive at once, uncompressed."""
    import socket
    host, port = inst.admin.rsplit(":", 1)
    inst.get("/sse-marker")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall((f"GET /v1/logs?tail=50 HTTP/1.1\r\nHost: {inst.admin}\r\nAuthorization: Bearer {TOKEN}\r\n"
                   "Accept: text/event-stream\r\nAccept-Encoding: gzip, deflate, br\r\n\r\n").encode())
        data = b""
        deadline = time.monotonic() + 5
        while b"sse-marker" not in data and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-encoding" not in head, head
    assert b"content-type: text/event-stream\r\n" in head + b"\r\n", head
    assert b"sse-marker" in data, data[:500]


def endpoint(inst, route):
    status, d = inst.api("GET", "/v1/endpoints")
    assert status == 200, d
    return next((r for r in d["routes"] if r["route"] == route), None)


def test_endpoint_table_collapses_ids(inst):
    # A quiet moment longer than the CPU sampler's longest interval (50 ms, thread_cpu.hpp),
    # so the first of these requests is measured whatever the previous tests sent.
    time.sleep(0.1)
    for path in ("/users/1", "/users/2", "/about"):
        assert inst.get(path)[0] == 200
    # A worker counts a request once its response is written, so wait for the last one too.
    wait_until(lambda: (lambda r: r and r["requests"] >= 1)(endpoint(inst, "/about")),
               10, interval=0.2, what="/about in the endpoint table")
    users = wait_until(lambda: (lambda r: r if r and r["requests"] >= 2 else None)(endpoint(inst, "/users/:id")),
                       10, interval=0.2, what="/users/:id in the endpoint table")
    assert users["requests"] == 2 and users["by_class"]["2xx"] == 2
    assert users["errors_4xx"] == 0 and users["errors_5xx"] == 0
    assert 0 < users["latency_seconds"]["p50"] <= users["latency_seconds"]["p99"] < 5
    # CPU time is measured on a time-spaced sample of requests (thread_cpu.hpp): the first
    # request after a quiet moment always is.
    assert 1 <= users["cpu_measured_requests"] <= 2 and users["cpu_seconds_per_request"] > 0
    assert endpoint(inst, "/users/1") is None and endpoint(inst, "/about")["requests"] == 1
    status, _, body = req(inst, "GET", "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    text = body.decode()
    assert 'paasrun_endpoint_requests_total{route="/users/:id",status_class="2xx"} 2\n' in text
    assert re.search(r'paasrun_endpoint_request_duration_seconds\{route="/users/:id",quantile="0.99"\} [0-9.e-]+\n', text)
    assert 'paasrun_endpoint_request_duration_seconds_count{route="/users/:id"} 2\n' in text
    assert re.search(r'paasrun_endpoint_cpu_seconds_total\{route="/users/:id"\} [0-9.e-]+\n', text)
    assert 'route="/users/1"' not in text


def test_cpu_per_request_follows_the_work(inst):
    # Requests are measured at most once per sampling interval (1000x the clock's own cost):
    # keep sending both until each route has a few measured ones.
    def measured():
        assert inst.get("/burn")[0] == 200
        assert inst.get("/cheap")[0] == 200
        burn, cheap = endpoint(inst, "/burn"), endpoint(inst, "/cheap")
        return (burn, cheap) if burn and cheap and min(burn["cpu_measured_requests"], cheap["cpu_measured_requests"]) >= 3 else None
    burn, cheap = wait_until(measured, 30, interval=0.05, what="3 measured requests of /burn and of /cheap")
    # /burn spins for 30 ms of thread CPU time; /cheap answers a constant.
    assert burn["cpu_seconds_per_request"] >= 0.025, burn
    assert cheap["cpu_seconds_per_request"] < burn["cpu_seconds_per_request"] / 5, (cheap, burn)


def test_worker_rows_show_age_and_slot(inst):
    status, s = inst.api("GET", "/v1/status")
    assert status == 200 and s["web_workers"], s
    w = s["web_workers"][0]
    assert w["slot"] == 1 and w["age_seconds"] >= 0 and w["started_unix"] > 1.6e9
    assert abs(time.time() - w["started_unix"] - w["age_seconds"]) < 5
    web = next(p for p in s["processes"] if p["name"] == w["process"] and p["phase"] == "active")
    if web["generation"] == 1:
        assert w["previous"] is None, w  # the first worker of its slot
    else:  # a config change earlier in this module started a new web process: a deploy
        assert w["previous"]["reason"] == "deploy" and w["previous"]["pid"] is None, (w, web)


def test_cpu_series_per_process(inst):
    def with_cpu():
        status, d = inst.api("GET", "/v1/metrics/series")
        labels = d.get("cpu_labels", {})
        return d if any(l.startswith("web.1 worker 1") for l in labels.values()) and len(d["t"]) >= 2 else None
    d = wait_until(with_cpu, 10, interval=0.3, what="CPU readings of the web worker in the series")
    labels = d["cpu_labels"]
    assert any(l.startswith("supervisor (pid ") for l in labels.values()), labels
    assert any(l.startswith("web.1 arbiter (pid ") for l in labels.values()), labels
    for pid, col in d["cpu_percent"].items():
        assert len(col) == len(d["t"]) and pid in labels
        assert all(v is None or 0 <= v <= 100 * 64 for v in col)
    # The worker burns ~0.3 s of CPU in these requests: its line shows it.
    worker = next(p for p, l in labels.items() if l.startswith("web.1 worker 1"))
    since = d["t"][-1]
    for _ in range(10):
        inst.get("/burn")

    def busy():
        status, d = inst.api("GET", f"/v1/metrics/series?since={since}")
        col = d["cpu_percent"].get(worker, [])
        return col if sum(v or 0 for v in col) >= 15 else None
    wait_until(busy, 10, interval=0.3, what="the worker's CPU line to rise under /burn")


def test_worker_recycled_by_max_requests_shows_why(tmp_path):
    app = write_app(tmp_path / "app", "v1",
                    procfile="web: paasrun serve app:application --max-requests 5 --max-requests-jitter 0\n")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        status, s = i.api("GET", "/v1/status")
        first = s["web_workers"][0]
        assert first["previous"] is None
        for _ in range(5):
            assert i.get("/users/7")[0] == 200

        def replaced():
            status, s = i.api("GET", "/v1/status")
            ws = [w for w in s["web_workers"] if w["pid"] != first["pid"] and w["previous"]]
            return ws[0] if ws else None
        w = wait_until(replaced, 20, interval=0.2, what="the worker recycled by max-requests")
        assert w["slot"] == 1
        prev = w["previous"]
        assert prev["reason"] == "max-requests" and prev["pid"] == first["pid"], w
        assert prev["requests"] == 5 and prev["exited_unix"] >= first["started_unix"]
        assert w["started_unix"] >= first["started_unix"] and w["requests"] == 0
        status, _ = i.api("GET", "/v1/status")
        host, port = i.admin.rsplit(":", 1)
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        text = c.getresponse().read().decode()
        c.close()
        assert 'paasrun_web_worker_previous_exit{process="web.1",slot="1",reason="max-requests"} 1' in text
        # The recycled worker's requests stay counted under their route.
        assert 'paasrun_endpoint_requests_total{route="/users/:id",status_class="2xx"} 5\n' in text


def test_config_diff_between_releases(tmp_path):
    """GET /v1/config/diff (the Releases page's diff) names added, changed and removed keys,
    masked unless revealed; unknown releases are 404 and bad parameters 400."""
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        def config(changes):
            s, j = i.api("PATCH", "/v1/config", changes)
            assert s == 202, (s, j)
            assert i.wait_job(j["id"])["state"] == "succeeded"
        config({"KEEP": "same", "OLD": "gone-soon", "COLOR": "red"})
        config({"OLD": None, "COLOR": "blue", "NEW": "s3cret"})
        # The overview's "last job": the newest one, finished, without its output.
        s, st = i.api("GET", "/v1/status")
        assert st["running_job"] is None and st["last_job"]["kind"] == "config", st
        assert st["last_job"]["state"] == "succeeded" and st["last_job"]["output"] == []
        s, listing = i.api("GET", "/v1/releases")
        assert s == 200, listing
        versions = sorted(int(str(r["version"]).lstrip("v")) for r in listing["releases"])
        before, after = versions[-2], versions[-1]

        s, j = i.api("GET", f"/v1/config/diff?from=v{before}&to=v{after}")
        assert s == 200, j
        changes = {c["key"]: c for c in j["changes"]}
        assert set(changes) == {"OLD", "COLOR", "NEW"}, j  # KEEP did not change
        assert changes["OLD"]["change"] == "removed" and changes["OLD"]["to"] is None
        assert changes["COLOR"]["change"] == "changed"
        assert changes["NEW"]["change"] == "added"
        assert "s3cret" not in json.dumps(j) and "blue" not in json.dumps(j)

        s, j = i.api("GET", f"/v1/config/diff?from=v{before}&to=v{after}&reveal=true")
        assert s == 200, j
        changes = {c["key"]: c for c in j["changes"]}
        assert (changes["COLOR"]["from"], changes["COLOR"]["to"]) == ("red", "blue")
        assert changes["NEW"]["to"] == "s3cret"

        s, j = i.api("GET", f"/v1/config/diff?from=v{before}&to=v999")
        assert s == 404, j
        s, j = i.api("GET", "/v1/config/diff?from=v1")
        assert s == 400, j
        s, j = i.api("GET", "/v1/config/diff?from=one&to=v2")
        assert s == 400, j


def remote_cli(inst, *args, env=None):
    """The paasrun CLI against `inst` (--to, --token), with `env` replacing the environment."""
    return subprocess.run([paasrun_path(), *args, "--to", f"http://{inst.admin}", "--token", TOKEN],
                          capture_output=True, text=True, timeout=30, env=env)


def test_redeploy_is_described_as_a_redeploy(tmp_path):
    """POST /v1/rollback {"to": <current>} (the Releases page's Redeploy) makes a release
    described as a redeploy: "Redeploy of vN", `redeploy: true` (the kind stays `rollback`
    with rollback_of, as before), a job of kind `redeploy`, a chart marker labelled
    `redeploy`, and `paasrun releases` / `releases:info` saying so; a rollback to another
    release is still a rollback."""
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        # The dashboard's 1 s sampler marks a release change it sees: one sample of v1 first.
        wait_until(lambda: i.api("GET", "/v1/metrics/series")[1]["t"], 10, what="the first sample")
        s, j = i.api("POST", "/v1/rollback", {"to": "v1"})
        assert s == 202 and j["kind"] == "redeploy", (s, j)
        job = i.wait_job(j["id"])
        assert job["state"] == "succeeded" and job["kind"] == "redeploy" and job["release"] == "v2", job
        assert any("Created v2: Redeploy of v1" in line for line in job["output"]), job["output"]
        s, listing = i.api("GET", "/v1/releases")
        v2 = next(r for r in listing["releases"] if r["version"] == "v2")
        assert v2["current"] and v2["description"] == "Redeploy of v1", v2
        assert v2["kind"] == "rollback" and v2["rollback_of"] == "v1" and v2["redeploy"] is True, v2
        v1 = next(r for r in listing["releases"] if r["version"] == "v1")
        assert v1["redeploy"] is False, v1
        # The chart marker of the switch to v2 is labelled with the job's kind.
        wait_until(lambda: any(e["release"] == "v2" for e in i.api("GET", "/v1/metrics/series")[1]["events"]),
                   10, what="the v2 marker")
        events = {e["release"]: e["kind"] for e in i.api("GET", "/v1/metrics/series")[1]["events"]}
        assert events["v2"] == "redeploy", events

        # A rollback to an older release is still a rollback.
        s, j = i.api("PATCH", "/v1/config", {"A": "1"})
        assert i.wait_job(j["id"])["state"] == "succeeded"
        s, j = i.api("POST", "/v1/rollback", {"to": "v2"})
        assert s == 202 and j["kind"] == "rollback", (s, j)
        assert i.wait_job(j["id"])["state"] == "succeeded"
        s, listing = i.api("GET", "/v1/releases")
        v4 = next(r for r in listing["releases"] if r["version"] == "v4")
        assert v4["description"] == "Rollback to v2" and v4["redeploy"] is False, v4

        r = remote_cli(i, "releases")
        assert r.returncode == 0, r.stderr
        rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
        assert rows["v2"].endswith("Redeploy of v1") and rows["v4"].endswith("Rollback to v2"), r.stdout
        r = remote_cli(i, "releases:info", "v2")
        assert r.returncode == 0, r.stderr
        assert re.search(r"^Kind:\s+redeploy$", r.stdout, re.M) and re.search(r"^Redeploy of:\s+v1$", r.stdout, re.M), r.stdout
        r = remote_cli(i, "releases:info", "v4")
        assert re.search(r"^Kind:\s+rollback$", r.stdout, re.M) and re.search(r"^Rollback of:\s+v2$", r.stdout, re.M), r.stdout


def fake_opener(bin_dir, record, exit_code=0):
    """An `xdg-open` that records its arguments (one per line) in `record`, writes to stdout
    (which must not end up in paasrun's stdout) and exits with `exit_code`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "xdg-open"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\necho opener-noise\nexit {exit_code}\n")
    script.chmod(0o755)
    return script


def test_dashboard_open_runs_xdg_open_with_the_one_time_link(inst, tmp_path):
    """`paasrun dashboard --open` runs the xdg-open on PATH with the link as its only
    argument; stdout holds only the link; the link logs in once."""
    record = tmp_path / "opened"
    fake_opener(tmp_path / "bin", record)
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    r = remote_cli(inst, "dashboard", "--open", env=env)
    assert r.returncode == 0, r.stderr
    link = r.stdout.strip()
    assert re.fullmatch(rf"http://{re.escape(inst.admin)}/dashboard/login\?ticket=[0-9a-f]{{64}}", link), r.stdout
    assert record.read_text().splitlines() == [link]
    assert "opener-noise" in r.stderr and "could not open" not in r.stderr, r.stderr
    path = urllib.parse.urlsplit(link)
    status, headers, _ = req(inst, "GET", f"{path.path}?{path.query}")
    assert status == 303 and headers["location"] == "/dashboard/", (status, headers)
    session_of(headers)
    status, _, body = req(inst, "GET", f"{path.path}?{path.query}")
    assert status == 403 and b"no longer valid" in body


def test_dashboard_open_without_an_opener_prints_the_link(inst, tmp_path):
    """No xdg-open on PATH: a clear message, the link still printed (and usable); an opener
    that fails: its exit status named, the link still printed."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    r = remote_cli(inst, "dashboard", "--open", env={"PATH": str(empty), "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    link = r.stdout.strip()
    assert link.startswith(f"http://{inst.admin}/dashboard/login?ticket="), r.stdout
    assert "could not open the link in a browser: there is no xdg-open on PATH; open the link above yourself" in r.stderr, r.stderr
    path = urllib.parse.urlsplit(link)
    status, _, _ = req(inst, "GET", f"{path.path}?{path.query}")
    assert status == 303

    record = tmp_path / "opened"
    fake_opener(tmp_path / "bin", record, exit_code=3)
    r = remote_cli(inst, "dashboard", "--open", env={"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert record.read_text().strip() == r.stdout.strip()
    assert re.search(r"could not open the link in a browser: \S+/xdg-open failed \(exit=3\); open the link above yourself",
                     r.stderr), r.stderr
