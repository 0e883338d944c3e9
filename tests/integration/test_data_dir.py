"""Every app has a persistent data dir outside its slugs, given as PAASRUN_DATA_DIR to every
process; the guestbook keeps its SQLite database there, so an entry survives a source edit +
rebuild, a deploy, a rollback and a restart (issue 16 item 8)."""
import json
import os
import shutil
import stat
import urllib.parse

import pytest

from conftest import ROOT, http_get, wait_until
from deploy_harness import Instance, tarball

EXAMPLE = ROOT / "examples" / "guestbook"


@pytest.fixture
def guestbook(tmp_path):
    app = tmp_path / "guestbook"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(".paasrun", ".venv", "__pycache__", "*.sqlite3*"))
    return app


def post(port, message):
    form = urllib.parse.urlencode({"name": "Ada", "message": message})
    s = http_get(port, "/", method="POST", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert s[0] == 303, s


def messages(port):
    s, _, b = http_get(port, "/api/entries")
    assert s == 200, b
    return {e["message"] for e in json.loads(b)["entries"]}


def wait_job(inst, status_body):
    s, body = status_body
    assert s in (200, 202), (s, body)
    job = inst.wait_job(body["id"])
    assert job["state"] == "succeeded", job
    return job


def test_guestbook_entries_survive_rebuild_deploy_rollback_and_restart(paasrun, guestbook, tmp_path):
    env = {"WORKER_INTERVAL": "0.2"}
    with Instance(paasrun, guestbook, env=env) as inst:
        post(inst.port, "first")
        wait_until(lambda: "first" in messages(inst.port), 20, what="the worker to publish the entry")

    data = guestbook / ".paasrun" / "data"
    assert (data / "guestbook.sqlite3").is_file()
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    for slug in (guestbook / ".paasrun" / "slugs").iterdir():
        assert not list(slug.rglob("guestbook.sqlite3*")), slug

    # A source edit: the next start rebuilds (v2) and still sees the entry; this is also a restart.
    (guestbook / "app.py").write_text((guestbook / "app.py").read_text() + "\n# edited\n")
    with Instance(paasrun, guestbook, env=env) as inst:
        assert "Released v2" in inst.proc.text()
        assert "first" in messages(inst.port)
        post(inst.port, "second")
        wait_until(lambda: "second" in messages(inst.port), 20, what="the second entry")

        # A deploy through the admin API (a source tree upload): v3.
        other = tmp_path / "upload"
        shutil.copytree(guestbook, other, ignore=shutil.ignore_patterns(".paasrun"))
        (other / "app.py").write_text((other / "app.py").read_text() + "\n# deployed\n")
        s, body = inst.api("POST", "/v1/releases", tarball(other), "application/gzip")
        wait_job(inst, (s, body))
        wait_until(lambda: {"first", "second"} <= messages(inst.port), 30, what="v3 serving both entries")

        # A rollback to v1: a new release with v1's slug, the same data.
        wait_job(inst, inst.api("POST", "/v1/rollback", {"to": "v1"}))
        wait_until(lambda: {"first", "second"} <= messages(inst.port), 30, what="the rollback serving both")
        s, st = inst.api("GET", "/v1/status")
        assert st["release"] == "v4", st

    # A restart of the rolled-back release.
    with Instance(paasrun, guestbook, env=env) as inst:
        assert {"first", "second"} <= messages(inst.port)


def test_data_dir_from_the_manifest_and_the_environment(paasrun, tmp_path):
    import subprocess
    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text("web: true\n")
    (app / "paasrun.yaml").write_text("data_dir: var/data\n")
    (app / "var").mkdir()
    env = dict(os.environ, NO_COLOR="1")
    env.pop("PAASRUN_DATA_DIR", None)
    env.pop("PAASRUN_STATE", None)
    r = subprocess.run([paasrun, "build", str(app)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    (app / "var" / "data").mkdir(exist_ok=True)
    (app / "var" / "data" / "big.db").write_text("x")
    r = subprocess.run([paasrun, "run", str(app), "--", "echo $PAASRUN_DATA_DIR"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.stdout == f"{app}/var/data\n", r.stdout + r.stderr
    assert "changed since its last build" not in r.stderr  # data is not source
    slug = next((app / ".paasrun" / "slugs").iterdir())
    assert not (slug / "app" / "var" / "data").exists()

    env["PAASRUN_DATA_DIR"] = str(tmp_path / "elsewhere")
    r = subprocess.run([paasrun, "run", str(app), "--", "echo $PAASRUN_DATA_DIR"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.stdout == f"{tmp_path / 'elsewhere'}\n"
    assert stat.S_IMODE(os.stat(tmp_path / "elsewhere").st_mode) == 0o700
