"""A deployed release carries its own paasrun.yaml (src/deploy/release_settings.hpp): the
engine checks it with that file's `health:` and `deploy:` sections and runs its processes
(and its release phase) with that file's `env:`, not with the paasrun.yaml `paasrun start`
read at start. A rollback goes back to the target release's settings. A release whose
paasrun.yaml is invalid (a slug archive imported as-is) fails with a message naming the file;
the old release keeps serving.
"""
import io
import os
import pathlib
import subprocess
import tarfile

from deploy_harness import Instance, releases, write_app

# Every app here answers its health check only at the path in its HEALTH_PATH file; the
# other health-looking paths answer 404, so a probe of the wrong path fails at once.
WRAPPER = '''\
import pathlib

import fixture_app

HERE = pathlib.Path(__file__).resolve().parent
HEALTH = (HERE / "HEALTH_PATH").read_text().strip()
PROBES = {"/healthz", "/health"}


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == HEALTH:
        environ = dict(environ, PATH_INFO="/healthz")
    elif path in PROBES:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]
    return fixture_app.application(environ, start_response)
'''

HEALTH = """\
health:
  path: {path}
  interval: 0.2
  timeout: 2
  attempts: 2
"""
V1 = HEALTH.format(path="/healthz") + "deploy:\n  bake_window: 0\n"
# v2 moves the health endpoint, bakes for 2 s (v1 does not bake at all) and adds an env var.
V2 = HEALTH.format(path="/health") + """\
deploy:
  bake_window: 2
  max_health_failures: 2
env:
  FOO: bar
"""
PROCFILE = "web: paasrun serve app:application\nrelease: echo release-phase FOO=$FOO\n"


def app_tree(dest, version, manifest, health_path):
    d = write_app(dest, version, procfile=PROCFILE, manifest=manifest)
    (d / "app.py").rename(d / "fixture_app.py")
    (d / "app.py").write_text(WRAPPER)
    (d / "HEALTH_PATH").write_text(health_path + "\n")
    return d


def start(paasrun, tmp_path):
    return Instance(paasrun, app_tree(tmp_path / "app", "v1", V1, "/healthz"), web_concurrency=1)


def test_deploy_and_rollback_use_each_releases_own_settings(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        assert inst.get("/healthz") == (200, "ok")
        assert inst.get("/health")[0] == 404
        assert inst.get("/env/FOO") == (200, "")

        # (a) v2's canary and generation are probed at v2's /health (its /healthz is a 404),
        # and its bake window (v1 has none) probes /health too: the job ends "done".
        v2 = app_tree(tmp_path / "v2", "v2", V2, "/health")
        job = inst.wait_job(inst.deploy(v2))
        assert job["state"] == "succeeded", job
        out = "\n".join(job["output"])
        assert "Started a canary of v2" in out and "GET /health answered 200" in out, out
        assert "/healthz" not in out, out
        job = inst.wait_baked(job["id"], timeout=20)
        assert job["state"] == "succeeded", job
        inst.wait_serving("v2", timeout=5)
        assert inst.get("/health") == (200, "ok")
        assert inst.get("/healthz")[0] == 404

        # (b) v2's `env:` reaches its processes and its release phase.
        assert inst.get("/env/FOO") == (200, "bar")
        assert any("release-phase FOO=bar" in line for line in job["output"]), job["output"]

        # (c) A rollback to v1 is checked with v1's /healthz again (v1's /health is a 404)
        # and runs without v2's env var.
        s, j = inst.api("POST", "/v1/rollback", {})
        assert s == 202, j
        job = inst.wait_job(j["id"])
        assert job["state"] == "succeeded", job
        assert job["release"] == "v3", job
        out = "\n".join(job["output"])
        assert "GET /healthz answered 200" in out and "release-phase FOO=\n" in out + "\n", out
        inst.wait_serving("v1", timeout=5)
        assert inst.get("/env/FOO") == (200, "")
        # v1 does not bake: the job is not left in a bake window probing anything.
        assert job["step"] != "baking", job
        assert releases(inst)["v3"]["status"] == "current"


def slug_archive_with_manifest(paasrun, tmp_path, src, manifest):
    """`paasrun build --output` of `src` elsewhere, then its app/paasrun.yaml replaced: a slug
    archive is imported as-is (a source tree's paasrun.yaml is checked before its build,
    test_deploy_build_settings.py)."""
    slug = tmp_path / "slug.tgz"
    r = subprocess.run([paasrun, "build", str(src), "--output", str(slug)], capture_output=True, text=True,
                       env={**os.environ, "PAASRUN_STATE": str(tmp_path / "ci-state")}, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    out = io.BytesIO()
    with tarfile.open(slug) as old, tarfile.open(fileobj=out, mode="w:gz") as new:
        for m in old.getmembers():
            if m.name == "app/paasrun.yaml":
                m.size = len(manifest)
                new.addfile(m, io.BytesIO(manifest))
            else:
                new.addfile(m, old.extractfile(m) if m.isfile() else None)
    return out.getvalue()


def test_invalid_paasrun_yaml_in_a_release_fails_naming_the_file(paasrun, tmp_path):
    with start(paasrun, tmp_path) as inst:
        src = app_tree(tmp_path / "v2", "v2", V1, "/healthz")
        archive = slug_archive_with_manifest(paasrun, tmp_path, src, b"health:\n  path: /healthz\n  atempts: 2\n")
        status, body = inst.api("POST", "/v1/releases", archive, "application/gzip")
        assert status == 202, (status, body)
        job = inst.wait_job(body["id"])
        assert job["state"] == "failed", job
        msg = job["message"]
        assert "the release's paasrun.yaml is invalid" in msg and "/app/paasrun.yaml:3:" in msg, msg
        assert "atempts" in msg and "v1 is still serving" in msg, msg
        assert inst.get() == (200, "v1")
        rel = releases(inst)
        assert rel["v2"]["status"] == "failed" and rel["v1"]["status"] == "current", rel
