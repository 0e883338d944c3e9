"""An ASGI app deploys, serves, scales and rolls back exactly like a WSGI app (issue 13's
"Done means"): the switches of test_deploy_switch.py and test_deploy_failures.py, through the
admin API of a real `paasrun start`, with tests/fixtures/apps/deploy/asgi_app.py (a raw ASGI
app with lifespan and a WebSocket route) under continuous load, zero failed requests. An open
WebSocket on the old release gets close 1001 when its generation drains, and a reconnect
reaches the new release; a release whose lifespan startup fails is refused at the health
gate with the app's message while the old release keeps serving."""
import shutil

import pytest

import ws_client
from conftest import FIXTURES, wait_until
from deploy_harness import Instance, Load, releases, write_app

ASGI_APP = FIXTURES / "apps" / "deploy" / "asgi_app.py"
PROCFILE = "web: paasrun serve asgi_app:app\n"
MANIFEST = ("health:\n  path: /healthz\n  interval: 0.3\n  timeout: 2\n  attempts: 2\n"
            "deploy:\n  bake_window: 0\n")


def write_asgi_app(dest, version, flags=()):
    d = write_app(dest, version, procfile=PROCFILE, manifest=MANIFEST, flags=flags)
    shutil.copy(ASGI_APP, d / "asgi_app.py")
    return d


@pytest.fixture
def inst(paasrun, tmp_path):
    app = write_asgi_app(tmp_path / "app", "v1")
    with Instance(paasrun, app) as i:
        i.src = tmp_path
        yield i


def ws_open(port):
    """A WebSocket to /ws; returns (conn, the release it reached)."""
    c = ws_client.connect(port, "/ws")
    assert c.status == 101, c.status
    op, payload = c.recv_message()
    return c, payload.decode()


def ws_echo(c, text):
    c.send(ws_client.frame(ws_client.TEXT, text.encode()))
    assert c.recv_message() == (ws_client.TEXT, text.encode())


def expect_going_away(c):
    """The old release's drain: close 1001, answered by the client, then EOF."""
    c.sock.settimeout(15)
    code, _ = c.expect_close()
    assert code == 1001, code
    c.send(ws_client.frame(ws_client.CLOSE, ws_client.close_payload(1001)))
    c.expect_eof()
    c.close()


def web_pids(inst):
    s, st = inst.api("GET", "/v1/status")
    return sorted(p["pid"] for p in st["processes"] if p["type"] == "web" and p["state"] == "up")


def test_asgi_deploy_and_rollback_under_load_with_a_websocket(inst):
    v2 = write_asgi_app(inst.src / "v2", "v2")
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        assert inst.get("/state") == (200, "started-v1")  # lifespan ran in the worker
        ws, version = ws_open(inst.port)
        assert version == "v1"
        ws_echo(ws, "before the deploy")

        job = inst.wait_job(inst.deploy(v2))
        assert job["state"] == "succeeded", job
        assert job["release"] == "v2" and job["previous_release"] == "v1"
        inst.wait_serving("v2", timeout=5)
        assert inst.get("/state") == (200, "started-v2")

        expect_going_away(ws)
        ws, version = ws_open(inst.port)
        assert version == "v2"
        ws_echo(ws, "after the deploy")

        s, j = inst.api("POST", "/v1/rollback", {})
        assert s == 202, j
        job = inst.wait_job(j["id"])
        assert job["state"] == "succeeded" and job["release"] == "v3", job
        inst.wait_serving("v1", timeout=5)
        expect_going_away(ws)
        ws, version = ws_open(inst.port)
        assert version == "v1"
        ws_echo(ws, "after the rollback")
        ws.close()
    load.assert_clean("asgi deploy + rollback")
    assert load.versions.get("v1", 0) > 0 and load.versions.get("v2", 0) > 0, load.versions
    rel = releases(inst)
    assert rel["v3"]["status"] == "current" and rel["v3"]["description"] == "Rollback to v1"
    assert rel["v2"]["status"] == "succeeded"
    wait_until(lambda: len(web_pids(inst)) == 1, 20, what="the old generation to drain")
    # The workers said they serve ASGI.
    assert any("interface=asgi" in line for line in inst.proc.output())


def test_asgi_scale_web_up_and_down_under_load(inst):
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        s, j = inst.api("PUT", "/v1/formation", {"web": 3})
        assert s == 202, j
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        assert len(web_pids(inst)) == 3
        # Every one of the three serves WebSockets too (new connections spread over them).
        conns = [ws_open(inst.port) for _ in range(6)]
        assert {v for _, v in conns} == {"v1"}
        for c, _ in conns:
            ws_echo(c, "scaled")
            c.close()

        s, j = inst.api("PUT", "/v1/formation", {"web": 1})
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        wait_until(lambda: len(web_pids(inst)) == 1, 20, what="scaled down to one web process")
        ws, version = ws_open(inst.port)
        assert version == "v1"
        ws_echo(ws, "after scaling down")
        ws.close()
    load.assert_clean("asgi scale up/down")


def test_asgi_lifespan_startup_failure_is_refused_at_the_health_gate(inst):
    v2 = write_asgi_app(inst.src / "v2", "v2", flags=["lifespan-fail=database unreachable (fixture)"])
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        ws, version = ws_open(inst.port)
        job = inst.wait_job(inst.deploy(v2))
        # The WebSocket on the old release was never disturbed.
        ws_echo(ws, "still here")
        ws.close()
    load.assert_clean("asgi lifespan failure")
    assert set(load.versions) == {"v1"}, load.versions
    assert job["state"] == "failed", job
    assert "database unreachable (fixture)" in job["message"], job["message"]
    assert "lifespan startup failed" in job["message"], job["message"]
    assert inst.get() == (200, "v1")
    s, r = inst.api("GET", "/v1/releases/v2")
    assert s == 200, r
    assert r["status"] == "failed" and "database unreachable (fixture)" in r["failure_reason"], r
    wait_until(lambda: len(web_pids(inst)) == 1, 10, what="the failed generation to go")
