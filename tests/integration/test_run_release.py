"""`paasrun run` runs a one-off process of the CURRENT release, as `heroku run` does: in the
slug (its virtualenv and .profile.d), with the release's config vars, DYNO=run.N, and says
which release on stderr. Without a release it runs in the source dir (issue 16 item 1)."""
import os
import pathlib
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import copy_app, offline_env, run, slug_app_dir, wheelhouse  # noqa: E402,F401


def test_run_uses_the_release_venv_and_config_vars(paasrun, tmp_path, wheelhouse):
    app = copy_app("wheelhouse", tmp_path / "app")
    shutil.copytree(wheelhouse, app / "vendor" / "wheels")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr

    # The package is installed in the slug's venv only: the source dir has none.
    r = run(paasrun, "run", app, "--", "python", "-c", "import tinyhello, os; print(tinyhello.greet()); "
            "print(os.getcwd()); print(os.environ['DYNO']); print(os.environ['PAASRUN_RELEASE_VERSION'])")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "hello from tinyhello (tinydep 1.0)"
    assert out[1] == str(slug_app_dir(app, 1))
    assert out[2].startswith("run.") and out[3] == "v1"
    assert f"Running python -c import tinyhello" in r.stderr and f"on v1 ({out[2]})" in r.stderr

    assert run(paasrun, "config:set", "GREETING=hi", "--app", app).returncode == 0
    r = run(paasrun, "run", app, "--", "sh", "-c", "echo $GREETING")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "hi\n"
    assert "on v2 (run." in r.stderr
    # One shell command line works the same way.
    r = run(paasrun, "run", app, "--", "echo $GREETING from $PAASRUN_RELEASE_VERSION")
    assert r.stdout == "hi from v2\n", r.stdout + r.stderr


def test_run_warns_when_the_source_changed_since_the_build(paasrun, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text("web: python -m http.server $PORT\n")
    (app / "code.txt").write_text("one\n")
    assert run(paasrun, "build", app).returncode == 0
    (app / "code.txt").write_text("two\n")
    r = run(paasrun, "run", app, "--", "cat code.txt")
    assert r.stdout == "one\n"  # the release's code, as on Heroku
    assert "changed since its last build" in r.stderr


def test_run_without_a_release_uses_the_source_dir(paasrun, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / ".env").write_text("GREETING=from-dotenv\n")
    r = run(paasrun, "run", "-e", app / ".env", app, "--", "sh", "-c", 'echo "$GREETING $(pwd)"')
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"from-dotenv {app}\n"
    assert "Running" not in r.stderr
    assert not (app / ".paasrun" / "current").exists()


def test_django_migrate_through_run(paasrun, tmp_path):
    try:
        import django  # noqa: F401  (Debian's python3-django, used through system site-packages)
    except ImportError:
        import pytest
        pytest.skip("python3-django is not installed")
    app = copy_app("django", tmp_path / "app")
    settings = app / "mysite" / "settings.py"
    settings.write_text(settings.read_text().replace(
        'INSTALLED_APPS = ["django.contrib.staticfiles"]',
        'INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles"]'
    ).replace(
        "DATABASES = {}",
        'import os\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", '
        '"NAME": os.path.join(os.environ["PAASRUN_DATA_DIR"], "db.sqlite3")}}'))
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(paasrun, "run", app, "--", "python", "manage.py", "migrate", "--noinput")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Applying auth.0001_initial... OK" in r.stdout
    assert "Running python manage.py migrate --noinput on v1" in r.stderr
    db = app / ".paasrun" / "data" / "db.sqlite3"
    assert db.is_file()
    assert oct(os.stat(db.parent).st_mode & 0o777) == "0o700"
    r = run(paasrun, "run", app, "--", "python", "manage.py", "showmigrations", "auth")
    assert "[X] 0001_initial" in r.stdout, r.stdout + r.stderr
