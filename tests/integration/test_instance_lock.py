"""One `paasrun start`/`up` per app (src/admin/instance_lock.hpp): a second one is refused at
once, before it builds, cleans the stats files or binds anything, with a message naming the
running instance; the running instance's /metrics, `paasrun ps` worker table and instance
entry are untouched, so the CLI keeps reaching it."""
import os
import re
import subprocess

import pytest

from conftest import http_get, wait_until
from deploy_harness import TOKEN, Instance, write_app


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
    env.update(extra)
    return env


def metrics_2xx(inst):
    status, text = inst.api("GET", "/metrics")
    assert status == 200, (status, text)
    m = re.search(r'^paasrun_http_requests_total\{class="2xx"\} (\d+)$', text, re.M)
    return int(m.group(1)) if m else 0


def wait_2xx(inst, at_least):
    """A worker counts a request once its response is written, so a client that has read the
    response can ask /metrics a moment before the count lands: wait for it, with a deadline."""
    return wait_until(lambda: (lambda n: n if n >= at_least else None)(metrics_2xx(inst)),
                      10, what=f"paasrun_http_requests_total{{class=\"2xx\"}} >= {at_least}")


def worker_rows(paasrun, app):
    r = subprocess.run([paasrun, "ps"], env=clean_env(PAASRUN_ADMIN_TOKEN=TOKEN), capture_output=True, text=True, timeout=30, cwd=app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "using the running instance" in r.stderr, r.stderr
    lines = r.stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("WEB WORKER"))
    return [l for l in lines[start + 1:] if l.strip()]


@pytest.mark.parametrize("command", ["start", "up"])
def test_second_instance_is_refused_and_the_first_is_untouched(paasrun, tmp_path, command):
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun, app, web_concurrency=2) as inst:
        for _ in range(10):
            assert inst.get() == (200, "v1")
        before = wait_2xx(inst, 10)
        rows = worker_rows(paasrun, app)
        assert len(rows) == 2, rows
        stats = sorted(p.name for p in (app / ".paasrun" / "run" / "stats").iterdir())
        entry = (app / ".paasrun" / "run" / "admin").read_text()

        # The same app on the same port, as a user would type it again.
        r = subprocess.run([paasrun, command, str(app)], capture_output=True, text=True, timeout=60,
                           env=clean_env(PORT=str(inst.port), ADMIN_PORT="0", NO_COLOR="1"))
        assert r.returncode != 0, r.stdout + r.stderr
        assert "another paasrun instance of this app is running" in r.stderr, r.stderr
        assert f"pid {inst.proc.pid}" in r.stderr, r.stderr
        assert f"admin API http://{inst.admin}" in r.stderr, r.stderr
        assert "Building" not in r.stdout and "Running release" not in r.stdout, r.stdout

        # The first instance: same stats files, counters still counting, same worker table,
        # its entry still there for the CLI.
        assert sorted(p.name for p in (app / ".paasrun" / "run" / "stats").iterdir()) == stats
        assert metrics_2xx(inst) >= before
        assert http_get(inst.port)[0] == 200
        wait_2xx(inst, before + 1)
        assert len(worker_rows(paasrun, app)) == 2
        assert (app / ".paasrun" / "run" / "admin").read_text() == entry


def test_the_lock_goes_with_the_instance(paasrun, tmp_path):
    """kill -9 of the first instance: the kernel drops the lock, a new start is not refused."""
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    inst = Instance(paasrun, app, web_concurrency=1)
    port = inst.port
    inst.proc.kill_group()
    inst.proc.p.wait(10)
    inst.stop()
    with Instance(paasrun, app, web_concurrency=1, port=port) as again:
        assert again.get() == (200, "v1")
