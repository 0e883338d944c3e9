"""`paasrun check`: validates Procfile, .env and paasrun.yaml, prints every error as
file:line:col: message on stderr, exits 0 (ok), 1 (errors) or 2 (usage)."""
import os
import shutil
import subprocess

from conftest import FIXTURES


def run_check(paasrun, *args, cwd=None):
    return subprocess.run([paasrun, "check", *args], capture_output=True, text=True, timeout=30,
                          cwd=cwd)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_good_dir_is_ok(paasrun):
    out = run_check(paasrun, str(FIXTURES / "config" / "good"))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[-1] == "ok"
    assert any("Procfile: 3 process types (web, worker, clock) and a release phase" in l
               for l in lines)
    assert any(".env: 5 variables" in l for l in lines)
    assert any("paasrun.yaml: valid" in l for l in lines)


def test_defaults_to_current_dir_with_short_paths(paasrun, app_dir):
    write(app_dir / "Procfile", "web: python -m http.server $PORT\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "Procfile: 1 process type (web)",
        "paasrun.yaml: absent (defaults apply)",
        "ok",
    ]


def test_bad_dir_reports_every_error_with_positions(paasrun, app_dir):
    shutil.copytree(FIXTURES / "config" / "bad", app_dir / "app")
    out = run_check(paasrun, "app", cwd=app_dir)
    assert out.returncode == 1
    assert out.stdout == ""
    errs = out.stderr.splitlines()
    assert errs[-1] == f"paasrun check: {len(errs) - 1} errors"
    expected = [
        "app/Procfile:2:1: expected \"name: command\" (no ':' on this line)",
        'app/Procfile:3:1: duplicate process type "web" (lines 1 and 3)',
        "app/Procfile:4:6: invalid character '.' in process type name",
        'app/Procfile:5:9: empty command for process type "release"',
        "app/.env:2:5: expected '=' after variable name \"BAD\"",
        "app/.env:3:7: unterminated double-quoted value",
        "app/paasrun.yaml:3:8: formation.web: must be an integer from 0 to 1000, got -1",
        "app/paasrun.yaml:5:3: formation.release: the release phase",
        'app/paasrun.yaml:8:3: env: invalid variable name "1BAD"',
        'app/paasrun.yaml:10:8: web.app: "guestbook-wsgi:application" is not "module:callable"',
        'app/paasrun.yaml:11:12: web.workers: expected an integer, got "many"',
        "app/paasrun.yaml:12:12: web.timeout: must be > 0 seconds, got 0",
        'app/paasrun.yaml:13:3: unknown key "treads" in web (did you mean "threads"?)',
        "app/paasrun.yaml:16:7: static.mappings[0]: URL prefix \"static/\" must start with '/'",
        "app/paasrun.yaml:19:9: health.path: must start with '/'",
        "app/paasrun.yaml:21:11: restart.policy: must be one of always, on-failure, never",
        'app/paasrun.yaml:22:1: unknown key "colour" at the top level',
    ]
    for want in expected:
        assert any(e.startswith(want) for e in errs), f"missing {want!r} in:\n{out.stderr}"
    assert len(errs) - 1 == len(expected)


def test_formation_must_name_procfile_types(paasrun, app_dir):
    write(app_dir / "Procfile", "web: a\nworker: b\nrelease: c\n")
    write(app_dir / "paasrun.yaml", "formation:\n  web: 2\n  wroker: 1\n")
    out = run_check(paasrun, str(app_dir))
    assert out.returncode == 1
    assert (f"{app_dir}/paasrun.yaml:3:3: formation: process type \"wroker\" is not in the "
            "Procfile (it declares: web, worker)") in out.stderr.splitlines()


def test_formation_cannot_scale_release(paasrun, app_dir):
    write(app_dir / "Procfile", "web: a\nrelease: c\n")
    write(app_dir / "paasrun.yaml", "formation:\n  release: 1\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 1
    assert out.stderr.startswith("paasrun.yaml:2:3: formation.release: the release phase runs once")


def test_missing_procfile_is_an_error(paasrun, app_dir):
    out = run_check(paasrun, str(app_dir))
    assert out.returncode == 1
    assert f"{app_dir}/Procfile: no Procfile found" in out.stderr


def test_empty_procfile_is_an_error(paasrun, app_dir):
    write(app_dir / "Procfile", "# nothing yet\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 1
    assert "Procfile: the Procfile declares no process types to run" in out.stderr


def test_bad_settings_in_env_file(paasrun, app_dir):
    write(app_dir / "Procfile", "web: a\n")
    write(app_dir / ".env", "WEB_CONCURRENCY=lots\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 1
    assert ('.env: WEB_CONCURRENCY="lots" (from .env) is not a worker count'
            in out.stderr)


def test_explicit_files(paasrun, app_dir):
    write(app_dir / "conf" / "Procfile.dev", "web: a\n")
    write(app_dir / "conf" / "dev.env", "A=1\n")
    write(app_dir / "conf" / "dev.yaml", "web:\n  workers: 2\n")
    out = run_check(paasrun, "-f", "conf/Procfile.dev", "-e", "conf/dev.env", "-m", "conf/dev.yaml",
                    cwd=app_dir)
    assert out.returncode == 0, out.stderr
    assert "conf/Procfile.dev: 1 process type (web)" in out.stdout
    assert "conf/dev.env: 1 variable" in out.stdout
    assert "conf/dev.yaml: valid" in out.stdout


def test_explicit_missing_env_and_manifest_are_errors(paasrun, app_dir):
    write(app_dir / "Procfile", "web: a\n")
    out = run_check(paasrun, "-e", "nope.env", "-m", "nope.yaml", cwd=app_dir)
    assert out.returncode == 1
    assert "nope.env: env file not found" in out.stderr
    assert "nope.yaml: manifest not found" in out.stderr


def test_yaml_syntax_error_has_position(paasrun, app_dir):
    write(app_dir / "Procfile", "web: a\n")
    write(app_dir / "paasrun.yaml", "web: [1, 2\napp: x\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 1
    assert out.stderr.startswith("paasrun.yaml:2:4: YAML syntax error:")


def test_missing_dir_is_a_usage_error(paasrun, app_dir):
    out = run_check(paasrun, str(app_dir / "nope"))
    assert out.returncode == 2
    assert "does not exist or is not a directory" in out.stderr


def test_unknown_option_is_a_usage_error(paasrun, app_dir):
    out = run_check(paasrun, "--bogus", cwd=app_dir)
    assert out.returncode == 2


def test_web_app_factory_is_accepted_as_serve_accepts_it(paasrun, app_dir):
    # paasrun.yaml's web.app uses serve's own parser (docs/manifest.md, docs/wsgi.md).
    write(app_dir / "Procfile", "web: paasrun serve\n")
    write(app_dir / "paasrun.yaml", "web:\n  app: \"app:create_app('prod', debug=False)\"\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 0, out.stderr
    write(app_dir / "paasrun.yaml", "web:\n  app: \"app:create_app(\"\n")
    out = run_check(paasrun, cwd=app_dir)
    assert out.returncode == 1
    assert "a factory call must end with ')'" in out.stderr, out.stderr
