"""The CLI as an admin API client against a live `paasrun start`: deploy (DIR and tarball,
--wait-healthy, a failing deploy's exit code), releases, config / config:set / config:unset,
rollback, ps, logs (-n and -f), and the refusals (wrong token, nothing listening, DIR with
--to). Exit codes: src/app/remote.hpp."""
import os
import signal
import subprocess

import pytest

from conftest import Proc, free_port, wait_until
from deploy_harness import TOKEN, Instance, bake_manifest, tarball, write_app

MANIFEST = "deploy:\n  bake_window: 0\n"


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    from conftest import paasrun_path
    base = tmp_path_factory.mktemp("admin-cli")
    app = write_app(base / "app", "v1", manifest=MANIFEST)
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        i.src = base
        yield i


def cli(paasrun, inst, *args, token=TOKEN, timeout=120, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
    env["PAASRUN_URL"] = f"http://{inst.admin}"
    if token is not None:
        env["PAASRUN_ADMIN_TOKEN"] = token
    return subprocess.run([paasrun, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_deploy_dir_wait_healthy_then_releases_and_rollback(paasrun, inst):
    src = write_app(inst.src / "v2", "v2", manifest=MANIFEST)
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "junk.pyc").write_bytes(b"\0")
    r = cli(paasrun, inst, "deploy", "--to", f"http://{inst.admin}", "--wait-healthy", "--timeout", "120", str(src))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "-----> Packing" in r.stdout and "-----> Deploy job" in r.stdout
    assert "Hello app detected" in r.stdout  # the build output, passed through
    assert "is live and ready" in r.stdout
    assert inst.get()[1] == "v2"

    r = cli(paasrun, inst, "releases")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["VERSION", "CREATED", "SOURCE", "STATUS"]
    newest = lines[1].split()
    assert newest[0] == "v2" and "current" in newest

    r = cli(paasrun, inst, "rollback", "--timeout", "120")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "succeeded" in r.stdout
    inst.wait_serving("v1", timeout=15)


def test_deploy_tarball_and_a_failing_deploy(paasrun, inst, tmp_path):
    good = write_app(tmp_path / "good", "v3", manifest=MANIFEST)
    tgz = tmp_path / "good.tar.gz"
    tgz.write_bytes(tarball(good))
    r = cli(paasrun, inst, "deploy", str(tgz))
    assert r.returncode == 0, r.stdout + r.stderr
    inst.wait_serving("v3", timeout=15)

    broken = write_app(tmp_path / "broken", "v4", manifest=MANIFEST, flags=["import-error"])
    r = cli(paasrun, inst, "deploy", "--wait-healthy", str(broken))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "failed:" in r.stderr and "still the current release" in r.stderr
    assert inst.get()[1] == "v3"


def test_config_set_show_unset(paasrun, inst):
    r = cli(paasrun, inst, "config:set", "GREETING=bonjour", "OTHER=1")
    assert r.returncode == 0, r.stdout + r.stderr
    r = cli(paasrun, inst, "config")
    assert r.returncode == 0
    assert "GREETING" in r.stdout.split() and "bonjour" not in r.stdout
    r = cli(paasrun, inst, "config", "--reveal")
    assert "GREETING=bonjour" in r.stdout.splitlines()
    assert inst.get("/env/GREETING") == (200, "bonjour")
    r = cli(paasrun, inst, "config:unset", "GREETING")
    assert r.returncode == 0, r.stdout + r.stderr
    r = cli(paasrun, inst, "config", "--reveal")
    assert not any(l.startswith("GREETING=") for l in r.stdout.splitlines())
    # A bad name is the API's 422: exit 5, the message passed on.
    r = cli(paasrun, inst, "config:set", "1BAD=x")
    assert r.returncode == 5 and "HTTP 422" in r.stderr


def test_ps_and_logs(paasrun, inst):
    r = cli(paasrun, inst, "ps")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("=== ")
    lines = r.stdout.splitlines()
    assert lines[1].split()[:3] == ["PROCESS", "RELEASE", "PHASE"], r.stdout
    current = lines[0].split(": ", 1)[1].split(",")[0]  # "=== app: v3, ready"
    assert any(l.split()[:3] == ["web.1", current, "active"] and " up " in l for l in lines), r.stdout
    assert "WEB WORKER" in r.stdout

    inst.get("/logged-for-cli")
    wait_until(lambda: "logged-for-cli" in cli(paasrun, inst, "logs", "-n", "200").stdout, 10,
               what="the access log line in `paasrun logs`")
    r = cli(paasrun, inst, "logs", "-n", "3")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3

    env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
    env.update(PAASRUN_ADMIN_TOKEN=TOKEN)
    with Proc([paasrun, "logs", "-f", "-n", "0", "--to", f"http://{inst.admin}"], env=env) as follower:
        def seen():
            inst.get("/followed-by-cli")
            return any("followed-by-cli" in l for l in follower.output())
        wait_until(seen, 15, interval=0.2, what="a new line in `paasrun logs -f`")
        follower.signal(signal.SIGINT)
        follower.wait(10)


def test_refusals_have_their_exit_codes(paasrun, inst, tmp_path):
    r = cli(paasrun, inst, "releases", token="wrong-token")
    assert r.returncode == 5 and "HTTP 401" in r.stderr
    r = cli(paasrun, inst, "ps", "--to", f"http://127.0.0.1:{free_port()}")
    assert r.returncode == 5 and "cannot connect" in r.stderr
    r = cli(paasrun, inst, "releases", str(tmp_path))
    assert r.returncode == 2 and "exclude each other" in r.stderr
    r = cli(paasrun, inst, "deploy", str(tmp_path / "missing"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = cli(paasrun, inst, "ps", "--to", "ftp://x:1")
    assert r.returncode == 5 and "unsupported scheme" in r.stderr


def test_cli_over_a_unix_socket(paasrun, tmp_path):
    sock = tmp_path / "a.sock"
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST + f"admin:\n  bind: unix:{sock}\n")
    with Instance(paasrun, app, web_concurrency=1) as i:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
        env["PAASRUN_ADMIN_TOKEN"] = TOKEN
        r = subprocess.run([paasrun, "ps", "--to", f"unix:{sock}"], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert "v1" in r.stdout.splitlines()[0]
        src = write_app(tmp_path / "v2", "v2", manifest=MANIFEST + f"admin:\n  bind: unix:{sock}\n")
        r = subprocess.run([paasrun, "deploy", "--to", f"unix:{sock}", "--wait-healthy", str(src)], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        i.wait_serving("v2", timeout=15)


BAKE_MANIFEST = bake_manifest(4)


def test_deploy_wait_healthy_waits_out_the_bake_window_and_exits_3_on_rollback(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=BAKE_MANIFEST)
    with Instance(paasrun, app, web_concurrency=1) as i:
        # A healthy release: the CLI answers only once the 4 s bake window is over. It takes
        # 1 s to import, so the automatic rollback to it below (step `rolling_back`) lasts
        # longer than the CLI's 0.5 s poll and is seen.
        good = write_app(tmp_path / "v2", "v2", manifest=BAKE_MANIFEST, flags=["import-delay=1"])
        r = cli(paasrun, i, "deploy", "--wait-healthy", "--timeout", "60", str(good))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "bake window" in r.stdout and "is live and ready" in r.stdout, r.stdout
        job = r.stdout.split("Deploy job ", 1)[1].split()[0]
        s, j = i.api("GET", f"/v1/jobs/{job}")
        assert (j["state"], j["step"]) == ("succeeded", "done"), j
        # The job's output printed as often as the job has it (some lines recur, e.g. the
        # canary's and the generation's "ready"): polling with ?since= repeats nothing.
        printed = r.stdout.splitlines()
        assert j["output"] and all(printed.count(line) == j["output"].count(line) for line in j["output"]), r.stdout

        # Healthy for 1 s after the switch, then two failed probes within the bake window:
        # rolled back automatically to v2, and the CLI says so with exit 3.
        bad = write_app(tmp_path / "v3", "v3", manifest=BAKE_MANIFEST, flags=["unhealthy-after=1"])
        r = cli(paasrun, i, "deploy", "--wait-healthy", "--timeout", "60", str(bad))
        assert r.returncode == 3, r.stdout + r.stderr
        assert "rolled back to v2" in r.stderr and "health check /healthz of v3 failed" in r.stderr, r.stderr
        assert r.stderr.count("rolled back to v2") == 1, r.stderr
        assert r.stdout.count("=====> Rolling back automatically") == 1, r.stdout
        assert "=====> rolling_back" not in r.stdout, r.stdout
        assert "is live and ready" not in r.stdout
        printed = r.stdout.splitlines()
        assert sum("Hello app detected" in line for line in printed) == 1, r.stdout
        i.wait_serving("v2", timeout=15)
