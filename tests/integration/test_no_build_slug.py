"""An app no buildpack detects (just app.py and a Procfile) gets a slug of its source as it
is (Heroku's "no build needed"), so config vars, rollbacks and the release history work for
it as for every app (issue 16 item 2)."""
import pathlib
import sys

from conftest import wait_until
from deploy_harness import Instance, releases

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import release_json, run  # noqa: E402

APP = '''import os

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [os.environ.get("GREETING", "unset").encode()]
'''


def plain_app(dest):
    dest.mkdir()
    (dest / "app.py").write_text(APP)
    (dest / "Procfile").write_text("web: paasrun serve app:application\n")
    return dest


def test_config_vars_reach_an_app_with_nothing_to_build(paasrun, tmp_path):
    app = plain_app(tmp_path / "app")
    with Instance(paasrun, app) as inst:
        assert inst.get() == (200, "unset")
        assert "no build needed" in inst.proc.text()
        s, st = inst.api("GET", "/v1/status")
        assert st["release"] == "v1", st

        s, job = inst.api("PATCH", "/v1/config", {"GREETING": "hi"})
        assert s in (200, 202), (s, job)
        if isinstance(job, dict) and "id" in job:
            assert inst.wait_job(job["id"])["state"] == "succeeded"
        wait_until(lambda: inst.get()[1] == "hi", 30, interval=0.1, what="the new config var served")

        # Rolling back to v1 takes the var away again, as for a built app.
        s, job = inst.api("POST", "/v1/rollback", {"to": "v1"})
        assert s in (200, 202), (s, job)
        if isinstance(job, dict) and "id" in job:
            assert inst.wait_job(job["id"])["state"] == "succeeded"
        wait_until(lambda: inst.get()[1] == "unset", 30, interval=0.1, what="the rollback served")
        assert set(releases(inst)) >= {"v1", "v2", "v3"}


def test_build_of_an_app_with_nothing_to_build_makes_a_release(paasrun, tmp_path):
    app = plain_app(tmp_path / "app")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No buildpack detected this app (tried: bundled:python): no build needed" in r.stdout
    rel = release_json(app, 1)
    assert rel["process_types"] == [{"name": "web", "command": "paasrun serve app:application"}]
    slug = app / ".paasrun" / "slugs" / rel["slug"] / "app"
    assert (slug / "app.py").read_text() == APP
    assert not (slug / ".venv").exists()
