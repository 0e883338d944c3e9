"""A web server other than `paasrun serve`: gunicorn (Debian's python3-gunicorn) takes the
supervisor's shared socket through LISTEN_FDS/LISTEN_PID, so its deploys are zero-downtime
too; it does not report READY=1, so readiness is "up for 2 s" plus the health check."""
import pytest

from deploy_harness import Instance, Load, write_app

gunicorn = pytest.importorskip("gunicorn")

# `python3 -m gunicorn` is not named gunicorn, so the manifest says the command takes the
# socket (deploy.shared_socket: always); `exec` keeps LISTEN_PID the server's own pid.
PROCFILE = "web: exec /usr/bin/python3 -m gunicorn --workers 2 --graceful-timeout 10 app:application\n"
MANIFEST = """\
deploy:
  shared_socket: always
  bake_window: 0
health:
  path: /healthz
  interval: 0.3
  attempts: 3
"""


def test_gunicorn_deploy_and_rollback_under_load(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", procfile=PROCFILE, manifest=MANIFEST)
    with Instance(paasrun, app, ready_pattern=r'Listening at: .*fd://3|Booting worker') as inst:
        inst.wait_serving("v1", timeout=20)
        v2 = write_app(tmp_path / "v2", "v2", procfile=PROCFILE, manifest=MANIFEST)
        with Load(inst.port) as load:
            job = inst.wait_job(inst.deploy(v2))
            assert job["state"] == "succeeded", job
            inst.wait_serving("v2", timeout=5)
            s, j = inst.api("POST", "/v1/rollback", {})
            assert inst.wait_job(j["id"])["state"] == "succeeded"
            inst.wait_serving("v1", timeout=5)
        load.assert_clean("gunicorn deploy + rollback")
        assert load.versions.get("v2", 0) > 0
        assert "Started a canary" in "\n".join(job["output"])
