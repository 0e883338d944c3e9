"""kill -9 at the worst moments of a build and of an activation leaves the previous current
release intact and usable, and the next build cleans up and succeeds.

The compile and release-phase windows are hit by timing (the fixture buildpack and the
release command announce themselves, then wait). The windows inside paasrun's own writes
(release dir written but not renamed, around the `current` symlink swap) are microseconds
long, so those use the test-only pause points of src/util/test_hooks.hpp
(PAASRUN_TEST_PAUSE_AT)."""
import os
import pathlib
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from conftest import Proc  # noqa: E402
from buildtest import assert_current_intact, hello_app, offline_env, run, state  # noqa: E402


def start_build(paasrun, app, **env):
    return Proc([paasrun, "build", str(app)], env={k: v for k, v in offline_env(**env).items()})


def check_recovers(paasrun, app, expected_current):
    assert_current_intact(app, expected_current)
    (app / "slow-compile").unlink(missing_ok=True)
    (app / "Procfile").write_text("web: python3 -m http.server $PORT\n")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    # No unfinished slug, temp release dir or scratch dir survives the next writer.
    assert all((s / "slug.json").exists() for s in (state(app) / "slugs").iterdir())
    assert not [p for p in (state(app) / "releases").iterdir() if p.name.startswith(".tmp-")]
    assert not list((state(app) / "tmp").iterdir())


def test_kill9_during_compile(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    (app / "slow-compile").write_text("")
    with start_build(paasrun, app) as p:
        p.wait_for_line("compile is slow on purpose", timeout=30)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    assert_current_intact(app, 1)
    check_recovers(paasrun, app, 1)


def test_kill9_during_release_phase(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    (app / "Procfile").write_text("web: python3 -m http.server $PORT\nrelease: echo release-started; sleep 60\n")
    with start_build(paasrun, app) as p:
        p.wait_for_line("release-started", timeout=30)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    assert_current_intact(app, 1)
    check_recovers(paasrun, app, 1)


@pytest.mark.parametrize("point", ["slug:before-commit", "release:before-rename", "activate:before-swap"])
def test_kill9_inside_store_writes(paasrun, tmp_path, point):
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    (app / "hello.txt").write_text("v2\n")
    with start_build(paasrun, app, PAASRUN_TEST_PAUSE_AT=point) as p:
        p.wait_for_line(f"paused at {point}", timeout=30)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    assert_current_intact(app, 1)
    check_recovers(paasrun, app, 1)


def test_kill9_after_swap_before_history(paasrun, tmp_path):
    """Killed after `current` moved but before the history line: the new release is current
    and complete, and `releases` shows it as current."""
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0
    (app / "hello.txt").write_text("v2\n")
    with start_build(paasrun, app, PAASRUN_TEST_PAUSE_AT="activate:after-swap") as p:
        p.wait_for_line("paused at activate:after-swap", timeout=30)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    assert_current_intact(app, 2)
    table = run(paasrun, "releases", app).stdout.splitlines()
    assert table[1].startswith("v2") and "current" in table[1]


ACTIVATION_STEPS = ["activate:before-swap", "activate:after-link", "activate:after-rename",
                    "activate:after-swap", "activate:after-history"]


@pytest.mark.parametrize("point", ACTIVATION_STEPS)
def test_kill9_at_every_activation_step_keeps_the_history_truthful(paasrun, tmp_path, point):
    """ALICE-style: `paasrun build` of v2 is killed at each step of its activation. Whatever
    the step, once the next writer ran: current == the last `activated` in the history, a
    release that served is `succeeded` (never `pending` or "interrupted"), and the default
    rollback goes back to the release that really served before the current one."""
    from buildtest import history, release_json
    app = hello_app(tmp_path / "app")
    assert run(paasrun, "build", app).returncode == 0                                  # v1
    (app / "hello.txt").write_text("v2\n")
    with start_build(paasrun, app, PAASRUN_TEST_PAUSE_AT=point) as p:
        p.wait_for_line(f"paused at {point}", timeout=30)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    served = 2 if point in ("activate:after-rename", "activate:after-swap", "activate:after-history") else 1
    assert_current_intact(app, served)

    (app / "hello.txt").write_text("v3\n")
    r = run(paasrun, "build", app)                                                      # v3
    assert r.returncode == 0, r.stdout + r.stderr

    def last_activated():
        return [e["version"] for e in history(app) if e["event"] == "activated"][-1]
    assert last_activated() == 3
    table = run(paasrun, "releases", app).stdout
    v2_line = next(l for l in table.splitlines() if l.startswith("v2 "))
    if served == 2:
        assert "succeeded" in v2_line, table
    r = run(paasrun, "rollback", app)                                                   # v4
    assert r.returncode == 0, r.stdout + r.stderr
    assert release_json(app, 4)["rollback_of"] == served
    assert last_activated() == 4
