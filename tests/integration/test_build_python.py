"""`paasrun build` with the bundled Python buildpack, offline: a vendored wheelhouse, a local
PEP 503 index, Debian's Flask and Django through system site-packages, the cached rebuild."""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import (copy_app, current_version, offline_env, pep503_index, release_json,  # noqa: E402,F401
                       run, slug_app_dir, state, wheelhouse)


def in_slug(app, version, code, env=None):
    """Runs Python code the way a release's process runs: .profile.d sourced, cwd = slug."""
    slug = slug_app_dir(app, version)
    script = f'for f in .profile.d/*.sh; do . "$f"; done; exec python -c "$1"'
    return subprocess.run(["/bin/bash", "-c", script, "x", code], cwd=slug, capture_output=True, text=True,
                          env=env or offline_env(), timeout=60)


def test_wheelhouse_build_then_cached_rebuild(paasrun, tmp_path, wheelhouse):
    app = copy_app("wheelhouse", tmp_path / "app")
    shutil.copytree(wheelhouse, app / "vendor" / "wheels")

    first = run(paasrun, "build", app)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "--no-index" in first.stdout
    assert "Released v1" in first.stdout
    rel = release_json(app, 1)
    # No Procfile: bin/release gave the default web process for wsgi.py.
    assert rel["process_types"] == [{"name": "web", "command": "paasrun serve wsgi:application"}]
    slug = state(app) / "slugs" / rel["slug"]
    meta = json.loads((slug / "slug.json").read_text())
    assert meta["python_version"].startswith("3.11")
    assert meta["source_hash"] == rel["source_hash"] and len(meta["source_hash"]) == 64
    assert meta["buildpacks"][0]["source"] == "bundled:python"
    packages = (slug / "packages.txt").read_text().splitlines()
    assert "tinyhello==1.0" in packages and "tinydep==1.0" in packages

    env = offline_env()
    env.pop("WEB_CONCURRENCY", None)
    r = in_slug(app, 1, "import os, sys, tinyhello; print(tinyhello.greet()); print(sys.prefix); "
                        "print(os.environ.get('WEB_CONCURRENCY', 'unset'), os.environ['PYTHONUNBUFFERED'])", env)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "hello from tinyhello (tinydep 1.0)"
    assert out[1] == str(slug / "app" / ".venv")
    concurrency, unbuffered = out[2].split()
    # The profile leaves the worker count to paasrun serve (web.workers, WEB_CONCURRENCY, or
    # its CPU/memory rule): exporting one here would outrank paasrun.yaml.
    assert concurrency == "unset" and unbuffered == "1"

    # A second build of the unchanged app reuses the cached venv (relocated to the new slug).
    t0 = time.monotonic()
    second = run(paasrun, "build", app)
    elapsed = time.monotonic() - t0
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Reusing the cached virtualenv" in second.stdout
    print(f"cached rebuild took {elapsed:.2f}s")
    assert elapsed < 15
    r = in_slug(app, 2, "import tinyhello, sys; print(tinyhello.greet(), sys.prefix)")
    assert r.returncode == 0, r.stderr
    assert str(slug_app_dir(app, 2)) in r.stdout
    # The relocated venv has no path of the old slug left in it.
    old = str(slug / "app")
    leftovers = subprocess.run(["grep", "-rlIF", old, str(slug_app_dir(app, 2) / ".venv")],
                               capture_output=True, text=True)
    assert leftovers.stdout == ""


def test_local_pep503_index(paasrun, tmp_path, pep503_index):
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("tinyhello\n")
    (app / "Procfile").write_text("web: paasrun serve app:application\n")
    r = run(paasrun, "build", app, env=offline_env(PIP_INDEX_URL=pep503_index))
    assert r.returncode == 0, r.stdout + r.stderr
    packages = (state(app) / "slugs" / release_json(app, 1)["slug"] / "packages.txt").read_text()
    assert "tinydep==1.0" in packages  # resolved from the index as a dependency
    assert in_slug(app, 1, "import tinyhello").returncode == 0


def test_flask_through_system_site_packages(paasrun, tmp_path):
    app = copy_app("flask", tmp_path / "app")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "with system site-packages" in r.stdout
    assert "release phase flask" in r.stdout
    cfg = (slug_app_dir(app, 1) / ".venv" / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg
    check = in_slug(app, 1, "import flask, app; print(flask.__file__); "
                            "print(app.app.test_client().get('/').data.decode())")
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines()[0].startswith("/usr/lib/python3/dist-packages/")
    assert check.stdout.splitlines()[1] == "hello from flask"


def test_django_collectstatic(paasrun, tmp_path):
    app = copy_app("django", tmp_path / "app")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "collectstatic --noinput" in r.stdout
    slug = slug_app_dir(app, 1)
    assert (slug / "staticfiles" / "css" / "site.css").read_text() == "body { color: #333; }\n"
    assert release_json(app, 1)["process_types"] == [
        {"name": "web", "command": "paasrun serve mysite.wsgi:application"}]

    # DISABLE_COLLECTSTATIC, as a config var, skips it (Heroku's switch).
    assert run(paasrun, "config:set", "DISABLE_COLLECTSTATIC=1", "--app", app).returncode == 0
    (app / "static" / "css" / "more.css").write_text("p {}\n")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Skipping collectstatic" in r.stdout
    assert not (slug_app_dir(app, current_version(app)) / "staticfiles").exists()


def test_unavailable_python_version_names_the_available_one(paasrun, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("")
    (app / "runtime.txt").write_text("python-3.9.18\n")
    r = run(paasrun, "build", app)
    assert r.returncode != 0
    assert "runtime.txt asks for Python 3.9.18, which is not available" in r.stdout
    assert "Available: Python 3.11" in r.stdout
    assert current_version(app) == 0


def test_pipfile_lock(paasrun, tmp_path, wheelhouse):
    app = tmp_path / "app"
    app.mkdir()
    shutil.copytree(wheelhouse, app / "vendor" / "wheels")
    (app / "Pipfile.lock").write_text(json.dumps({
        "_meta": {}, "default": {"tinydep": {"version": "==1.0"}}, "develop": {"pytest": {"version": "==7"}}}))
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    packages = (state(app) / "slugs" / release_json(app, 1)["slug"] / "packages.txt").read_text()
    assert "tinydep==1.0" in packages and "pytest" not in packages


def test_output_archive(paasrun, tmp_path, wheelhouse):
    app = copy_app("wheelhouse", tmp_path / "app")
    shutil.copytree(wheelhouse, app / "vendor" / "wheels")
    out = tmp_path / "app.tgz"
    r = run(paasrun, "build", app, "--output", out)
    assert r.returncode == 0, r.stdout + r.stderr
    with tarfile.open(out) as tf:
        names = tf.getnames()
    assert "slug.json" in names and "packages.txt" in names
    assert "app/wsgi.py" in names and "app/.profile.d/python.sh" in names
    assert any(n.startswith("app/.venv/") for n in names)
    assert not any(n.startswith("app/.paasrun") for n in names)
