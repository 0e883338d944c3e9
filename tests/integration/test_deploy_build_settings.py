"""A deployed source tree is built with the build settings of its own paasrun.yaml
(src/deploy/build_settings.hpp), not with the ones `paasrun start` read at start: a deploy
that adds a `static:` dir gets it precompressed, one that names other buildpacks in
`build.buildpacks` is built by them. A tree whose paasrun.yaml is invalid is refused before
anything is built, with a message naming the file as it is in the archive and the position;
no release is created and the current one keeps serving.

And a slug archive built elsewhere (`paasrun build --output`) whose app is installed in its
venv with `pip install -e .` imports that app from where the slug now lives: the editable
install's paths in site-packages are relocated on import (src/deploy/slug_import.hpp).
"""
import gzip
import http.client
import io
import os
import shutil
import subprocess
import tarfile

from conftest import FIXTURES
from deploy_harness import Instance, releases, write_app

SECOND_BUILDPACK = FIXTURES / "buildpacks" / "second"
CSS = "body { color: red; margin: 0 auto; }\n" * 200
STATIC = "static:\n  mappings:\n    /static/: assets\n"


def app_tree(dest, version, manifest=""):
    d = write_app(dest, version, manifest=manifest)
    (d / "assets").mkdir()
    (d / "assets" / "site.css").write_text(CSS)
    return d


def slug_app(inst, version):
    slug_id = releases(inst)[version]["slug_id"]
    assert slug_id, releases(inst)[version]
    return inst.state / "slugs" / slug_id / "app"


