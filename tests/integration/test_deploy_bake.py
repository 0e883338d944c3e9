"""The bake window (docs/deploys.md, "Automatic rollback"): it survives a kill -9 of the whole
instance (the release that turns unhealthy after the restart is still rolled back), and a
job is reported `rolled_back` only once the rollback release is current, so nothing the
client does next is refused with 409 by the rollback still running."""
from conftest import wait_until
from deploy_harness import Instance, bake_manifest, kill_session, releases, write_app

MANIFEST = bake_manifest(60)


def test_rolled_back_is_reported_once_the_rollback_is_current(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    with Instance(paasrun, app) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=MANIFEST, flags=["unhealthy-after=1.5"])
        job_id = inst.deploy(v2)
        assert inst.wait_job(job_id)["state"] == "succeeded"

        def outcome():
            s, j = inst.api("GET", f"/v1/jobs/{job_id}")
            return j if j["state"] == "rolled_back" else None
        job = wait_until(outcome, 60, interval=0.02, what="the deploy job to turn rolled_back")
        # At that instant the rollback is done: v3 is current and serving, and the next
        # change is accepted.
        rel = releases(inst)
        assert rel["v3"]["status"] == "current", rel
        assert rel["v3"]["description"] == "Automatic rollback to v1"
        assert job["step"] == "done", job
        assert "v3 (a rollback to v1) is current" in job["message"], job["message"]
        assert inst.get() == (200, "v1")
        s, body = inst.api("PATCH", "/v1/config", {"A": "1"})
        assert s == 202, (s, body)
        assert inst.wait_job(body["id"])["state"] == "succeeded"


def test_kill_9_inside_the_bake_window_still_rolls_back(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    inst = Instance(paasrun, app)
    try:
        # Healthy for 4 s after each start, then unhealthy: the instance is killed while
        # v2 is still healthy, inside its 60 s bake window.
        v2 = write_app(tmp_path / "v2", "v2", manifest=MANIFEST, flags=["unhealthy-after=4"])
        job_id = inst.deploy(v2)
        wait_until(lambda: inst.api("GET", f"/v1/jobs/{job_id}")[1]["step"] == "baking", 60, interval=0.05,
                   what="the bake window")
        assert inst.get() == (200, "v2")
        assert (app / ".paasrun" / "bake.json").exists()
        kill_session(inst.proc.pid)
        inst.proc.p.wait(5)
    finally:
        inst.stop()

    with Instance(paasrun, app) as again:
        # It starts with v2 (current), watches it again, and rolls back when it turns unhealthy.
        assert again.get() == (200, "v2")
        again.proc.wait_for_line(r"resuming the bake window interrupted by a restart\" release=v2 previous=v1",
                                 timeout=30)
        wait_until(lambda: releases(again).get("v3", {}).get("status") == "current", 60,
                   what="the automatic rollback after the restart")
        rel = releases(again)
        assert rel["v3"]["description"] == "Automatic rollback to v1"
        assert rel["v2"]["status"] == "succeeded", rel["v2"]
        again.wait_serving("v1", timeout=15)
        wait_until(lambda: not (app / ".paasrun" / "bake.json").exists(), 10, what="the bake record to go")


def test_a_restart_after_the_window_passed_does_not_bake_again(paasrun, tmp_path):
    manifest = MANIFEST.replace("bake_window: 60", "bake_window: 1")
    app = write_app(tmp_path / "app", "v1", manifest=manifest)
    with Instance(paasrun, app) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest=manifest)
        job_id = inst.deploy(v2)
        assert inst.wait_baked(job_id, timeout=60)["state"] == "succeeded"
        assert not (app / ".paasrun" / "bake.json").exists()
