"""Crash safety of a deploy: the whole instance (supervisor and every process it started,
as when a container dies) is killed with SIGKILL in the middle of a deploy; `paasrun start`
again serves the last good release, nothing half-made is current, and the history says
what happened to the interrupted release."""
import os
import signal

from conftest import Proc, wait_until
from deploy_harness import Instance, kill_session, releases, write_app


def test_kill_9_mid_deploy_then_start_again(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1")
    inst = Instance(paasrun, app)
    try:
        slow = write_app(tmp_path / "v2", "v2",
                         procfile="web: paasrun serve app:application\nrelease: echo migrating; exec sleep 60\n")
        job = inst.deploy(slow)
        wait_until(lambda: inst.api("GET", f"/v1/jobs/{job}")[1]["step"] == "release_phase", 20,
                   what="the deploy's release phase")
        inst.proc.wait_for_line(r"release \| migrating", timeout=10)
        kill_session(inst.proc.pid)
        inst.proc.p.wait(5)
    finally:
        inst.stop()

    with Instance(paasrun, app) as again:
        assert again.get() == (200, "v1")
        again.proc.wait_for_line(r"v2 was left unfinished by an interrupted deploy or build: marked failed")
        rel = releases(again)
        assert rel["v1"]["status"] == "current"
        assert rel["v2"]["status"] == "failed"
        assert "interrupted" in rel["v2"]["failure_reason"], rel["v2"]
        # And the app can be deployed again afterwards.
        v3 = write_app(tmp_path / "v3", "v3")
        assert again.wait_job(again.deploy(v3))["state"] == "succeeded"
        again.wait_serving("v3", timeout=5)


def test_sigterm_drains_with_shutdown_delay(paasrun, tmp_path):
    """Container shutdown: readiness goes off first, shutdown_delay later the processes get
    SIGTERM, and the instance exits 0 within the grace period."""
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  shutdown_delay: 1\n")
    with Instance(paasrun, app) as inst:
        assert inst.api("GET", "/readyz", token=None)[0] == 200
        inst.proc.signal(signal.SIGTERM)
        inst.proc.wait_for_line(r'readiness off, waiting before stopping" shutdown_delay=1s', timeout=5)
        # During the delay the app still answers, and /readyz says not ready.
        assert inst.get() == (200, "v1")
        assert inst.api("GET", "/readyz", token=None)[0] == 503
        assert inst.proc.wait(20) == 0
        out = inst.proc.text()
        assert out.index("readiness off") < out.index("graceful stop")


def test_kill_9_of_the_supervisor_alone_stops_its_processes(paasrun, tmp_path):
    """Outside a container nothing kills the children of a killed supervisor, and a web
    process left behind would keep the port: each process gets SIGTERM when its supervisor
    dies (PR_SET_PDEATHSIG), so `paasrun start` can start again on the same port."""
    app = write_app(tmp_path / "app", "v1")
    inst = Instance(paasrun, app)
    try:
        s, st = inst.api("GET", "/v1/status")
        web = [p["pid"] for p in st["processes"] if p["type"] == "web"][0]
        os.kill(inst.proc.pid, signal.SIGKILL)
        inst.proc.p.wait(5)

        def gone():
            try:
                return open(f"/proc/{web}/stat").read().split(") ")[1][0] == "Z"
            except OSError:
                return True
        wait_until(gone, 20, what="the orphaned web process to stop")
        port = inst.port
    finally:
        inst.stop()
    with Instance(paasrun, app, port=port) as again:
        assert again.get() == (200, "v1")