def get_static(inst, path):
    c = http.client.HTTPConnection("127.0.0.1", inst.port, timeout=5)
    try:
        c.request("GET", path, headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        return r.status, r.getheader("Content-Encoding"), r.read()
    finally:
        c.close()


def prefixed_tarball(src, prefix):
    """A .tar.gz whose single top-level dir is `prefix` (as `tar czf x.tgz myapp/` makes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        t.add(src, arcname=prefix)
    return buf.getvalue()


def test_deploys_are_built_with_their_own_build_settings(paasrun, tmp_path):
    app = app_tree(tmp_path / "app", "v1")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        inst.state = app / ".paasrun"
        # v1 (built at start) declares no static dir: nothing was precompressed.
        assert not (slug_app(inst, "v1") / "assets" / "site.css.gz").exists()

        # (a) v2 adds `static:` in its own paasrun.yaml: its build compresses assets/, and
        # `paasrun serve` in its processes serves the .gz variant.
        job = inst.wait_job(inst.deploy(app_tree(tmp_path / "v2", "v2", STATIC)))
        assert job["state"] == "succeeded", job
        out = "\n".join(job["output"])
        assert "Build settings from the deployed paasrun.yaml" in out, out
        assert "Compressed static files in assets:" in out, out
        inst.wait_serving("v2")
        gz = slug_app(inst, "v2") / "assets" / "site.css.gz"
        assert gzip.decompress(gz.read_bytes()).decode() == CSS
        status, encoding, body = get_static(inst, "/static/site.css")
        assert (status, encoding) == (200, "gzip"), (status, encoding)
        assert gzip.decompress(body).decode() == CSS

        # (b) v3 names another buildpack in build.buildpacks (its .buildpacks still names the
        # hello one): the manifest list of the deployed tree decides, as in `paasrun build`.
        v3 = app_tree(tmp_path / "v3", "v3", f"build:\n  buildpacks: [{SECOND_BUILDPACK}, "
                                             f"{FIXTURES / 'buildpacks' / 'hello'}]\n")
        job = inst.wait_job(inst.deploy(v3))
        assert job["state"] == "succeeded", job
        out = "\n".join(job["output"])
        assert "second: compiling" in out and out.index("second: compiling") < out.index("hello: compiling"), out
        inst.wait_serving("v3")
        v3_slug = slug_app(inst, "v3")
        # second ran before hello, so it saw no HELLO_EXPORTED; v3 has no static dir.
        assert (v3_slug / "second-out.txt").read_text() == "HELLO_EXPORTED=missing\n"
        assert not (v3_slug / "assets" / "site.css.gz").exists()

        # (c) A tree without paasrun.yaml builds as `paasrun build` would build it: its
        # .buildpacks decides, none of the startup or previous build settings apply.
        v4 = app_tree(tmp_path / "v4", "v4")
        (v4 / "paasrun.yaml").unlink()
        job = inst.wait_job(inst.deploy(v4))
        assert job["state"] == "succeeded", job
        out = "\n".join(job["output"])
        assert "No paasrun.yaml in the deployed tree: default build settings" in out, out
        assert "hello: compiling" in out and "second: compiling" not in out, out
        inst.wait_serving("v4")


def test_an_invalid_paasrun_yaml_refuses_the_deploy_before_building(paasrun, tmp_path):
    app = app_tree(tmp_path / "app", "v1")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        bad = app_tree(tmp_path / "bad", "v2", STATIC)
        (bad / "paasrun.yaml").write_text("formation:\n  hello: 0\nbuild:\n  bildpacks: [x]\n")
        status, body = inst.api("POST", "/v1/releases", prefixed_tarball(bad, "myapp"), "application/gzip")
        assert status == 202, body
        job = inst.wait_job(body["id"])
        assert job["state"] == "failed", job
        msg = job["message"]
        assert msg.startswith("the deployed paasrun.yaml is invalid: myapp/paasrun.yaml:4:3:"), msg
        assert "bildpacks" in msg and "nothing was built, v1 is still serving" in msg, msg
        assert str(app) not in msg, msg  # not the temporary unpack dir
        out = "\n".join(job["output"])
        assert "hello: compiling" not in out, out
        # No release was created; v1 serves on.
        assert set(releases(inst)) == {"v1"}
        assert inst.get() == (200, "v1")


EDITABLE_APP = """\
import mypkg


def application(environ, start_response):
    body = mypkg.__file__.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""
PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "mypkg"
version = "1.0"

[tool.setuptools.packages.find]
where = ["src"]
"""


def test_a_slug_with_an_editable_install_runs_where_it_is_imported(paasrun, tmp_path):
    # src layout: `import mypkg` works only through the editable install's .pth file.
    ci = tmp_path / "ci"
    (ci / "src" / "mypkg").mkdir(parents=True)
    (ci / "src" / "mypkg" / "__init__.py").write_text("")
    (ci / "app.py").write_text(EDITABLE_APP)
    (ci / "pyproject.toml").write_text(PYPROJECT)  # the Python buildpack: pip install -e .
    (ci / "Procfile").write_text("web: paasrun serve app:application\n")
    (ci / "paasrun.yaml").write_text("python:\n  system_site_packages: true\n")
    slug = tmp_path / "slug.tgz"
    r = subprocess.run([paasrun, "build", str(ci), "--output", str(slug)], capture_output=True, text=True,
                       env={**os.environ, "PAASRUN_STATE": str(tmp_path / "ci-state")}, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pip install -e ." in r.stdout + r.stderr
    shutil.rmtree(tmp_path / "ci-state")  # the CI machine's paths are gone

    app = app_tree(tmp_path / "app", "v1")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        inst.state = app / ".paasrun"
        status, body = inst.api("POST", "/v1/releases", slug.read_bytes(), "application/gzip")
        assert status == 202, body
        job = inst.wait_job(body["id"])
        assert job["state"] == "succeeded", job
        new_app = slug_app(inst, "v2")
        assert inst.get() == (200, str(new_app / "src" / "mypkg" / "__init__.py"))
        site = next((new_app / ".venv" / "lib").glob("python*/site-packages"))
        assert (site / "__editable__.mypkg-1.0.pth").read_text().strip() == str(new_app / "src")
        direct_url = next(site.glob("mypkg-1.0.dist-info/direct_url.json")).read_text()
        assert f'"file://{new_app}"' in direct_url and "ci-state" not in direct_url, direct_url
