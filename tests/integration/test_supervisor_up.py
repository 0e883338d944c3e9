"""`paasrun up`: the formation in the foreground (docs/supervisor.md)."""
import os
import pty
import re
import signal
import subprocess
import sys
import textwrap
import time

from conftest import FIXTURES, SYSTEM_PYTHON, Proc, wait_until

APPS = FIXTURES / "apps" / "supervisor"
LINE = re.compile(r"^(\d\d:\d\d:\d\d) (\S+) +\| (.*)$")


def write(app_dir, name, text):
    path = app_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


# `up` builds the app into a release first (docs/supervisor.md, "What runs"): its own
# progress lines ("-----> ..." and indented buildpack output) come before the formation's.
BUILD_LINE = re.compile(r"^(-----> |       )")


def relayed(proc):
    """(name, text) for every prefixed line; fails on any line without a valid prefix."""
    out = []
    for line in proc.output():
        if BUILD_LINE.match(line):
            continue
        m = LINE.match(line)
        assert m, f"line without the HH:MM:SS name | prefix: {line!r}"
        out.append((m.group(2), m.group(3)))
    return out


def lines_of(proc, name):
    return [text for n, text in relayed(proc) if n == name]


def started_pids(proc):
    return [int(m) for m in re.findall(r'system +\| \S+ started \(pid (\d+)', proc.text())]


def gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] == "Z"  # a zombie is as good as gone here
    except FileNotFoundError:
        return True


def test_types_and_counts_ports_and_dyno(paasrun, app_dir):
    write(app_dir, "Procfile", """\
        web: echo "PORT=$PORT DYNO=$DYNO"; exec sleep 30
        worker: echo "PORT=$PORT DYNO=$DYNO"; exec sleep 30
        clock: echo "PORT=$PORT DYNO=$DYNO"; exec sleep 30
        release: touch released
        """)
    with Proc([paasrun, "up", str(app_dir), "-c", "web=2,worker=3", "-p", "7000"]) as p:
        for name in ["web.1", "web.2", "worker.1", "worker.2", "worker.3", "clock.1"]:
            p.wait_for_line(rf"^\S+ {re.escape(name)} +\| PORT=")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
    got = {n: t for n, t in relayed(p) if n != "system"}
    assert got == {
        "web.1": "PORT=7000 DYNO=web.1", "web.2": "PORT=7001 DYNO=web.2",
        "worker.1": "PORT=7100 DYNO=worker.1", "worker.2": "PORT=7101 DYNO=worker.2",
        "worker.3": "PORT=7102 DYNO=worker.3", "clock.1": "PORT=7200 DYNO=clock.1",
    }
    # The release phase ran once, at the build, in place (docs/supervisor.md); never as a process.
    assert (app_dir / "released").exists()
    assert "release.1" not in p.text()


def test_default_base_port_and_port_from_env(paasrun, app_dir):
    write(app_dir, "Procfile", "web: echo PORT=$PORT; exec sleep 30\nworker: echo PORT=$PORT; exec sleep 30\n")
    for env, base in (({}, 5000), ({"PORT": "6000"}, 6000)):
        with Proc([paasrun, "up", str(app_dir)], env=env) as p:
            p.wait_for_line(rf"web\.1 +\| PORT={base}$")
            p.wait_for_line(rf"worker\.1 +\| PORT={base + 100}$")
            p.signal(signal.SIGTERM)
            assert p.wait(10) == 0


def test_lines_are_whole_and_prefixed(paasrun, app_dir):
    count, length = 300, 3000
    names = ["a", "b", "c"]
    write(app_dir, "Procfile", "".join(
        f"{n}: {SYSTEM_PYTHON} {APPS / 'chatty.py'} {n} {count} {length}; exec sleep 30\n" for n in names))
    with Proc([paasrun, "up", str(app_dir)]) as p:
        for n in names:
            p.wait_for_line(rf"^\S+ {n}\.1 +\| {n}:done$", timeout=30)
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
    for n in names:
        lines = lines_of(p, f"{n}.1")
        for stream in ("out", "err"):
            mine = [l for l in lines if l.startswith(f"{n}:{stream}:")]
            assert len(mine) == count
            for i, text in enumerate(mine):
                head = f"{n}:{stream}:{i}:"
                assert text == head + "x" * (length - len(head)), f"line {i} of {n} {stream} is not whole"
        assert lines[-1] == f"{n}:done"


