"""The admin API of a real `paasrun start` over real sockets: every route in
docs/admin-api.yaml answers, auth failures (no token, wrong token, token in the query),
oversized and garbage bodies, wrong types, unknown releases/jobs, redaction, logs (JSON,
chunked follow, server-sent events), Prometheus metrics, and a unix-socket bind."""
import http.client
import json
import re
import socket

import pytest
import yaml

from conftest import ROOT, free_port, wait_until
from deploy_harness import TOKEN, Instance, tarball, write_app

SPEC = yaml.safe_load((ROOT / "docs" / "admin-api.yaml").read_text())
HEALTH = {"/livez", "/readyz", "/startupz"}


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    from conftest import paasrun_path
    base = tmp_path_factory.mktemp("admin")
    # A 64 KiB deploy limit so the 413 test needs no huge upload.
    app = write_app(base / "app", "v1", manifest="deploy:\n  bake_window: 0\nadmin:\n  max_body: 64KiB\n")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        i.src = base
        yield i


def raw(inst, method, path, headers=None, body=None):
    host, port = inst.admin.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def auth(extra=None):
    h = {"Authorization": f"Bearer {TOKEN}"}
    h.update(extra or {})
    return h


def concrete(path):
    return path.replace("{version}", "v1").replace("{id}", "j999").replace("{type}", "web")


def assert_error(status, body, want_status, code):
    assert status == want_status, (status, body)
    assert isinstance(body, dict) and body["error"] == code and body["message"], body


def test_every_documented_route_is_served(inst):
    """Each (method, path) of the OpenAPI document gets an answer other than 404/405 (an
    unknown job id is a JSON 404 of its own, told apart by its message)."""
    seen = 0
    for path, ops in SPEC["paths"].items():
        for method in ops:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            seen += 1
            m = method.upper()
            # Bodies the route refuses cheaply (no job is started): the route exists if the
            # answer is a 4xx of its own rather than "no such endpoint".
            body = b"{}" if m in ("PUT", "PATCH") else None
            headers = auth({"Content-Type": "application/json"} if body else {})
            if m == "POST" and path == "/v1/releases":
                headers = auth({"Content-Type": "text/plain"})
                body = b"x"
            if m == "POST" and path in ("/v1/rollback", "/v1/processes/{type}/restart"):
                headers = auth({"Content-Type": "application/json"})
                body = b"{\"to\": true}" if path == "/v1/rollback" else None
                if path != "/v1/rollback":
                    m, path_used = "POST", "/v1/processes/we.b/restart"
                    status, _, data = raw(inst, m, path_used, headers, body)
                    assert status == 422, data
                    continue
            status, _, data = raw(inst, m, concrete(path), headers, body)
            assert status not in (405,), (m, path, status, data)
            if status == 404:
                assert b"no such endpoint" not in data, (m, path, data)
    assert seen == 25  # 15 API routes + 10 of the dashboard (docs/dashboard.md)


def test_health_needs_no_token_everything_else_does(inst):
    for path in HEALTH:
        status, _, data = raw(inst, "GET", path)
        assert status == 200, (path, data)
        assert json.loads(data)["status"] == "ok"
    for path, ops in SPEC["paths"].items():
        if path in HEALTH:
            continue
        for method in ops:
            if ops[method].get("security") == []:
                # The dashboard's pages and assets: no data without a session
                # (tests/integration/test_dashboard.py).
                assert path == "/" or path.startswith("/dashboard/"), path
                continue
            status, headers, data = raw(inst, method.upper(), concrete(path))
            assert status == 401, (method, path, status, data)
            assert headers["WWW-Authenticate"] == 'Bearer realm="paasrun"'
            assert json.loads(data)["error"] == "unauthorized"


def test_wrong_token_and_token_in_query(inst):
    status, headers, data = raw(inst, "GET", "/v1/status", {"Authorization": "Bearer nope"})
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    status, _, data = raw(inst, "GET", "/v1/status", {"Authorization": "Basic dXNlcjpwdw=="})
    assert status == 401
    for name in ("token", "access_token"):
        status, _, data = raw(inst, "GET", f"/v1/status?{name}={TOKEN}")
        assert status == 400 and json.loads(data)["error"] == "token_in_query"
        status, _, data = raw(inst, "GET", f"/v1/status?{name}={TOKEN}", auth())
        assert status == 400, data


