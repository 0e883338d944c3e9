"""Deploys that must not go through, through the admin API of a real `paasrun start`: a
failing release phase, an app that cannot be imported, a failing health check, a second
deploy while one runs (409), and a release that turns unhealthy after the switch (automatic
rollback, recorded in the history). In every case the old release keeps serving."""
from conftest import wait_until
from deploy_harness import Instance, Load, bake_manifest, releases, tarball, write_app

MANIFEST = bake_manifest(20)


def start(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    inst = Instance(paasrun, app)
    inst.src = tmp_path
    return inst


def history(inst, version):
    s, r = inst.api("GET", f"/v1/releases/{version}")
    assert s == 200, r
    return [e["event"] for e in r.get("history", [])], r


def test_release_phase_failure_keeps_the_old_release(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=MANIFEST,
                       procfile="web: paasrun serve app:application\nrelease: echo migrating; exit 3\n")
        with Load(inst.port) as load:
            job = inst.wait_job(inst.deploy(v2))
        load.assert_clean("failed release phase")
        assert job["state"] == "failed"
        assert "release phase" in job["message"] and "failed (exit=3)" in job["message"], job["message"]
        assert any("migrating" in line for line in job["output"])
        assert inst.get() == (200, "v1")
        rel = releases(inst)
        assert rel["v2"]["status"] == "failed" and rel["v1"]["status"] == "current"


def test_import_error_keeps_the_old_release(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=MANIFEST, flags=["import-error"])
        with Load(inst.port) as load:
            job = inst.wait_job(inst.deploy(v2))
        load.assert_clean("import error")
        assert job["state"] == "failed"
        assert "could not be imported" in job["message"], job["message"]
        assert inst.get() == (200, "v1")
        assert releases(inst)["v2"]["status"] == "failed"
        # The new generation was abandoned: only the old web process is left.
        wait_until(lambda: len([p for p in inst.api("GET", "/v1/status")[1]["processes"]
                                if p["type"] == "web"]) == 1, 10, what="the failed generation to go")


def test_failing_health_check_keeps_the_old_release(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=MANIFEST, flags=["unhealthy"])
        with Load(inst.port) as load:
            job = inst.wait_job(inst.deploy(v2))
        load.assert_clean("failing health check")
        # The canary took no traffic: nobody ever saw v2.
        assert set(load.versions) == {"v1"}, load.versions
        assert job["state"] == "failed"
        assert "health check /healthz failed 2 times" in job["message"], job["message"]
        assert inst.get() == (200, "v1")
        events, r = history(inst, "v2")
        assert r["status"] == "failed" and "health check" in r["failure_reason"]


def test_two_deploys_at_once_conflict(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        slow = write_app(tmp_path / "v2", "v2", manifest=MANIFEST,
                         procfile="web: paasrun serve app:application\nrelease: sleep 2\n")
        first = inst.deploy(slow)
        s, body = inst.api("POST", "/v1/releases", tarball(write_app(tmp_path / "v3", "v3")), "application/gzip")
        assert s == 409, (s, body)
        assert first in body["message"], body
        s, body = inst.api("PATCH", "/v1/config", {"A": "1"})
        assert s == 409, (s, body)
        assert inst.wait_job(first)["state"] == "succeeded"
        inst.wait_serving("v2", timeout=5)


def test_unhealthy_after_switch_rolls_back_automatically(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=MANIFEST, flags=["unhealthy-after=1.5"])
        with Load(inst.port) as load:
            job_id = inst.deploy(v2)
            job = inst.wait_job(job_id)
            assert job["state"] == "succeeded", job
            inst.wait_serving("v2", timeout=5)
            # Healthy for 1.5 s, then two failed probes within the bake window: back to v1.
            job = inst.wait_baked(job_id, timeout=30)
            inst.wait_serving("v1", timeout=15)
        load.assert_clean("automatic rollback")
        assert job["state"] == "rolled_back", job
        assert "health check /healthz of v2 failed 2 times" in job["message"], job["message"]
        events, r = history(inst, "v2")
        assert "rolled_back" in events, events
        wait_until(lambda: releases(inst).get("v3", {}).get("status") == "current", 15,
                   what="the automatic rollback release to be current")
        rel = releases(inst)
        assert rel["v3"]["description"] == "Automatic rollback to v1"
        assert rel["v3"]["rollback_of"] == "v1"


def test_crash_loop_after_switch_rolls_back_automatically(paasrun, tmp_path):
    manifest = "deploy:\n  bake_window: 30\n  max_crashes: 2\nrestart:\n  initial_delay: 0.1\n"
    app = write_app(tmp_path / "app", "v1", manifest=manifest)
    with Instance(paasrun, app) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=manifest, flags=["crash-after=1"])
        job_id = inst.deploy(v2)
        assert inst.wait_job(job_id)["state"] == "succeeded"
        job = inst.wait_baked(job_id, timeout=30)
        assert job["state"] == "rolled_back", job
        assert "crashed 2 times within the bake window" in job["message"], job["message"]
        inst.wait_serving("v1", timeout=15)
        wait_until(lambda: releases(inst).get("v3", {}).get("status") == "current", 15,
                   what="the automatic rollback release to be current")
        events, r = history(inst, "v2")
        assert "rolled_back" in events and r["status"] == "succeeded"
        assert releases(inst)["v3"]["description"] == "Automatic rollback to v1"
