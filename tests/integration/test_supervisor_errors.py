"""Bad input to `up`/`start`/`run`: a clear error naming the file and line, exit 1, nothing
started (docs/supervisor.md)."""
import subprocess
import textwrap


def up(paasrun, app_dir, *args, command="up"):
    return subprocess.run([paasrun, command, str(app_dir), *args], capture_output=True, text=True, timeout=20)


def test_bad_procfile_line(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo ok\nthis is not a process line\n")
    for command in ("up", "start"):
        r = up(paasrun, app_dir, command=command)
        assert r.returncode == 1
        assert f"paasrun {command}: error: " in r.stderr
        assert "Procfile:2" in r.stderr
        assert "process started" not in r.stdout


def test_duplicate_procfile_names(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: a\nweb: b\n")
    r = up(paasrun, app_dir)
    assert r.returncode == 1 and "Procfile:2" in r.stderr


def test_missing_procfile(paasrun, app_dir):
    r = up(paasrun, app_dir)
    assert r.returncode == 1
    assert "no Procfile" in r.stderr


def test_missing_app_dir(paasrun, app_dir):
    r = up(paasrun, app_dir / "nope")
    assert r.returncode == 1 and "does not exist" in r.stderr


def test_bad_dotenv(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo ok\n")
    (app_dir / ".env").write_text("GOOD=1\nBAD=\"unterminated\n")
    r = up(paasrun, app_dir)
    assert r.returncode == 1
    assert ".env:2" in r.stderr
    # `start` does not read .env unless asked to, so it is not affected...
    (app_dir / "Procfile").write_text("web: echo ok; exit 0\n")
    (app_dir / "paasrun.yaml").write_text("restart:\n  policy: never\n")
    assert up(paasrun, app_dir, command="start").returncode == 0
    # ...but -e reports it the same way.
    r = up(paasrun, app_dir, "-e", str(app_dir / ".env"), command="start")
    assert r.returncode == 1 and ".env:2" in r.stderr


def test_missing_explicit_env_file(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo ok\n")
    r = up(paasrun, app_dir, "-e", str(app_dir / "nope.env"))
    assert r.returncode == 1 and "nope.env" in r.stderr


def test_bad_manifest(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo ok\n")
    (app_dir / "paasrun.yaml").write_text("grace_period: soon\nunknown_key: 1\n")
    r = up(paasrun, app_dir)
    assert r.returncode == 1
    assert "paasrun.yaml:1" in r.stderr


def test_formation_flag_errors(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo ok\nrelease: migrate\n")
    for bad, words in (("wrker=1", "not in the Procfile"), ("web=x", "web"), ("release=1", "release"),
                       ("web", "web")):
        r = up(paasrun, app_dir, "-c", bad)
        assert r.returncode == 1, bad
        assert words in r.stderr, (bad, r.stderr)


def test_nothing_to_run(paasrun, app_dir):
    (app_dir / "Procfile").write_text("# only a comment\nrelease: migrate\n")
    r = up(paasrun, app_dir)
    assert r.returncode == 1 and "nothing to run" in r.stderr
    (app_dir / "Procfile").write_text("web: echo ok\n")
    r = up(paasrun, app_dir, "-c", "web=0")
    assert r.returncode == 1 and "scaled to 0" in r.stderr


def test_bad_port_in_the_environment(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo ok\n")
    r = subprocess.run([paasrun, "up", str(app_dir)], capture_output=True, text=True, timeout=20,
                       env={"PATH": "/usr/bin:/bin", "PORT": "http"})
    assert r.returncode == 1 and "PORT" in r.stderr


def test_run_reports_a_bad_manifest_too(paasrun, app_dir):
    (app_dir / "paasrun.yaml").write_text("grace_period: [\n")
    r = subprocess.run([paasrun, "run", str(app_dir), "--", "true"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and "paasrun.yaml" in r.stderr
