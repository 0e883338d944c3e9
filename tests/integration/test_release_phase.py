"""The release phase: Procfile `release:` runs in the new release's environment before it
becomes current; a failure or a timeout leaves the previous release current and says why."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import assert_current_intact, hello_app, history, run  # noqa: E402


def set_release(app, command):
    (app / "Procfile").write_text(f"web: python3 -m http.server $PORT\nrelease: {command}\n")


def test_release_phase_success_runs_in_slug_with_env(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    set_release(app, 'echo "cwd=$PWD v=$PAASRUN_RELEASE_VERSION profile=$HELLO_PROFILE"; test -f hello-out.txt')
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "release | cwd=" in r.stdout and "/slugs/" in r.stdout
    assert "v=v1 profile=from-profile" in r.stdout
    assert "Release phase succeeded" in r.stdout


def test_release_phase_failure_keeps_previous_release(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    set_release(app, 'echo "migrating..."; echo "migration 0042 failed" >&2; exit 3')
    r = run(paasrun, "build", app)
    assert r.returncode != 0
    assert "release phase of v2 failed" in r.stderr
    assert "failed (exit=3)" in r.stderr
    assert "migration 0042 failed" in r.stderr  # the output tail explains it
    assert "v2 was not activated" in r.stderr
    assert_current_intact(app, 1)
    failed = [e for e in history(app) if e["event"] == "failed"]
    assert failed and failed[0]["version"] == 2
    table = run(paasrun, "releases", app).stdout
    assert "v2" in table and "failed" in table


def test_release_phase_timeout(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    (app / "paasrun.yaml").write_text("release_timeout: 1\n")
    set_release(app, "echo started; sleep 30")
    r = run(paasrun, "build", app, timeout=60)
    assert r.returncode != 0
    assert "did not finish within the release_timeout (1s)" in r.stderr
    assert_current_intact(app, 1)
