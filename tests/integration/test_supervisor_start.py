"""`paasrun start`: restarts with backoff, PID 1 duties, signal forwarding (docs/supervisor.md)."""
import os
import re
import signal
import subprocess
import textwrap
import time

from conftest import FIXTURES, SYSTEM_PYTHON, Proc, wait_until

APPS = FIXTURES / "apps" / "supervisor"


def write(app_dir, name, text):
    path = app_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def proc_stat(pid):
    """(state, ppid) from /proc/PID/stat, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (FileNotFoundError, ProcessLookupError):
        return None


def zombie_children(pid):
    zombies = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = proc_stat(int(entry))
            if st and st[1] == pid and st[0] == "Z":
                zombies.append(int(entry))
    return zombies


def test_start_restarts_a_crashing_process_with_growing_delays(paasrun, app_dir):
    write(app_dir, "Procfile", f"crash: exec {SYSTEM_PYTHON} {APPS / 'crash.py'} 3\nweb: exec sleep 60\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        wait_until(lambda: len(re.findall(r"crash\.1 +\| started at=", p.text())) >= 6, 20, what="6 starts")
        assert p.p.poll() is None, "start must keep running while a process crash-loops"
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
    text = p.text()
    starts = [float(t) for t in re.findall(r"crash\.1 +\| started at=([\d.]+)", text)]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # 0.1, 0.2, 0.4, 0.8, 1.6 s (manifest defaults): every gap at least its delay, and the
    # delays grow (compared two steps apart, so interpreter start-up jitter cannot flip them).
    for gap, delay in zip(gaps, [0.1, 0.2, 0.4, 0.8, 1.6]):
        assert gap >= delay, (gaps, delay)
    assert all(b > a for a, b in zip(gaps, gaps[2:])), gaps
    # The log says what it is doing, with the counts.
    delays = [float(d) for d in re.findall(r"proc=crash\.1 crashes=\d+ restarts=\d+ restart_in=([\d.]+)s", text)]
    assert delays[:5] == [0.1, 0.2, 0.4, 0.8, 1.6]
    assert re.search(r'at=warn component=supervisor msg="crash loop" proc=crash\.1 crashes=3 restarts=2', text)
    # The supervisor's own timestamps agree with the delays it announced.
    exits = re.findall(r'time=\S+T(\d\d):(\d\d):([\d.]+)Z at=info component=supervisor msg="process exited" '
                       r'proc=crash\.1', text)
    starts_log = re.findall(r'time=\S+T(\d\d):(\d\d):([\d.]+)Z at=info component=supervisor msg="process started" '
                            r'proc=crash\.1', text)
    secs = lambda hms: int(hms[0]) * 3600 + int(hms[1]) * 60 + float(hms[2])
    for i, delay in enumerate([0.1, 0.2, 0.4, 0.8]):
        assert secs(starts_log[i + 1]) - secs(exits[i]) >= delay - 0.002


def test_backoff_resets_after_the_process_stayed_up(paasrun, app_dir):
    write(app_dir, "paasrun.yaml", """\
        restart:
          initial_delay: 0.05
          reset_after: 0.3
        """)
    write(app_dir, "Procfile", "flappy: echo up; sleep 0.4; exit 1\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        wait_until(lambda: p.text().count("flappy.1 | up") >= 4, 15, what="4 runs")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
    delays = re.findall(r"proc=flappy\.1 crashes=(\d+) restarts=\d+ restart_in=([\d.]+)s", p.text())
    assert len(delays) >= 3
    assert all(d == ("1", "0.050") for d in delays), delays


def test_restart_policy_on_failure_and_exit_when_nothing_is_left(paasrun, app_dir):
    write(app_dir, "paasrun.yaml", "restart:\n  policy: on-failure\n")
    write(app_dir, "Procfile", "once: echo done; exit 0\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        assert p.wait(10) == 0
    assert p.text().count("once.1 | done") == 1
    assert 'msg="not restarting" proc=once.1 policy=on-failure' in p.text()


def test_sigterm_stops_cleanly_with_exit_0(paasrun, app_dir):
    write(app_dir, "Procfile", "web: exec sleep 60\nworker: exec sleep 60\n")
    with Proc([paasrun, "start", str(app_dir), "-c", "worker=2"]) as p:
        p.wait_for_line(r"proc=worker\.2 pid=")
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_stop_during_a_backoff_wait_does_not_restart(paasrun, app_dir):
    write(app_dir, "paasrun.yaml", "restart:\n  initial_delay: 5\n  max_delay: 5\n")
    write(app_dir, "Procfile", "crash: echo started; exit 1\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        p.wait_for_line(r"restart_in=5\.000s")
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0
        assert time.monotonic() - t0 < 2
    assert p.text().count("crash.1 | started") == 1


def test_orphans_are_reaped_when_not_pid_1(paasrun, app_dir):
    write(app_dir, "Procfile", f"web: exec {SYSTEM_PYTHON} {APPS / 'orphan.py'}\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        m = p.wait_for_line(r"orphan pid=(\d+) reparented-to=(\d+)")
        # PR_SET_CHILD_SUBREAPER: the orphan was re-parented to paasrun, not to the host's init.
        assert int(m.group(2)) == p.pid
        orphan = int(m.group(1))
        wait_until(lambda: proc_stat(orphan) is None, 5, what="the orphan to be reaped")
        assert zombie_children(p.pid) == []
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_sigterm_ignored_is_killed_after_grace(paasrun, app_dir):
    write(app_dir, "Procfile", f"stubborn: exec {SYSTEM_PYTHON} {APPS / 'ignore_term.py'}\n")
    with Proc([paasrun, "start", str(app_dir), "-t", "1"]) as p:
        p.wait_for_line(r"stubborn\.1 +\| ready")
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 137
        assert 0.9 <= time.monotonic() - t0 < 3


def test_a_second_sigint_kills_at_once_a_second_sigterm_does_not(paasrun, app_dir):
    write(app_dir, "Procfile", f"stubborn: exec {SYSTEM_PYTHON} {APPS / 'ignore_term.py'}\n")
    with Proc([paasrun, "start", str(app_dir), "-t", "30"]) as p:
        p.wait_for_line(r"stubborn\.1 +\| ready")
        p.signal(signal.SIGTERM)
        p.wait_for_line(r'msg="stopping all processes"')
        p.signal(signal.SIGTERM)
        p.wait_for_line(r'msg="already stopping" signal=SIGTERM')
        assert p.p.poll() is None
        t0 = time.monotonic()
        p.signal(signal.SIGINT)
        assert p.wait(10) == 137
        assert time.monotonic() - t0 < 3


def test_grace_period_from_the_manifest(paasrun, app_dir):
    write(app_dir, "paasrun.yaml", "grace_period: 1\n")
    write(app_dir, "Procfile", f"stubborn: exec {SYSTEM_PYTHON} {APPS / 'ignore_term.py'}\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        p.wait_for_line(r"stubborn\.1 +\| ready")
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        assert p.wait(10) == 137
        assert 0.9 <= time.monotonic() - t0 < 3