def test_status_and_health(inst):
    s, st = inst.api("GET", "/v1/status")
    assert s == 200
    assert st["release"] == "v1" and st["ready"] is True and st["draining"] is False
    assert st["formation"]["web"] == 1
    web = [p for p in st["processes"] if p["type"] == "web"]
    assert web and web[0]["state"] == "up" and web[0]["pid"] > 0
    assert all(set(w) >= {"pid", "requests", "in_flight", "rss_bytes", "ready"} for w in st["web_workers"])
    status, _, _ = raw(inst, "HEAD", "/readyz")
    assert status == 200


def test_unknown_things_are_404_and_wrong_methods_405(inst):
    assert_error(*inst.api("GET", "/v1/releases/v99"), 404, "not_found")
    assert_error(*inst.api("GET", "/v1/releases/latest"), 404, "not_found")
    assert_error(*inst.api("GET", "/v1/jobs/j999"), 404, "not_found")
    assert_error(*inst.api("GET", "/v1/nothing"), 404, "not_found")
    status, headers, data = raw(inst, "DELETE", "/v1/config", auth())
    assert status == 405 and headers["Allow"] == "GET, HEAD, PATCH"


def test_garbage_bodies_are_400_and_wrong_types_422(inst):
    for method, path in (("PATCH", "/v1/config"), ("PUT", "/v1/formation"), ("POST", "/v1/rollback")):
        status, _, data = raw(inst, method, path, auth({"Content-Type": "application/json"}), b"{not json")
        assert status == 400 and json.loads(data)["error"] == "invalid_json", (path, data)
    assert_error(*inst.api("PATCH", "/v1/config", {"FOO": 1}), 422, "unprocessable")
    assert_error(*inst.api("PATCH", "/v1/config", {"FOO": True}), 422, "unprocessable")
    assert_error(*inst.api("PATCH", "/v1/config", ["FOO"]), 422, "unprocessable")
    assert_error(*inst.api("PATCH", "/v1/config", {"bad name": "x"}), 422, "unprocessable")
    assert_error(*inst.api("PUT", "/v1/formation", {"web": "2"}), 422, "unprocessable")
    assert_error(*inst.api("PUT", "/v1/formation", {"web": -1}), 422, "unprocessable")
    assert_error(*inst.api("PUT", "/v1/formation", {"nosuchtype": 1}), 422, "unprocessable")
    assert_error(*inst.api("POST", "/v1/rollback", {"to": True}), 422, "unprocessable")
    status, _, data = raw(inst, "PATCH", "/v1/config", auth({"Content-Type": "text/plain"}), b"FOO=bar")
    assert status == 415
    # An upload that is not an archive.
    status, _, data = raw(inst, "POST", "/v1/releases", auth({"Content-Type": "application/gzip"}), b"x" * 1000)
    assert status == 400 and b"neither a gzip" in data