def test_a_partial_last_line_is_flushed_at_exit(paasrun, app_dir):
    write(app_dir, "Procfile", "web: printf 'first\\nno newline at exit'\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        assert p.wait(10) == 0
    assert lines_of(p, "web.1") == ["first", "no newline at exit"]
    assert p.output()[-1].endswith("stopped, exit code 0")  # the exit line comes after the output


def test_no_colour_on_a_pipe_colour_on_a_tty(paasrun, app_dir):
    write(app_dir, "Procfile", "web: echo hi\n")
    out = subprocess.run([paasrun, "up", str(app_dir)], capture_output=True, timeout=20)
    assert b"web.1" in out.stdout and b"\x1b[" not in out.stdout

    def on_tty(extra_env):
        master, slave = pty.openpty()
        env = dict(os.environ, **extra_env)
        env.pop("NO_COLOR", None) if "NO_COLOR" not in extra_env else None
        proc = subprocess.Popen([paasrun, "up", str(app_dir)], stdin=subprocess.DEVNULL, stdout=slave,
                                stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the pty's other side is closed
                break
            if not chunk:
                break
            data += chunk
        proc.wait(20)
        os.close(master)
        return data

    coloured = on_tty({})
    assert b"web.1" in coloured and b"\x1b[" in coloured
    plain = on_tty({"NO_COLOR": "1"})
    assert b"web.1" in plain and b"\x1b[" not in plain


def test_dotenv_loading_and_precedence(paasrun, app_dir):
    write(app_dir, ".env", """\
        # comment
        export GREETING="hello\\nworld"
        RAW='single $RAW\\n'
        FROM_ENV=dotenv
        """)
    write(app_dir, "other.env", "GREETING=other\n")
    write(app_dir, "Procfile", "web: printf '%s|%s|%s\\n' \"$GREETING\" \"$RAW\" \"$FROM_ENV\"\n")
    with Proc([paasrun, "up", str(app_dir)], env={"FROM_ENV": "process"}) as p:
        assert p.wait(10) == 0
    texts = lines_of(p, "web.1")
    # Double quotes expand \n; the process environment beats .env (config/settings.hpp).
    assert texts[:2] == ["hello", "world|single $RAW\\n|process"]
    with Proc([paasrun, "up", str(app_dir), "-e", str(app_dir / "other.env")]) as p:
        assert p.wait(10) == 0
    assert lines_of(p, "web.1")[0].startswith("other|")


def test_profile_d_venv_and_paasrun_on_path(paasrun, app_dir):
    write(app_dir, ".profile.d/10-first.sh", "export FROM_PROFILE=one\n")
    write(app_dir, ".profile.d/20-second.sh", "export FROM_PROFILE=\"$FROM_PROFILE two\"\n")
    # A developer's local .venv is not source: the release (a slug of the source as it is)
    # runs without it; `run` in a directory without a release still uses it.
    tool = write(app_dir, ".venv/bin/apptool", "#!/bin/sh\necho apptool from venv\n")
    tool.chmod(0o755)
    write(app_dir, "Procfile", textwrap.dedent("""\
        web: echo "profile=$FROM_PROFILE venv=${VIRTUAL_ENV:-none} cwd=$(pwd)"; paasrun --version
        """))
    r = subprocess.run([paasrun, "run", str(app_dir), "--", "apptool"], env=dict(os.environ, PATH="/usr/bin:/bin"),
                       capture_output=True, text=True, timeout=30)
    assert r.stdout == "apptool from venv\n", r.stdout + r.stderr
    with Proc([paasrun, "up", str(app_dir)], env={"PATH": "/usr/bin:/bin"}) as p:
        assert p.wait(30) == 0
    texts = lines_of(p, "web.1")
    # In place: cwd is the source dir; the profile scripts are the build's (the slug's copy).
    assert texts[0] == f"profile=one two venv=none cwd={app_dir}", texts
    assert texts[1].startswith("paasrun/"), texts  # paasrun --version found through PATH


def test_sigterm_stops_everything_cleanly(paasrun, app_dir):
    write(app_dir, "Procfile", "web: exec sleep 60\nworker: sleep 60; echo never\n")
    with Proc([paasrun, "up", str(app_dir), "-c", "web=2"]) as p:
        p.wait_for_line(r'worker\.1 started \(pid ')
        pids = started_pids(p)
        assert len(pids) == 3
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
        assert time.monotonic() - t0 < 2
    assert all(gone(pid) for pid in pids)
    assert lines_of(p, "worker.1") == []
    assert re.search(r"system +\| stopped, exit code 0$", p.text(), re.M)


def test_sigint_is_a_graceful_stop_too(paasrun, app_dir):
    write(app_dir, "Procfile", "web: exec sleep 60\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r'web\.1 started \(pid ')
        p.signal(signal.SIGINT)
        assert p.wait(10) == 0


def test_sigterm_ignored_gets_sigkill_after_the_grace_period(paasrun, app_dir):
    write(app_dir, "Procfile", f"stubborn: exec {SYSTEM_PYTHON} {APPS / 'ignore_term.py'}\n"
                               "web: exec sleep 60\n")
    with Proc([paasrun, "up", str(app_dir), "-t", "2"]) as p:
        p.wait_for_line(r"stubborn\.1 +\| ready")
        pids = started_pids(p)
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        p.wait_for_line(r"web\.1 was killed by SIGTERM")
        rc = p.wait(10)
        took = time.monotonic() - t0
    assert rc == 137, "a stop that needed SIGKILL exits 137 (docs/supervisor.md)"
    assert 1.9 <= took < 4, took
    assert re.search(r"stubborn\.1 was killed by SIGKILL", p.text())
    assert all(gone(pid) for pid in pids)


def test_up_exits_with_the_code_of_the_first_process_to_exit(paasrun, app_dir):
    write(app_dir, "Procfile", "web: exec sleep 60\nfail: sleep 0.3; exit 7\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        rc = p.wait(10)
        pids = started_pids(p)
    assert rc == 7
    assert re.search(r'system +\| stopping all processes \(fail\.1 exited\)', p.text())
    assert all(gone(pid) for pid in pids)


def test_up_exit_code_of_a_process_killed_by_a_signal(paasrun, app_dir):
    write(app_dir, "Procfile", "web: exec sleep 60\nboom: sleep 0.2; kill -9 $$\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        assert p.wait(10) == 128 + 9


def test_up_restart_keeps_going(paasrun, app_dir):
    write(app_dir, "Procfile", "flaky: echo run; exit 1\nweb: exec sleep 60\n")
    with Proc([paasrun, "up", str(app_dir), "--restart"]) as p:
        wait_until(lambda: lines_of(p, "flaky.1").count("run") >= 3, 10, what="3 runs")
        assert p.p.poll() is None
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_hup_usr1_usr2_are_forwarded(paasrun, app_dir):
    write(app_dir, "Procfile", f"a: exec {SYSTEM_PYTHON} {APPS / 'traps.py'}\n"
                               f"b: exec {SYSTEM_PYTHON} {APPS / 'traps.py'}\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"a\.1 +\| ready")
        p.wait_for_line(r"b\.1 +\| ready")
        for sig in (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            p.signal(sig)
            p.wait_for_line(rf"a\.1 +\| got {sig.name}")
            p.wait_for_line(rf"b\.1 +\| got {sig.name}")
        assert p.p.poll() is None
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_procfile_option_runs_that_files_process_types(paasrun, app_dir):
    # foreman's `-f Procfile.dev`: the dev file's types run, not DIR/Procfile's, also in
    # the release `up` builds (docs/supervisor.md, "-f FILE").
    write(app_dir, "Procfile", "web: echo from-procfile; exec sleep 30\n")
    write(app_dir, "Procfile.dev", "web: echo from-dev; exec sleep 30\ndevworker: echo dev-worker; exec sleep 30\n")
    with Proc([paasrun, "up", "-f", "Procfile.dev"], cwd=app_dir) as p:
        p.wait_for_line(r"^\S+ web\.1 +\| from-dev$")
        p.wait_for_line(r"^\S+ devworker\.1 +\| dev-worker$")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
    assert "from-procfile" not in p.text()
    assert "-f is ignored" not in p.text()
    # A second run without -f (same release) runs DIR/Procfile again.
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"^\S+ web\.1 +\| from-procfile$")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
    assert "devworker" not in p.text()


def test_procfile_option_outside_the_app_or_missing_is_refused(paasrun, tmp_path):
    app_dir = tmp_path / "app"
    write(app_dir, "Procfile", "web: exec sleep 30\n")
    other = tmp_path / "elsewhere"
    other.mkdir()
    write(other, "Procfile.dev", "web: exec sleep 30\n")
    r = subprocess.run([paasrun, "up", str(app_dir), "-f", str(other / "Procfile.dev")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "must be a file inside the app directory" in r.stderr
    r = subprocess.run([paasrun, "up", str(app_dir), "-f", str(app_dir / "Procfile.nope")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "Procfile.nope: no such file" in r.stderr
    assert not (app_dir / ".paasrun").exists(), "refused before anything was built"
