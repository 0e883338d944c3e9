"""scripts/ci-deploy against a local `paasrun start` (docs/ci.md): a good release deploys
and serves (exit 0); a release whose health check fails is refused or rolled back (non-zero
exit) and the previous release keeps serving."""
import os
import shutil
import subprocess

from conftest import ROOT, Proc, free_port, http_get, wait_until

APP = '''
import os
VERSION = {version!r}
def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/healthz":
        status = "200 OK" if {healthy!r} else "503 Service Unavailable"
        body = b"ok" if {healthy!r} else b"broken"
    else:
        status, body = "200 OK", ("version " + VERSION).encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''

MANIFEST = """app: cideploy
health:
  path: /healthz
  interval: 1
  timeout: 1
  attempts: 2
deploy:
  bake_window: 3
grace_period: 5
"""


def write_app(d, version, healthy=True):
    d.mkdir(parents=True, exist_ok=True)
    (d / "Procfile").write_text("web: paasrun serve app:application -w 1\n")
    (d / "paasrun.yaml").write_text(MANIFEST)
    (d / "requirements.txt").write_text("# stdlib only\n")
    (d / "app.py").write_text(APP.format(version=version, healthy=healthy))
    return d


def body(port):
    try:
        status, _, b = http_get(port, "/", timeout=3)
        return b.decode() if status == 200 else None
    except OSError:
        return None


def ci_deploy(paasrun, app, admin, token, timeout=240):
    env = dict(os.environ, PAASRUN=paasrun, PAASRUN_DEPLOY_URL=f"http://127.0.0.1:{admin}",
               PAASRUN_ADMIN_TOKEN=token, CI_TEST_COMMAND="python3 -c 'import app'")
    return subprocess.run([str(ROOT / "scripts" / "ci-deploy"), str(app)], env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_ci_deploy_good_then_broken_release(paasrun, tmp_path):
    token = "ci-deploy-test-token-0123456789abcdef"
    port, admin = free_port(), free_port()
    live = write_app(tmp_path / "live", "1")
    state = tmp_path / "state"
    env = {"PORT": str(port), "ADMIN_PORT": str(admin), "PAASRUN_ADMIN_TOKEN": token,
           "PAASRUN_STATE": str(state)}
    sup = Proc([paasrun, "start", str(live)], env=env)
    try:
        wait_until(lambda: body(port) == "version 1", 60, what=f"v1 serving\n{sup.text()[-3000:]}")

        good = write_app(tmp_path / "good", "2")
        r = ci_deploy(paasrun, good, admin, token)
        assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n{sup.text()[-3000:]}"
        assert "deployed and healthy" in r.stdout
        assert body(port) == "version 2"

        broken = write_app(tmp_path / "broken", "3", healthy=False)
        r = ci_deploy(paasrun, broken, admin, token)
        assert r.returncode != 0, f"{r.stdout}\n{r.stderr}"
        assert "previous release is serving" in r.stderr
        wait_until(lambda: body(port) == "version 2", 30, what="the good release to serve again")
    finally:
        sup.p.terminate()
        sup.p.wait(30)


def test_ci_deploy_stops_before_deploying_a_broken_build(paasrun, tmp_path):
    """check/build/test failures exit 1 without contacting the server (nothing listens on
    the URL given)."""
    app = write_app(tmp_path / "app", "1")
    (app / "Procfile").write_text("web paasrun serve app:application\n")  # no colon
    r = ci_deploy(paasrun, app, free_port(), "t" * 32, timeout=60)
    assert r.returncode == 1
    assert "nothing deployed" in r.stderr

    app = write_app(tmp_path / "app2", "1")
    env = dict(os.environ, PAASRUN=paasrun, PAASRUN_DEPLOY_URL=f"http://127.0.0.1:{free_port()}",
               PAASRUN_ADMIN_TOKEN="t" * 32, CI_TEST_COMMAND="exit 3")
    r = subprocess.run([str(ROOT / "scripts" / "ci-deploy"), str(app)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "tests failed: nothing deployed" in r.stderr
    assert not (app / ".paasrun").exists()  # the build went to a throwaway state dir


def test_ci_deploy_usage_errors(tmp_path):
    script = str(ROOT / "scripts" / "ci-deploy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN")}
    r = subprocess.run([script, str(tmp_path)], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "PAASRUN_DEPLOY_URL" in r.stderr
    r = subprocess.run([script, str(tmp_path)], env=dict(env, PAASRUN_DEPLOY_URL="http://x"),
                       capture_output=True, text=True)
    assert r.returncode == 2 and "PAASRUN_ADMIN_TOKEN" in r.stderr