def test_oversized_bodies_are_413(inst):
    big_json = json.dumps({"FOO": "x" * 70000}).encode()
    status, headers, data = raw(inst, "PATCH", "/v1/config", auth({"Content-Type": "application/json"}), big_json)
    assert status == 413 and json.loads(data)["error"] == "payload_too_large"
    big_archive = b"\x1f\x8b" + b"\0" * (65 * 1024)
    status, _, data = raw(inst, "POST", "/v1/releases", auth({"Content-Type": "application/gzip"}), big_archive)
    assert status == 413, data
    # Refused from the headers alone: no body is ever sent, the answer comes anyway.
    host, port = inst.admin.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall((f"POST /v1/releases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                   "Content-Type: application/gzip\r\nContent-Length: 10000000000\r\n\r\n").encode())
        head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 413"), head


def test_releases_and_config_are_redacted_unless_revealed(inst):
    s, j = inst.api("PATCH", "/v1/config", {"SECRET_KEY": "hunter2", "PLAIN": "x"})
    assert s == 202 and j["id"], j
    assert inst.wait_job(j["id"])["state"] == "succeeded"
    for path in ("/v1/config", "/v1/releases"):
        status, _, data = raw(inst, "GET", path, auth())
        assert status == 200 and b"hunter2" not in data and b"[redacted]" in data, data
    s, cfg = inst.api("GET", "/v1/config?reveal=true")
    assert cfg["config"]["SECRET_KEY"] == "hunter2" and cfg["redacted"] is False
    s, rel = inst.api("GET", f"/v1/releases/{cfg['release']}")
    assert s == 200 and rel["config"]["SECRET_KEY"] == "[redacted]"
    assert [e["event"] for e in rel["history"]][:2] == ["created", "activated"]
    s, rel = inst.api("GET", f"/v1/releases/{cfg['release']}?reveal=true")
    assert rel["config"]["SECRET_KEY"] == "hunter2"
    assert_error(*inst.api("GET", "/v1/config?reveal=sure"), 400, "invalid_parameter")


def test_jobs_poll_with_since(inst):
    v2 = write_app(inst.src / "v2", "v2", manifest="deploy:\n  bake_window: 0\nadmin:\n  max_body: 64KiB\n")
    status, headers, data = raw(inst, "POST", "/v1/releases", auth({"Content-Type": "application/gzip"}), tarball(v2))
    assert status == 202, data
    job = json.loads(data)
    assert headers["Location"] == f"/v1/jobs/{job['id']}"
    done = inst.wait_job(job["id"])
    assert done["state"] == "succeeded", done
    assert done["output_total"] == len(done["output"]) > 0
    s, tail = inst.api("GET", f"/v1/jobs/{job['id']}?since={done['output_total'] - 1}")
    assert tail["output"] == done["output"][-1:] and tail["output_from"] == done["output_total"] - 1
    assert_error(*inst.api("GET", f"/v1/jobs/{job['id']}?since=-3"), 400, "invalid_parameter")


def test_logs_tail_follow_and_sse(inst):
    s, j = inst.api("GET", "/v1/logs?tail=5")
    assert s == 200 and 0 < len(j["lines"]) <= 5
    assert_error(*inst.api("GET", "/v1/logs?tail=many"), 400, "invalid_parameter")

    host, port = inst.admin.rsplit(":", 1)
    for accept, marker in (("text/plain", b"\n"), ("text/event-stream", b"data: ")):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall((f"GET /v1/logs?follow=true&tail=0 HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n"
                       f"Authorization: Bearer {TOKEN}\r\n\r\n").encode())
            got = b""
            # A request to the app writes an access-log line into the multiplexed log.
            deadline_hits = 0
            while b"GET /followed-" not in got and deadline_hits < 50:
                inst.get(f"/followed-{deadline_hits}")
                s.settimeout(0.2)
                try:
                    got += s.recv(65536)
                except socket.timeout:
                    pass
                deadline_hits += 1
        assert got.startswith(b"HTTP/1.1 200"), got[:300]
        assert b"Transfer-Encoding: chunked" in got
        assert b"followed-" in got and marker in got.split(b"\r\n\r\n", 1)[1], got[:600]
    # The streams' clients are gone; the server lets them go (no slot leak): more streams
    # than the cap of 8 can be opened one after another.
    for _ in range(10):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall((f"GET /v1/logs?follow=true&tail=1 HTTP/1.1\r\nHost: x\r\n"
                       f"Authorization: Bearer {TOKEN}\r\n\r\n").encode())
            assert s.recv(4096).startswith(b"HTTP/1.1 200")
        inst.get("/")  # a log line: the next write to the closed stream fails and ends it


def test_metrics_prometheus_text(inst):
    for _ in range(3):
        inst.get("/")

    def counted():
        # A worker counts a request once its response is written: the client can get here
        # first, so wait for the count rather than read it once.
        status, headers, data = raw(inst, "GET", "/metrics", auth())
        assert status == 200
        m = re.search(rb'^paasrun_http_requests_total\{class="2xx"\} (\d+)$', data, re.M)
        return (status, headers, data) if m and int(m.group(1)) >= 3 else None

    status, headers, data = wait_until(counted, 10, what="3 requests counted in /metrics")
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = data.decode()
    for family, kind in (("paasrun_http_requests_total", "counter"),
                         ("paasrun_http_request_duration_seconds", "histogram"),
                         ("paasrun_http_requests_in_flight", "gauge"),
                         ("paasrun_worker_restarts_total", "counter"),
                         ("paasrun_process_restarts_total", "counter"),
                         ("paasrun_release_info", "gauge"),
                         ("paasrun_process_state", "gauge")):
        assert f"# TYPE {family} {kind}\n" in text, family
        assert f"# HELP {family} " in text, family
    m = re.search(r'^paasrun_http_requests_total\{class="2xx"\} (\d+)$', text, re.M)
    assert m and int(m.group(1)) >= 3
    assert re.search(r'^paasrun_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+$', text, re.M)
    assert re.search(r'^paasrun_release_info\{version="v\d+"\} 1$', text, re.M)
    assert re.search(r'^paasrun_process_state\{name="web\.1",type="web",state="up"\} 1$', text, re.M)
    # Every sample line parses as `name{labels} value`.
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert re.match(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [-+0-9.eEInfNa]+$', line), line


def test_admin_api_on_a_unix_socket(paasrun, tmp_path):
    sock = tmp_path / "admin.sock"
    app = write_app(tmp_path / "app", "v1", manifest=f"admin:\n  bind: unix:{sock}\n")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        assert inst.admin == f"unix:{sock}"
        assert (sock.stat().st_mode & 0o077) == 0
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(sock))
            s.sendall(f"GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                      "Connection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200") and b'"release": "v1"' in data
    wait_until(lambda: not sock.exists(), 10, what="the socket file removed on stop")


def test_admin_request_log_lines_are_in_the_multiplexed_log(inst):
    # A refused request is logged at info level (component=admin), after its answer is sent.
    status, _, _ = raw(inst, "GET", "/v1/jobs/jlogmarker")
    assert status == 401

    def in_logs():
        s, j = inst.api("GET", "/v1/logs?tail=1000")
        assert s == 200, j
        return [l for l in j["lines"] if "component=admin" in l and "path=/v1/jobs/jlogmarker" in l]
    (line,) = wait_until(in_logs, 10, interval=0.1, what="the admin request line in /v1/logs")
    assert 'msg="request"' in line or "msg=request" in line, line
    assert "status=401" in line and "at=info" in line, line
    # The same line went out on paasrun's multiplexed output under the `system` name, not as
    # a bare line on stderr.
    printed = [l for l in inst.proc.output() if "path=/v1/jobs/jlogmarker" in l]
    assert len(printed) == 1 and printed[0].split("|", 1)[0].split()[-1] == "system", printed


HEALTH_MANIFEST = """\
health:
  path: /healthz
  interval: 0.2
  timeout: 2
  attempts: 15
deploy:
  bake_window: 0
"""


def web_processes(inst):
    s, st = inst.api("GET", "/v1/status")
    assert s == 200, st
    return [p for p in st["processes"] if p["type"] == "web"], st


def test_status_tells_generations_apart_during_and_after_a_deploy(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=HEALTH_MANIFEST)
    with Instance(paasrun, app, web_concurrency=1) as inst:
        (web,), _ = web_processes(inst)
        assert (web["release"], web["phase"], web["ready"], web["exits"]) == ("v1", "active", True, 0), web
        first_generation = web["generation"]

        # v2 never passes its health check: its canary (READY=1, then 15 failed probes 0.2 s
        # apart) runs beside v1 for ~3 s, under the same process name.
        job = inst.deploy(write_app(tmp_path / "v2", "v2", manifest=HEALTH_MANIFEST, flags=["unhealthy"]))

        def canary_ready():
            procs, _ = web_processes(inst)
            new = [p for p in procs if p["release"] == "v2" and p["ready"]]
            return (procs, new[0]) if new else None
        procs, canary = wait_until(canary_ready, 15, interval=0.05, what="v2's canary, ready, in /v1/status")
        assert canary["phase"] == "starting" and canary["generation"] > first_generation, canary
        assert canary["state"] == "up" and canary["pid"] > 0 and canary["exits"] == 0, canary
        (old,) = [p for p in procs if p["release"] == "v1"]
        assert old["phase"] == "active" and old["pid"] == web["pid"], old
        assert old["name"] == canary["name"] == "web.1", procs

        assert inst.wait_job(job, timeout=30)["state"] == "failed"
        wait_until(lambda: all(p["release"] == "v1" for p in web_processes(inst)[0]), 10,
                   what="the abandoned canary to leave /v1/status")

        # A good release: after the switch only its generation is left, active and ready, and
        # the web workers serve it.
        job = inst.deploy(write_app(tmp_path / "v3", "v3", manifest=HEALTH_MANIFEST))
        assert inst.wait_job(job, timeout=30)["state"] == "succeeded"

        def switched():
            procs, st = web_processes(inst)
            workers = st["web_workers"]
            if len(procs) != 1 or not workers or any(w["release"] != "v3" for w in workers):
                return None
            return procs[0], st
        new, st = wait_until(switched, 15, interval=0.1, what="only v3's web process and workers left")
        assert (new["release"], new["phase"], new["ready"], new["state"]) == ("v3", "active", True, "up"), new
        assert new["generation"] > canary["generation"] and new["pid"] != web["pid"], new
        assert st["release"] == "v3" and st["ready"] is True
        assert all(w["process"] == "web.1" and w["ready"] for w in st["web_workers"]), st["web_workers"]
