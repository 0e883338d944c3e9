"""Zero-downtime switches through the admin API of a real `paasrun start`: a deploy and a
rollback, a config change, scaling web up and down, a rolling restart, all under
continuous load (keep-alive and new connections) with zero failed requests and zero refused
connections. The request counts are printed (pytest -s)."""
import pathlib

import pytest

from deploy_harness import Instance, Load, releases, write_app

MANIFEST = "deploy:\n  bake_window: 0\n"


@pytest.fixture
def inst(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=MANIFEST)
    with Instance(paasrun, app) as i:
        i.src = tmp_path
        yield i


def test_deploy_and_rollback_under_load(inst):
    v2 = write_app(inst.src / "v2", "v2", manifest=MANIFEST)
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        job = inst.wait_job(inst.deploy(v2))
        assert job["state"] == "succeeded", job
        assert job["release"] == "v2" and job["previous_release"] == "v1"
        inst.wait_serving("v2", timeout=5)
        assert inst.get()[1] == "v2"

        s, j = inst.api("POST", "/v1/rollback", {})
        assert s == 202, j
        job = inst.wait_job(j["id"])
        assert job["state"] == "succeeded", job
        assert job["release"] == "v3"
        inst.wait_serving("v1", timeout=5)

        # Two more switches: a new source, then an explicit rollback to v2.
        job = inst.wait_job(inst.deploy(write_app(inst.src / "v4", "v4", manifest=MANIFEST)))
        assert job["state"] == "succeeded" and job["release"] == "v4", job
        inst.wait_serving("v4", timeout=5)
        s, j = inst.api("POST", "/v1/rollback", {"to": "v2"})
        assert s == 202, j
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        inst.wait_serving("v2", timeout=5)
    load.assert_clean("deploy + rollback")
    assert all(load.versions.get(v, 0) > 0 for v in ("v1", "v2", "v4")), load.versions
    rel = releases(inst)
    assert rel["v3"]["status"] == "succeeded" and rel["v3"]["description"] == "Rollback to v1"
    assert rel["v5"]["status"] == "current" and rel["v5"]["description"] == "Rollback to v2"
    assert rel["v2"]["status"] == "succeeded"
    # The old generation drained and is gone: one web process is left.
    s, st = inst.api("GET", "/v1/status")
    webs = [p for p in st["processes"] if p["type"] == "web"]
    assert len(webs) == 1 and webs[0]["state"] == "up", webs


def test_config_change_under_load(inst):
    with Load(inst.port) as load:
        inst.wait_serving("v1")
        s, j = inst.api("PATCH", "/v1/config", {"GREETING": "bonjour"})
        assert s == 202, j
        job = inst.wait_job(j["id"])
        assert job["state"] == "succeeded", job
        assert inst.get("/env/GREETING") == (200, "bonjour")
        s, j = inst.api("PATCH", "/v1/config", {"GREETING": None})
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        assert inst.get("/env/GREETING") == (200, "")
    load.assert_clean("config change")
    rel = releases(inst)
    assert rel["v2"]["description"] == "Set GREETING config var"
    assert rel["v3"]["status"] == "current"


def test_scale_web_up_and_down_and_restart_under_load(inst):
    def web_pids():
        s, st = inst.api("GET", "/v1/status")
        return sorted(p["pid"] for p in st["processes"] if p["type"] == "web" and p["state"] == "up")

    with Load(inst.port) as load:
        inst.wait_serving("v1")
        s, j = inst.api("PUT", "/v1/formation", {"web": 3})
        assert s == 202, j
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        assert len(web_pids()) == 3
        s, st = inst.api("GET", "/v1/status")
        assert st["formation"]["web"] == 3

        s, j = inst.api("PUT", "/v1/formation", {"web": 1})
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        from conftest import wait_until
        wait_until(lambda: len(web_pids()) == 1, 20, what="scaled down to one web process")

        before = web_pids()
        s, j = inst.api("POST", "/v1/processes/web/restart")
        assert s == 202, j
        assert inst.wait_job(j["id"])["state"] == "succeeded"
        wait_until(lambda: len(web_pids()) == 1, 20, what="the old web process to drain")
        assert web_pids() != before
    load.assert_clean("scale up/down + restart")


def test_unknown_type_and_bad_counts_are_refused(inst):
    s, body = inst.api("PUT", "/v1/formation", {"nope": 1})
    assert s == 422, body
    s, body = inst.api("POST", "/v1/processes/nope/restart")
    assert s == 422, body
    s, body = inst.api("POST", "/v1/rollback", {"to": "v99"})
    assert s == 404, body


def test_deploy_a_slug_archive_built_elsewhere(paasrun, inst, tmp_path):
    """`paasrun build --output` in another directory and state dir (a CI machine), then the
    slug archive is deployed: its virtualenv is relocated to where it now lives."""
    import subprocess
    src = write_app(tmp_path / "ci", "v-slug", manifest=MANIFEST)
    (src / ".buildpacks").unlink()
    (src / "requirements.txt").write_text("")  # the bundled Python buildpack: a real venv
    slug = tmp_path / "slug.tgz"
    r = subprocess.run([paasrun, "build", str(src), "--output", str(slug)], capture_output=True, text=True,
                       env={**__import__("os").environ, "PAASRUN_STATE": str(tmp_path / "ci-state")}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    with Load(inst.port) as load:
        status, body = inst.api("POST", "/v1/releases", slug.read_bytes(), "application/gzip")
        assert status == 202, body
        job = inst.wait_job(body["id"])
        assert job["state"] == "succeeded", job
        assert "-----> Importing slug archive" in job["output"]
        inst.wait_serving("v-slug", timeout=5)
    load.assert_clean("slug archive deploy")
    # The app runs in the relocated venv of the imported slug.
    venv = inst.get("/env/VIRTUAL_ENV")[1]
    assert venv.startswith(str(inst.src / "app" / ".paasrun" / "slugs")), venv
    for script in (pathlib.Path(venv) / "bin" / "activate", pathlib.Path(venv).parent / ".profile.d" / "python.sh"):
        text = script.read_text()
        assert str(tmp_path / "ci-state") not in text and venv in text, script
