"""`PUT /v1/formation` (`paasrun ps:scale`) reports its outcome after readiness, as a deploy
does: success once the new processes are up and ready, failure as soon as one of them exits
(a crash loop), never success while they crash."""
import os
import subprocess

from deploy_harness import TOKEN, Instance, write_app

PROCFILE = "web: paasrun serve app:application\ncrasher: echo crashing; exit 3\nsleeper: exec sleep 600\n"
MANIFEST = ("  crasher: 0\n  sleeper: 0\ndeploy:\n  bake_window: 0\n  start_timeout: 20\n"
            "restart:\n  initial_delay: 0.2\n")


def cli(paasrun, app, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
    env["PAASRUN_ADMIN_TOKEN"] = TOKEN
    return subprocess.run([paasrun, *args], env=env, capture_output=True, text=True, timeout=60, cwd=app)


def test_scaling_up_a_crash_looping_type_fails(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", procfile=PROCFILE, manifest=MANIFEST)
    with Instance(paasrun, app, web_concurrency=1) as inst:
        status, body = inst.api("PUT", "/v1/formation", {"crasher": 1})
        assert status == 202, (status, body)
        job = inst.wait_job(body["id"], timeout=30)
        assert job["state"] == "failed", job
        assert "crasher.1 exited (exit=3) after scaling" in job["message"], job["message"]
        # The CLI says so too, with a non-zero exit.
        r = cli(paasrun, app, "ps:scale", "crasher=2")
        assert r.returncode != 0, r.stdout + r.stderr
        assert "exited" in r.stderr, r.stdout + r.stderr


def test_scaling_up_a_healthy_type_succeeds_once_ready(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", procfile=PROCFILE, manifest=MANIFEST)
    with Instance(paasrun, app, web_concurrency=1) as inst:
        status, body = inst.api("PUT", "/v1/formation", {"web": 2, "sleeper": 1})
        assert status == 202, (status, body)
        job = inst.wait_job(body["id"], timeout=30)
        assert job["state"] == "succeeded", job
        s, st = inst.api("GET", "/v1/status")
        up = {p["name"]: p for p in st["processes"] if p["phase"] == "active"}
        assert up["web.2"]["state"] == "up" and up["web.2"]["ready"], up
        assert up["sleeper.1"]["state"] == "up" and up["sleeper.1"]["uptime_seconds"] >= 2, up
