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
