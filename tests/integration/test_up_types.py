"""`paasrun up [DIR] [TYPE...]` (foreman's `start web`), several `-e` files, and which exits
stop `up` (honcho#175: a process that finishes with 0 leaves the others running unless it is
web). docs/supervisor.md."""
import re
import signal
import subprocess
import textwrap

from conftest import Proc, wait_until

LINE = re.compile(r"^\d\d:\d\d:\d\d (\S+) +\| (.*)$")


def write(app_dir, name, text):
    path = app_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def pid_of(proc, name):
    """The pid of the last start of `name` (the human or the logfmt form of the line)."""
    pids = re.findall(rf"{re.escape(name)} started \(pid (\d+)|proc={re.escape(name)} pid=(\d+)", proc.text())
    assert pids, proc.text()
    return int(pids[-1][0] or pids[-1][1])


def names(proc):
    return {m.group(1) for m in map(LINE.match, proc.output()) if m and m.group(1) != "system"}


def lines_of(proc, name):
    return [m.group(2) for m in map(LINE.match, proc.output()) if m and m.group(1) == name]


PROCFILE = """\
    web: echo "PORT=$PORT"; exec sleep 60
    worker: echo "PORT=$PORT"; exec sleep 60
    clock: echo "PORT=$PORT"; exec sleep 60
    """


def test_only_the_named_types_start_with_their_usual_ports(paasrun, app_dir):
    write(app_dir, "Procfile", PROCFILE)
    with Proc([paasrun, "up", str(app_dir), "worker", "clock", "-p", "7000"]) as p:
        p.wait_for_line(r"worker\.1 +\| PORT=", timeout=60)
        p.wait_for_line(r"clock\.1 +\| PORT=", timeout=10)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    assert names(p) == {"worker.1", "clock.1"}, p.text()
    assert lines_of(p, "worker.1") == ["PORT=7100"]
    assert lines_of(p, "clock.1") == ["PORT=7200"]


def test_types_with_the_app_given_by_a_or_the_cwd(paasrun, app_dir):
    write(app_dir, "Procfile", PROCFILE)
    with Proc([paasrun, "up", "-a", str(app_dir), "web"]) as p:
        p.wait_for_line(r"web\.1 +\| PORT=", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    assert names(p) == {"web.1"}
    with Proc([paasrun, "up", "clock"], cwd=str(app_dir)) as p:
        p.wait_for_line(r"clock\.1 +\| PORT=", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    assert names(p) == {"clock.1"}


def test_an_unknown_type_is_refused_with_a_suggestion(paasrun, app_dir):
    write(app_dir, "Procfile", PROCFILE)
    r = subprocess.run([paasrun, "up", str(app_dir), "wroker"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    assert 'process type "wroker" is not in the Procfile; did you mean "worker"?' in r.stderr, r.stderr
    r = subprocess.run([paasrun, "up", str(app_dir), "release"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "release phase" in r.stderr, r.stderr


def test_several_env_files_merge_in_order(paasrun, app_dir):
    write(app_dir, "Procfile", 'web: echo "A=$A B=$B C=$C"; exec sleep 60\n')
    write(app_dir, "one.env", "A=1\nB=1\n")
    write(app_dir, "two.env", "B=2\nC=2\n")
    write(app_dir, "three.env", "C=3\n")
    with Proc([paasrun, "up", str(app_dir), "-e", str(app_dir / "one.env"), "-e",
               f"{app_dir / 'two.env'},{app_dir / 'three.env'}"]) as p:
        p.wait_for_line(r"web\.1 +\| A=", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    assert lines_of(p, "web.1") == ["A=1 B=2 C=3"]
    r = subprocess.run([paasrun, "up", str(app_dir), "-e", str(app_dir / "one.env"), "-e", str(app_dir / "none.env")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "none.env does not exist" in r.stderr, r.stderr


def test_a_one_shot_process_that_exits_0_leaves_the_others_running(paasrun, app_dir):
    write(app_dir, "Procfile", """\
        web: echo up; exec sleep 60
        setup: echo set up
        """)
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"setup\.1 +\| set up", timeout=60)
        p.wait_for_line(r"setup\.1 .*(exited|finished)", timeout=10)
        p.wait_for_line(r"web\.1 +\| up", timeout=10)
        web_pid = pid_of(p, "web.1")
        # web keeps running after setup finished: up is still there, and so is web.
        assert p.p.poll() is None
        assert (open(f"/proc/{web_pid}/stat").read().split(") ")[1][0]) != "Z"
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_a_crash_still_stops_everything(paasrun, app_dir):
    write(app_dir, "Procfile", """\
        web: exec sleep 60
        setup: exit 3
        """)
    with Proc([paasrun, "up", str(app_dir)]) as p:
        assert p.wait(60) == 3, p.text()


def test_web_exiting_0_stops_everything(paasrun, app_dir):
    write(app_dir, "Procfile", """\
        web: echo bye
        worker: exec sleep 60
        """)
    with Proc([paasrun, "up", str(app_dir)]) as p:
        assert p.wait(60) == 0, p.text()
    assert re.search(r"stopping|stopped", p.text())


def test_everything_finishing_with_0_ends_up_with_0(paasrun, app_dir):
    write(app_dir, "Procfile", """\
        one: echo one
        two: echo two
        """)
    with Proc([paasrun, "up", str(app_dir)]) as p:
        assert p.wait(60) == 0, p.text()
    assert lines_of(p, "one.1") == ["one"] and lines_of(p, "two.1") == ["two"]
