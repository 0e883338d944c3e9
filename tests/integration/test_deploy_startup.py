"""What `paasrun up` / `paasrun start` run (docs/supervisor.md, "What runs"): an app with
something to build is built first when its source changed, and the current release runs;
an unchanged directory never rebuilds over a release that came from the admin API."""
import re
import signal

from conftest import Proc
from deploy_harness import Instance, releases, write_app


def run_up_until_ready(paasrun, app, port):
    p = Proc([paasrun, "up", str(app), "--log-format", "logfmt"], env={"PORT": str(port), "ADMIN_PORT": "0", "NO_COLOR": "1"})
    p.wait_for_line(r'msg="process ready" proc=web\.1', timeout=30)
    p.signal(signal.SIGTERM)
    assert p.wait(20) == 0, p.text()
    return p.text()


def test_up_builds_first_only_when_the_source_changed(paasrun, tmp_path):
    from conftest import free_port
    app = write_app(tmp_path / "app", "v1")
    port = free_port()
    out = run_up_until_ready(paasrun, app, port)
    assert "-----> Released v1" in out and "-----> Running release v1" in out
    assert re.search(r'process started" proc=web\.1 .*release=v1', out)
    assert re.search(r'msg="admin api listening" addr=127\.0\.0\.1:\d+', out)

    out = run_up_until_ready(paasrun, app, port)  # unchanged: no build
    assert "-----> Released" not in out and "-----> Running release v1" in out

    (app / "VERSION").write_text("v1b\n")  # changed: built again
    out = run_up_until_ready(paasrun, app, port)
    assert "-----> Released v2" in out and "-----> Running release v2" in out


def test_start_keeps_a_release_deployed_through_the_api(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1")
    with Instance(paasrun, app) as inst:
        job = inst.wait_job(inst.deploy(write_app(tmp_path / "v2", "v2")))
        assert job["state"] == "succeeded"
    # The directory still holds v1's source, unchanged since it was built: v2 keeps running.
    with Instance(paasrun, app) as again:
        assert again.get() == (200, "v2")
        assert "-----> Released" not in again.proc.text()
        assert releases(again)["v2"]["status"] == "current"


def test_a_directory_with_nothing_to_build_gets_a_release_of_its_source(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "plain")
    (app / ".buildpacks").unlink()
    with Instance(paasrun, app) as inst:
        assert inst.get() == (200, "plain")
        assert "no build needed" in inst.proc.text() and "Running release v1" in inst.proc.text()
        s, st = inst.api("GET", "/v1/status")
        assert st["release"] == "v1"
        # A deploy through the API makes the next release.
        job = inst.wait_job(inst.deploy(write_app(tmp_path / "v2", "v2")))
        assert job["state"] == "succeeded", job
        inst.wait_serving("v2", timeout=5)
