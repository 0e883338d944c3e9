"""Heroku/foreman command-line parity (docs/cli.md): config:get, releases:info, -a/--app on
every command, ps:restart, `paasrun logs` in heroku's format with --ps/--source/-n/--tail,
a failed release phase's last output, Heroku's build hooks (bin/pre_compile,
bin/post_compile), .profile, and app.json's formation and healthchecks."""
import json
import os
import pathlib
import re
import signal
import subprocess
import sys

import pytest

from conftest import Proc, free_port, wait_until
from deploy_harness import TOKEN, Instance, write_app

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import assert_current_intact, hello_app, offline_env, release_json  # noqa: E402

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"


def clean_env(**extra):
    env = {k: v for k, v in offline_env().items() if not k.startswith("PAASRUN_")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def cli(paasrun, *args, cwd=None, env=None, timeout=300):
    return subprocess.run([paasrun, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=env or clean_env())


def remote(paasrun, inst, *args, timeout=120):
    return cli(paasrun, *args, "--to", f"http://{inst.admin}", env=clean_env(PAASRUN_ADMIN_TOKEN=TOKEN),
               timeout=timeout)


# --- config:get, releases:info, -a -------------------------------------------------------


def test_config_get_and_releases_info_with_app_option(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = cli(paasrun, "build", "-a", app, cwd=elsewhere)
    assert r.returncode == 0, r.stdout + r.stderr
    r = cli(paasrun, "config:set", "GREETING=hello world", "-a", app, cwd=elsewhere)
    assert r.returncode == 0, r.stdout + r.stderr

    r = cli(paasrun, "config:get", "GREETING", "-a", app, cwd=elsewhere)
    assert (r.returncode, r.stdout) == (0, "hello world\n"), r.stderr
    r = cli(paasrun, "config:get", "GREETING", cwd=app)  # default: the current directory
    assert (r.returncode, r.stdout) == (0, "hello world\n"), r.stderr
    r = cli(paasrun, "config:get", "MISSING", "-a", app, cwd=elsewhere)
    assert r.returncode == 1 and r.stdout == ""
    assert "MISSING is not set (v2)" in r.stderr

    r = cli(paasrun, "releases:info", "-a", app, cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    info = dict(re.findall(r"^([A-Z][a-z ]+):\s+(.*)$", r.stdout, re.M))
    assert r.stdout.startswith("=== Release v2 (current)\n"), r.stdout
    assert info["Version"] == "v2" and info["Kind"] == "config" and info["Status"] == "current"
    assert info["Config vars"] == "GREETING"
    assert info["Slug"] == release_json(app, 2)["slug"]
    assert info["Source hash"] == release_json(app, 2)["source_hash"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info["Created"])
    assert "hello world" not in r.stdout  # names only: values are secrets

    r = cli(paasrun, "releases:info", "v1", cwd=app)
    assert r.returncode == 0, r.stderr
    assert "=== Release v1\n" in r.stdout and re.search(r"^Kind:\s+build$", r.stdout, re.M)
    assert re.search(r"^Config vars:\s+-$", r.stdout, re.M)
    r = cli(paasrun, "releases:info", "v9", cwd=app)
    assert r.returncode == 1 and "there is no release v9" in r.stderr

    # -a on the other app commands, and -a with a DIR as well is a usage error.
    assert cli(paasrun, "releases", "-a", app, cwd=elsewhere).stdout.count("\nv") == 2
    assert "GREETING=hello world" in cli(paasrun, "config", "--reveal", "-a", app, cwd=elsewhere).stdout
    assert cli(paasrun, "check", "-a", app, cwd=elsewhere).returncode == 0
    r = cli(paasrun, "export", "systemd", "-a", app, cwd=elsewhere)
    assert r.returncode == 0 and "[Service]" in r.stdout, r.stderr
    r = cli(paasrun, "run", "-a", app, "--", "sh", "-c", "echo greeting=$GREETING", cwd=elsewhere)
    assert r.returncode == 0 and "greeting=" in r.stdout, r.stdout + r.stderr
    r = cli(paasrun, "config", app, "-a", app, cwd=elsewhere)
    assert r.returncode == 2 and "excludes" in r.stderr, r.stderr
    r = cli(paasrun, "rollback", "v1", "-a", app, cwd=elsewhere)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Kind:            rollback" in cli(paasrun, "releases:info", "-a", app, cwd=elsewhere).stdout


# --- a failed release phase --------------------------------------------------------------


def test_failed_release_phase_shows_its_last_output(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert cli(paasrun, "build", app).returncode == 0
    (app / "Procfile").write_text("web: python3 -m http.server $PORT\nrelease: sh -c 'echo first; echo boom; exit 3'\n")
    r = cli(paasrun, "build", app)
    assert r.returncode == 1
    assert "failed (exit=3); last output: first | boom" in r.stderr, r.stderr
    assert_current_intact(app, 1)
    # The release history keeps a failure's first line: the output is on it.
    table = cli(paasrun, "releases", app).stdout
    v2 = next(l for l in table.splitlines() if l.startswith("v2 "))
    assert v2.rstrip().endswith("last output: first | boom)"), table
    info = cli(paasrun, "releases:info", "v2", "-a", app).stdout
    assert re.search(r"^Failure:\s+release phase of v2 failed: .*last output: first \| boom$", info, re.M), info


def test_failed_release_phase_in_a_deploy_shows_its_last_output(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        v2 = write_app(tmp_path / "v2", "v2",
                       procfile="web: paasrun serve app:application\nrelease: sh -c 'echo boom; exit 3'\n")
        r = remote(paasrun, inst, "deploy", v2)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "failed (exit=3); last output: boom" in r.stderr, r.stderr
        assert "release | boom" in r.stdout
        r = remote(paasrun, inst, "releases:info", "v2")
        assert r.returncode == 0, r.stderr
        assert re.search(r"^Failure:\s+.*last output: boom$", r.stdout, re.M), r.stdout


# --- ps:restart, logs ----------------------------------------------------------------------


@pytest.fixture
def inst(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1")
    (app / "paasrun.yaml").write_text("formation:\n  hello: 0\n  web: 2\ndeploy:\n  bake_window: 0\n")
    with Instance(paasrun, app, web_concurrency=1) as i:
        i.proc.wait_for_line(r'msg="process ready" proc=web\.2', timeout=30)
        yield i


def test_ps_restart(paasrun, inst):
    r = remote(paasrun, inst, "ps:restart", "web")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Job" in r.stdout and "succeeded" in r.stdout
    # One process: the admin API restarts whole types; the answer says what exists.
    r = remote(paasrun, inst, "ps:restart", "web.2")
    assert r.returncode == 2
    assert "restarting one process (web.2) is not supported" in r.stderr, r.stderr
    assert "`paasrun ps:restart web` restarts web.1, web.2" in r.stderr, r.stderr
    r = remote(paasrun, inst, "restart", "web.9")
    assert r.returncode == 2 and "`paasrun restart web` restarts" in r.stderr, r.stderr


def logs(paasrun, inst, *args):
    r = remote(paasrun, inst, "logs", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def test_logs_in_heroku_format_with_filters(paasrun, inst):
    for i in range(3):
        inst.get(f"/logged-{i}")
    wait_until(lambda: any("/logged-2" in l for l in logs(paasrun, inst, "-n", "1000")), 10,
               what="the access log lines")
    lines = logs(paasrun, inst, "-n", "1000")
    assert lines and all(re.match(ISO + r" (app|paasrun)\[[\w.]+\]: ", l) for l in lines), lines[:5]
    assert any(re.match(ISO + r" app\[web\.[12]\]: .*path=/logged-0", l) for l in lines), [l for l in lines if "logged" in l]
    assert any(re.match(ISO + r" paasrun\[web\.1\]: .*proc=web\.1", l) for l in lines), lines
    assert any(re.match(ISO + r" paasrun\[system\]: ", l) for l in lines), lines

    assert len(logs(paasrun, inst, "-n", "3")) == 3
    assert len(logs(paasrun, inst)) == min(100, len(lines))  # -n defaults to 100

    web1 = logs(paasrun, inst, "--ps", "web.1", "-n", "1000")
    assert web1 and all(re.match(ISO + r" (app|paasrun)\[web\.1\]: ", l) for l in web1), web1
    web = logs(paasrun, inst, "--ps", "web", "-n", "1000")
    assert {re.match(ISO + r" \w+\[(web\.\d)\]", l).group(1) for l in web} == {"web.1", "web.2"}
    system = logs(paasrun, inst, "--source", "system", "-n", "1000")
    assert system and all(" paasrun[" in l for l in system)
    app_only = logs(paasrun, inst, "--source", "app", "--ps", "web", "-n", "2")
    assert len(app_only) == 2 and all(" app[web." in l for l in app_only), app_only
    # -n counts the lines that pass the filter.
    assert len(logs(paasrun, inst, "--source", "system", "-n", "4")) == 4

    r = remote(paasrun, inst, "logs", "--source", "router")
    assert r.returncode == 2 and "--source" in r.stderr


@pytest.mark.parametrize("flag", ["--tail", "-t", "-f"])
def test_logs_tail_follows_with_a_filter(paasrun, inst, flag):
    env = clean_env(PAASRUN_ADMIN_TOKEN=TOKEN)
    args = [paasrun, "logs", flag, "-n", "2", "--ps", "web", "--source", "app", "--to", f"http://{inst.admin}"]
    with Proc(args, env=env) as follower:
        wait_until(lambda: len(follower.output()) >= 1 or follower.p.poll() is not None, 10,
                   what="the backlog")

        def seen():
            inst.get("/followed-by-cli")
            return any("/followed-by-cli" in l for l in follower.output())
        wait_until(seen, 15, interval=0.2, what="a new line in `paasrun logs --tail`")
        out = follower.output()
        assert all(re.match(ISO + r" app\[web\.[12]\]: ", l) for l in out), out
        # The backlog is the last 2 matching lines and nothing is printed twice.
        first_new = next(i for i, l in enumerate(out) if "/followed-by-cli" in l)
        assert first_new <= 2, out
        assert len(out) == len(set(out)), out
        follower.signal(signal.SIGINT)
        follower.wait(10)


# --- build hooks, .profile, app.json -------------------------------------------------------


def python_app(dest):
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "requirements.txt").write_text("")  # the Python buildpack, nothing to install
    (dest / "app.py").write_text("def application(environ, start_response):\n    return []\n")
    (dest / "Procfile").write_text("web: paasrun serve app:application\n")
    (dest / "bin").mkdir(exist_ok=True)
    return dest


def hook(app, name, body):
    p = app / "bin" / name
    p.write_text("#!/bin/sh\nset -e\n" + body)
    p.chmod(0o644)  # not executable: the buildpack makes it so, as Heroku's does


def test_pre_and_post_compile_hooks(paasrun, tmp_path):
    app = python_app(tmp_path / "app")
    hook(app, "pre_compile", 'echo "pre: venv=$(test -d .venv && echo yes || echo no) greeting=$GREETING"\n'
                             'echo generated > generated-by-pre.txt\n')
    hook(app, "post_compile", 'echo "post: python=$(command -v python)"\n'
                              'python -c "import sys; print(\'post: prefix\', sys.prefix)"\n')
    assert cli(paasrun, "build", app).returncode == 0
    r = cli(paasrun, "config:set", "GREETING=hi", "-a", app)
    assert r.returncode == 0, r.stdout + r.stderr
    (app / "touch.txt").write_text("a source change: a new build\n")
    r = cli(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "-----> Running pre_compile hook (bin/pre_compile)" in out
    assert "       pre: venv=no greeting=hi" in out  # before the venv; config vars exported
    assert "-----> Running post_compile hook (bin/post_compile)" in out
    assert re.search(r"^       post: python=\S+/\.venv/bin/python$", out, re.M), out
    assert re.search(r"^       post: prefix \S+/\.venv$", out, re.M), out
    assert out.index("pre_compile hook") < out.index("virtualenv") < out.index("post_compile hook")
    slug_app = app / ".paasrun" / "slugs" / release_json(app, 3)["slug"] / "app"
    assert (slug_app / "generated-by-pre.txt").read_text() == "generated\n"


@pytest.mark.parametrize("name", ["pre_compile", "post_compile"])
def test_a_failing_hook_fails_the_build(paasrun, tmp_path, name):
    app = python_app(tmp_path / "app")
    assert cli(paasrun, "build", app).returncode == 0
    hook(app, name, "echo 'hook says no'\nexit 4\n")
    r = cli(paasrun, "build", app)
    assert r.returncode == 1
    assert "       hook says no" in r.stdout
    assert f"bin/{name} failed with status 4" in r.stdout + r.stderr
    assert_current_intact(app, 1)


def test_profile_is_sourced_after_profile_d(paasrun, tmp_path):
    app = tmp_path / "app"
    (app / ".profile.d").mkdir(parents=True)
    (app / ".profile.d" / "a.sh").write_text('export ORDER="profile.d"\n')
    (app / ".profile").write_text('export ORDER="$ORDER,profile"\n')
    (app / "Procfile").write_text("web: echo \"order=$ORDER\"\n")
    env = clean_env(NO_COLOR=1, PORT=free_port())
    r = cli(paasrun, "up", app, env=env, timeout=60)
    assert re.search(r"web\.1 +\| order=profile\.d,profile$", r.stdout, re.M), r.stdout + r.stderr
    r = cli(paasrun, "run", app, "--", "sh", "-c", "echo order=$ORDER", env=env, timeout=60)
    assert r.stdout.strip().endswith("order=profile.d,profile"), r.stdout + r.stderr


def test_profile_in_a_release_after_the_buildpacks_profile_d(paasrun, tmp_path):
    # The hello buildpack writes .profile.d/hello.sh (HELLO_PROFILE=from-profile); the app's
    # .profile comes after it, in the release phase and in the processes of the release.
    app = hello_app(tmp_path / "app")
    (app / ".profile").write_text('export ORDER="$HELLO_PROFILE,profile"\n')
    (app / "Procfile").write_text('web: echo "web order=$ORDER"\nrelease: echo "order=$ORDER"\n')
    r = cli(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "release | order=from-profile,profile" in r.stdout, r.stdout
    r = cli(paasrun, "up", app, env=clean_env(NO_COLOR=1, PORT=free_port()), timeout=60)
    assert re.search(r"web\.1 +\| web order=from-profile,profile$", r.stdout, re.M), r.stdout + r.stderr


def test_app_json_formation_where_paasrun_yaml_is_silent(paasrun, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    # Each waits a little after its line: `up` stops everything once one process exits.
    (app / "Procfile").write_text("web: echo web-ran; sleep 2\nworker: echo worker-ran; sleep 2\n")
    (app / "app.json").write_text(json.dumps({
        "name": "x", "formation": {"web": {"quantity": 1}, "worker": {"quantity": 2, "size": "basic"}}}))
    r = cli(paasrun, "check", app)
    assert r.returncode == 0, r.stderr
    assert "app.json: valid" in r.stdout
    env = clean_env(NO_COLOR=1, PORT=free_port())
    r = cli(paasrun, "up", app, env=env, timeout=60)
    for name in ("web.1", "worker.1", "worker.2"):
        assert re.search(rf"^\S+ {re.escape(name)} +\| \w+-ran$", r.stdout, re.M), r.stdout
    assert "worker.3" not in r.stdout
    # paasrun.yaml wins for the types it names.
    (app / "paasrun.yaml").write_text("formation:\n  worker: 1\n")
    r = cli(paasrun, "up", app, env=env, timeout=60)
    assert "worker.1" in r.stdout and "worker.2" not in r.stdout, r.stdout
    # A malformed app.json is an error naming it.
    (app / "app.json").write_text('{"formation": {"worker": {"quantity": "two"}}}')
    r = cli(paasrun, "check", app)
    assert r.returncode == 1 and "app.json: formation.worker.quantity" in r.stderr, r.stderr
    r = cli(paasrun, "up", app, env=env, timeout=60)
    assert r.returncode != 0 and "formation.worker.quantity" in r.stderr, r.stderr


def test_app_json_healthchecks_gate_a_deploy(paasrun, tmp_path):
    checks = {"healthchecks": {"web": [{"type": "startup", "path": "/healthz", "attempts": 2, "wait": 0.3,
                                        "timeout": 2}]}}
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    (app / "app.json").write_text(json.dumps(checks))
    with Instance(paasrun, app, web_concurrency=1) as inst:
        v2 = write_app(tmp_path / "v2", "v2", manifest="deploy:\n  bake_window: 0\n", flags=["unhealthy"])
        (v2 / "app.json").write_text(json.dumps(checks))
        r = remote(paasrun, inst, "deploy", v2)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "health check /healthz failed 2 times" in r.stderr, r.stderr
        assert inst.get() == (200, "v1")
        # Without the app.json the same unhealthy version goes live: nothing checks /healthz.
        (v2 / "app.json").unlink()
        r = remote(paasrun, inst, "deploy", v2)
        assert r.returncode == 0, r.stdout + r.stderr
        inst.wait_serving("v2")
