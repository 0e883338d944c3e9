"""The CLI finds a running `paasrun start`/`up` of the app in its directory without --to:
config:set / config / releases / rollback / ps / logs / deploy go through the instance (so its
processes restart with the change, as `heroku config:set` restarts dynos), with the token
the instance generated; once it exits, or if it was killed, the same commands use the local
store again. See src/admin/instance_file.hpp."""
import os
import pathlib
import signal
import subprocess

from conftest import Proc, free_port, http_get, wait_until
from deploy_harness import write_app

MANIFEST = "deploy:\n  bake_window: 0\n"


def clean_env():
    # No PAASRUN_URL / PAASRUN_ADMIN_TOKEN / PAASRUN_STATE from the outside.
    return {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}


def cli(paasrun, *args, cwd, timeout=120):
    return subprocess.run([paasrun, *args], env=clean_env(), capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def get(port, path="/"):
    status, _, body = http_get(port, path)
    return status, body.decode()


def start(paasrun, app):
    port = free_port()
    env = clean_env()
    env.update(PORT=str(port), ADMIN_PORT="0", WEB_CONCURRENCY="1", NO_COLOR="1")
    p = Proc([paasrun, "start", str(app)], env=env)
    p.wait_for_line(r'msg="admin api listening" addr=(\S+)', timeout=60)
    p.wait_for_line(r'msg="process ready" proc=web\.1', timeout=60)
    return p, port


def test_commands_in_the_app_dir_reach_the_running_instance(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    other = tmp_path / "elsewhere"
    other.mkdir()
    p, port = start(paasrun, app)
    try:
        entry = app / ".paasrun" / "run" / "admin"
        assert entry.exists()
        assert f"pid={p.pid}" in entry.read_text()
        assert (app / ".paasrun" / "admin-token").exists()  # generated: no token in the env

        r = cli(paasrun, "config:set", "GREETING=hola", cwd=app)
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"using the running instance of this app (pid {p.pid}" in r.stderr
        assert "-----> Job" in r.stdout
        # The running processes restarted with the new config: no restart of paasrun needed.
        wait_until(lambda: get(port, "/env/GREETING") == (200, "hola"), 30, what="GREETING in the web process")

        r = cli(paasrun, "config", "--reveal", cwd=app)
        assert r.returncode == 0 and "GREETING=hola" in r.stdout.splitlines(), r.stdout + r.stderr
        r = cli(paasrun, "ps", cwd=app)
        assert r.returncode == 0 and "web.1" in r.stdout, r.stdout + r.stderr
        r = cli(paasrun, "logs", "-n", "5", cwd=app)
        assert r.returncode == 0 and len(r.stdout.splitlines()) == 5, r.stdout + r.stderr
        # DIR from elsewhere names the app whose instance is used (not a usage error as with --to).
        r = cli(paasrun, "releases", str(app), cwd=other)
        assert r.returncode == 0 and "using the running instance" in r.stderr, r.stdout + r.stderr
        # Edit the code, `paasrun deploy .`: the running instance builds and switches to it.
        (app / "VERSION").write_text("v2\n")
        r = cli(paasrun, "deploy", "--wait-healthy", ".", cwd=app)
        assert r.returncode == 0, r.stdout + r.stderr
        assert get(port, "/")[1] == "v2"
        r = cli(paasrun, "rollback", cwd=app)
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: get(port, "/")[1] == "v1", 30, what="v1 serving after the rollback")
        # Heroku's ps:scale and restart, through the same instance.
        r = cli(paasrun, "ps:scale", "web=2", cwd=app)
        assert r.returncode == 0, r.stdout + r.stderr
        r = cli(paasrun, "ps", cwd=app)
        assert "web.2" in r.stdout, r.stdout
        pids_before = {l.split()[0]: l.split()[3] for l in r.stdout.splitlines() if l.startswith("web.")}
        r = cli(paasrun, "restart", "web", cwd=app)
        assert r.returncode == 0, r.stdout + r.stderr
        r = cli(paasrun, "restart", cwd=app)  # every running type, one job after another
        assert r.returncode == 0 and "-----> Restarting web" in r.stdout, r.stdout + r.stderr
        r = cli(paasrun, "ps", cwd=app)
        after = {l.split()[0]: l.split()[3] for l in r.stdout.splitlines()
                 if l.startswith("web.") and " active " in l}
        assert set(after) == {"web.1", "web.2"} and not set(after.values()) & set(pids_before.values()), r.stdout
        assert get(port, "/")[0] == 200
        r = cli(paasrun, "ps:scale", "web=two", cwd=app)
        assert r.returncode == 2 and "TYPE=COUNT" in r.stderr, r.stderr
        r = cli(paasrun, "ps:scale", "nosuchtype=1", cwd=app)
        assert r.returncode == 5, r.stdout + r.stderr
        r = cli(paasrun, "ps:scale", "web=1", cwd=app)
        assert r.returncode == 0, r.stdout + r.stderr
        # Nothing for an app that has no instance: ps says how to get one.
        r = cli(paasrun, "ps", cwd=other)
        assert r.returncode == 5 and "no running instance" in r.stderr, r.stdout + r.stderr
    finally:
        p.signal(signal.SIGTERM)
        p.wait(40)
    assert not entry.exists(), "the instance entry outlived the instance"

    # No instance now: config:set writes a release into the local store, as before.
    r = cli(paasrun, "config:set", "AFTER=1", cwd=app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "using the running instance" not in r.stderr
    r = cli(paasrun, "config", "--reveal", cwd=app)
    assert "AFTER=1" in r.stdout.splitlines(), r.stdout + r.stderr
    # Scaling and restarting need running processes: a usage error that says so.
    r = cli(paasrun, "ps:scale", "web=2", cwd=app)
    assert r.returncode == 2 and "no running instance" in r.stderr, r.stdout + r.stderr
    r = cli(paasrun, "restart", cwd=app)
    assert r.returncode == 2 and "no running instance" in r.stderr, r.stdout + r.stderr


def test_a_stale_entry_of_a_killed_instance_is_ignored(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    p, port = start(paasrun, app)
    p.kill_group()  # kill -9: no chance to remove the entry
    p.wait(10)
    entry = app / ".paasrun" / "run" / "admin"
    assert entry.exists()
    r = cli(paasrun, "config:set", "X=1", cwd=app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "using the running instance" not in r.stderr
    # The next start replaces the entry with its own.
    p2, _ = start(paasrun, app)
    try:
        assert f"pid={p2.pid}" in entry.read_text()
    finally:
        p2.signal(signal.SIGTERM)
        p2.wait(40)
