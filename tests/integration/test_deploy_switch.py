"""Zero-downtime switches through the admin API of a real `paasrun start`: a deploy and a
rollback, a config change, scaling web up and down, a rolling restart, all under
continuous load (keep-alive and new connections) with zero failed requests and zero refused
connections. The request counts are printed (pytest -s)."""
import pytest

from deploy_harness import Instance, Load, releases, write_app

MANIFEST = "deploy:\n  bake_window: 0\n"


@pytest.fixture
def inst(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    with Instance(paasrun, app) as i:
        i.src = tmp_path
        yield i


def test_deploy_and_rollback_under_load(inst):
    v2 = write_app(inst.src / "v2", "v2", manifest=MANIFEST)
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        job = inst.wait_job(inst.deploy(v2))
        assert job["state"] == "succeeded", job
        assert job["release"] == "v2" and job["previous_release"] == "v1"
        inst.wait_serving("v2", timeout=5)
        assert inst.get()[1] == "v2"

        s, j = inst.api("POST", "/v1/rollback", {})
        assert s == 202, j
        job = inst.wait_job(j["id"])
        assert job["state"] == "succeeded", job
        assert job["release"] == "v3"
        inst.wait_serving("v1", timeout=5)
    load.assert_clean("deploy + rollback")
    assert load.versions.get("v2", 0) > 0 and load.versions.get("v1", 0) > 0
    rel = releases(inst)
    assert rel["v3"]["status"] == "current" and rel["v3"]["description"] == "Rollback to v1"
    assert rel["v2"]["status"] == "succeeded"
    # The old generation drained and is gone: one web process is left.
    s, st = inst.api("GET", "/v1/status")
    webs = [p for p in st["processes"] if p["type"] == "web"]
    assert len(webs) == 1 and webs[0]["state"] == "up", webs


def test_config_change_under_load(inst):
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        s, j = inst.api("PATCH", "/v1/config", {"GREETING": "bonjour"})
        assert s == 202, j
        job = inst.wait_job(j["id"])
        assert job["state"] == "succeeded", job
        assert inst.get("/env/GREETING") == (200, "bonjour")
        s, j = inst.api("PATCH", "/v1/config", {"GREETING": None})
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        assert inst.get("/env/GREETING") == (200, "")
    load.assert_clean("config change")
    rel = releases(inst)
    assert rel["v2"]["description"] == "Set GREETING config var"
    assert rel["v3"]["status"] == "current"


def test_scale_web_up_and_down_and_restart_under_load(inst):
    def web_pids():
        s, st = inst.api("GET", "/v1/status")
        return sorted(p["pid"] for p in st["processes"] if p["type"] == "web" and p["state"] == "up")

    with Load(inst.port) as load:
        inst.wait_serving("v1")
        s, j = inst.api("PUT", "/v1/formation", {"web": 3})
        assert s == 202, j
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        assert len(web_pids()) == 3
        s, st = inst.api("GET", "/v1/status")
        assert st["formation"]["web"] == 3

        s, j = inst.api("PUT", "/v1/formation", {"web": 1})
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        from conftest import wait_until
        wait_until(lambda: len(web_pids()) == 1, 20, what="scaled down to one web process")

        before = web_pids()
        s, j = inst.api("POST", "/v1/processes/web/restart")
        assert s == 202, j
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        wait_until(lambda: len(web_pids()) == 1, 20, what="the old web process to drain")
        assert web_pids() != before
    load.assert_clean("scale up/down + restart")


def test_unknown_type_and_bad_counts_are_refused(inst):
    s, body = inst.api("PUT", "/v1/formation", {"nope": 1})
    assert s == 422, body
    s, body = inst.api("POST", "/v1/processes/nope/restart")
    assert s == 422, body
    s, body = inst.api("POST", "/v1/rollback", {"to": "v99"})
    assert s == 404, body
