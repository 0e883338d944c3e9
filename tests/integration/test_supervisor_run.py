"""`paasrun run [DIR] -- CMD ARGS...`: one-off commands (docs/supervisor.md)."""
import os
import signal
import subprocess
import textwrap
import time

from conftest import Proc


def run(paasrun, *args, cwd=None, env=None, input=None):
    full_env = dict(os.environ)
    full_env.pop("PORT", None)
    full_env.update(env or {})
    return subprocess.run([paasrun, "run", *args], cwd=cwd, env=full_env, input=input,
                          capture_output=True, text=True, timeout=20)


def test_exit_codes_pass_through(paasrun, app_dir):
    assert run(paasrun, str(app_dir), "--", "sh", "-c", "exit 42").returncode == 42
    assert run(paasrun, str(app_dir), "--", "true").returncode == 0
    assert run(paasrun, str(app_dir), "--", "exit 5").returncode == 5  # one argument: a shell line


def test_not_found_is_127_not_executable_is_126(paasrun, app_dir):
    r = run(paasrun, str(app_dir), "--", "no-such-command-xyz", "arg")
    assert r.returncode == 127
    assert "no-such-command-xyz" in r.stderr
    script = app_dir / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    assert run(paasrun, str(app_dir), "--", "./not-executable.sh", "x").returncode == 126
    assert run(paasrun, str(app_dir), "--", "./not-executable.sh").returncode == 126
    assert run(paasrun, str(app_dir), "--", str(app_dir)).returncode == 126  # a directory


def test_killed_by_a_signal_is_128_plus_n(paasrun, app_dir):
    assert run(paasrun, str(app_dir), "--", "sh", "-c", "kill -9 $$").returncode == 128 + 9
    assert run(paasrun, str(app_dir), "--", "sh", "-c", "kill -TERM $$").returncode == 128 + 15


def test_runs_in_the_app_environment(paasrun, app_dir):
    (app_dir / "paasrun.yaml").write_text("env:\n  FROM_MANIFEST: manifest\n  SHARED: manifest\n")
    (app_dir / "extra.env").write_text("SHARED=dotenv\n")
    (app_dir / ".profile.d").mkdir()
    (app_dir / ".profile.d" / "x.sh").write_text("export FROM_PROFILE=yes\n")
    r = run(paasrun, "-e", str(app_dir / "extra.env"), str(app_dir), "--",
            "sh", "-c", 'echo "$FROM_MANIFEST $SHARED $FROM_PROFILE $DYNO $(pwd)"')
    assert r.returncode == 0, r.stderr
    words = r.stdout.split()
    assert words[:3] == ["manifest", "dotenv", "yes"]
    assert words[3].startswith("run.")
    assert words[4] == str(app_dir)


def test_dir_defaults_to_the_current_directory(paasrun, app_dir):
    r = run(paasrun, "--", "pwd", cwd=app_dir)
    assert r.returncode == 0
    assert r.stdout.strip() == str(app_dir)


def test_arguments_are_not_re_split(paasrun, app_dir):
    r = run(paasrun, str(app_dir), "--", "printf", "[%s]", "a b", "$HOME", "-x", "[x,y]", "--")
    assert r.stdout == "[a b][$HOME][-x][[x,y]][--]"


def test_stdin_is_inherited(paasrun, app_dir):
    r = run(paasrun, str(app_dir), "--", "cat", input="piped in\n")
    assert r.stdout == "piped in\n"


def test_sigterm_is_forwarded(paasrun, app_dir):
    with Proc([paasrun, "run", str(app_dir), "--", "sh", "-c",
               "trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done"]) as p:
        p.wait_for_line("ready")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 3
    assert "got TERM" in p.text()


def test_missing_command_is_an_error(paasrun, app_dir):
    r = run(paasrun, str(app_dir))
    assert r.returncode != 0
