"""releases / rollback / config / config:set / config:unset: each change is a new release,
rollbacks follow Heroku's rule, values stay hidden, retention keeps current and previous."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import current_version, hello_app, history, release_json, run  # noqa: E402


def test_config_changes_make_releases_and_hide_values(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    r = run(paasrun, "config:set", "SECRET_KEY=s3cr3t-value", "DEBUG=0", "--app", app)
    assert r.returncode == 0, r.stderr
    assert "v2" in r.stdout and "s3cr3t-value" not in r.stdout
    rel = release_json(app, 2)
    assert rel["kind"] == "config" and rel["config_vars"] == {"SECRET_KEY": "s3cr3t-value", "DEBUG": "0"}
    assert rel["slug"] == release_json(app, 1)["slug"]
    assert "s3cr3t-value" not in rel["description"]

    shown = run(paasrun, "config", app)
    assert "SECRET_KEY" in shown.stdout and "s3cr3t-value" not in shown.stdout
    assert "SECRET_KEY=s3cr3t-value" in run(paasrun, "config", app, "--reveal").stdout
    assert "s3cr3t-value" not in run(paasrun, "releases", app).stdout
    assert "s3cr3t-value" not in (app / ".paasrun" / "history.jsonl").read_text()
    mode = (app / ".paasrun" / "releases" / "v2" / "release.json").stat().st_mode & 0o777
    assert mode == 0o600

    r = run(paasrun, "config:unset", "DEBUG", "--app", app)
    assert r.returncode == 0, r.stderr
    assert release_json(app, 3)["config_vars"] == {"SECRET_KEY": "s3cr3t-value"}
    assert current_version(app) == 3
    # A build keeps the config (Heroku) and hands it to the buildpack through ENV_DIR.
    assert run(paasrun, "build", app).returncode == 0
    assert release_json(app, 4)["config_vars"] == {"SECRET_KEY": "s3cr3t-value"}

    bad = run(paasrun, "config:unset", "NOPE", "--app", app)
    assert bad.returncode != 0 and "NOPE is not set" in bad.stderr
    bad = run(paasrun, "config:set", "1BAD=x", "--app", app)
    assert bad.returncode != 0 and "not a valid config var name" in bad.stderr
    assert current_version(app) == 4


def test_rollback_reuses_slug_and_config(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0                              # v1
    assert run(paasrun, "config:set", "A=1", "--app", app).returncode == 0          # v2
    (app / "hello.txt").write_text("new code\n")
    assert run(paasrun, "build", app).returncode == 0                              # v3
    assert run(paasrun, "config:set", "A=2", "--app", app).returncode == 0          # v4

    r = run(paasrun, "rollback", app)                                              # v5 = v3
    assert r.returncode == 0, r.stderr
    v5 = release_json(app, 5)
    assert v5["kind"] == "rollback" and v5["rollback_of"] == 3 and v5["description"] == "Rollback to v3"
    assert v5["slug"] == release_json(app, 3)["slug"] and v5["config_vars"] == {"A": "1"}

    r = run(paasrun, "rollback", "v1", app)                                        # v6 = v1
    assert r.returncode == 0, r.stderr
    v6 = release_json(app, 6)
    assert v6["slug"] == release_json(app, 1)["slug"] and v6["config_vars"] == {}
    assert current_version(app) == 6
    table = run(paasrun, "releases", app).stdout.splitlines()
    assert table[0].split() == ["VERSION", "CREATED", "SOURCE", "STATUS", "DESCRIPTION"]
    assert table[1].startswith("v6") and "current" in table[1] and "Rollback to v1" in table[1]
    assert [e["event"] for e in history(app) if e["version"] == 6] == ["created", "activated"]

    bad = run(paasrun, "rollback", "v99", app)
    assert bad.returncode != 0 and "release v99 does not exist" in bad.stderr


def test_retention_keeps_current_and_previous(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    (app / "paasrun.yaml").write_text("build:\n  keep_releases: 2\n")
    for i in range(4):
        (app / "hello.txt").write_text(f"{i}\n")
        assert run(paasrun, "build", app).returncode == 0
    releases = sorted(p.name for p in (app / ".paasrun" / "releases").iterdir())
    assert releases == ["v3", "v4"]
    slugs = list((app / ".paasrun" / "slugs").iterdir())
    assert len(slugs) == 2
    # Roll back to v3, then build twice more: v3 (the previous of a rollback) is the
    # rollback's target and must survive as long as it is the previous release.
    assert run(paasrun, "rollback", app).returncode == 0  # v5 = v3
    assert sorted(p.name for p in (app / ".paasrun" / "releases").iterdir()) == ["v4", "v5"]
    assert [e["version"] for e in history(app) if e["event"] == "pruned"] == [1, 2, 3]
