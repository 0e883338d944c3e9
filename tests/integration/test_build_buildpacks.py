"""Heroku's buildpack API with third-party (fixture) buildpacks: detect/compile/release,
ENV_DIR, CACHE_DIR, `export` between buildpacks, versions, and the fast no-op check."""
import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import BUILDPACKS, hello_app, release_json, run, slug_app_dir, state  # noqa: E402


def test_two_buildpacks_in_order_with_export(paasrun, tmp_path):
    app = hello_app(tmp_path / "app", "hello", "second")
    assert run(paasrun, "config:set", "GREETING=bonjour", "--app", app).returncode == 0
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert out.index("hello: compiling") < out.index("second: compiling")
    assert "Hello app detected" in out and "Second app detected" in out
    v = 2  # v1 was the config-only release
    slug = slug_app_dir(app, v)
    assert (slug / "hello-out.txt").read_text() == "bonjour\n"           # from ENV_DIR
    assert (slug / "second-out.txt").read_text() == "HELLO_EXPORTED=yes\n"  # from hello's export
    rel = release_json(app, v)
    # Procfile's web wins over bin/release's; bin/release's other types are kept.
    assert rel["process_types"][0] == {"name": "web", "command": "python3 -m http.server $PORT"}
    assert {"name": "hello", "command": "echo hello"} in rel["process_types"]
    meta = json.loads((state(app) / "slugs" / rel["slug"] / "slug.json").read_text())
    assert [b["version"] for b in meta["buildpacks"]] == ["0.3.0", "2.1.0"]
    assert meta["default_config_vars"] == {"HELLO_DEFAULT": "from-bin-release"}
    # The release phase saw the config var, .profile.d and bin/release's config_vars.
    assert "GREETING=bonjour HELLO_PROFILE=from-profile HELLO_DEFAULT=from-bin-release" in out
    # The buildpack's own directory was not written to (it ran from a private copy).
    assert not (BUILDPACKS / "hello" / "export").exists()

    r = run(paasrun, "build", app)
    assert "compile run 2 (from cache: 1 earlier)" in r.stdout  # CACHE_DIR persists


def test_buildpacks_from_manifest_and_detect_failure(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    os.remove(app / ".buildpacks")
    (app / "paasrun.yaml").write_text(f"build:\n  buildpacks:\n    - {BUILDPACKS / 'hello'}\n")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    os.remove(app / "hello.txt")
    r = run(paasrun, "build", app)
    assert r.returncode != 0
    assert "bin/detect says this app is not compatible" in r.stderr


def test_nothing_detected_is_no_build_needed(paasrun, tmp_path):
    # Heroku's "no build needed": the slug is the source as it is (docs/build.md).
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.html").write_text("hi")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No buildpack detected this app (tried: bundled:python): no build needed" in r.stdout
    assert (slug_app_dir(app, 1) / "index.html").read_text() == "hi"


def test_source_hash_ignores_state_git_and_venv(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    h1 = release_json(app, 1)["source_hash"]
    (app / ".git").mkdir()
    (app / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (app / ".venv").mkdir()
    (app / "__pycache__").mkdir()
    (app / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert run(paasrun, "build", app).returncode == 0
    assert release_json(app, 2)["source_hash"] == h1
    (app / "hello.txt").write_text("changed\n")
    assert run(paasrun, "build", app).returncode == 0
    assert release_json(app, 3)["source_hash"] != h1
