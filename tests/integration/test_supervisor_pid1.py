"""`paasrun start` as PID 1 of a new PID namespace (`unshare --pid --fork`, needs root):
orphans are reaped and the exit codes are the documented ones (docs/supervisor.md)."""
import os
import shutil
import signal
import textwrap
import time

import pytest

from conftest import FIXTURES, SYSTEM_PYTHON, Proc, wait_until

APPS = FIXTURES / "apps" / "supervisor"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                                reason="needs root and unshare(1) for a PID namespace")


def proc_stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (FileNotFoundError, ProcessLookupError):
        return None


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def descendants_in_state(pid, state):
    found, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            st = proc_stat(c)
            if st and st[0] == state:
                found.append(c)
            todo.append(c)
    return found


def start_as_pid1(paasrun, app_dir, *args):
    p = Proc(["unshare", "--pid", "--fork", paasrun, "start", str(app_dir), *args])
    # unshare forks: its only child is paasrun, PID 1 inside the namespace.
    kids = wait_until(lambda: children(p.pid), 10, what="paasrun under unshare")
    return p, kids[0]


def test_pid1_reaps_orphans_and_exits_0_after_a_clean_stop(paasrun, app_dir):
    (app_dir / "Procfile").write_text(f"web: exec {SYSTEM_PYTHON} {APPS / 'orphan.py'}\n"
                                      "worker: exec sleep 60\n")
    p, supervisor = start_as_pid1(paasrun, app_dir)
    with p:
        m = p.wait_for_line(r"orphan pid=\d+ reparented-to=(\d+)")
        assert m.group(1) == "1", "the orphan must be re-parented to paasrun as PID 1"
        # Its exit makes it a zombie child of PID 1 (still listed in `children`) until
        # paasrun reaps it: afterwards only web.1 and worker.1 are left, and no zombie.
        wait_until(lambda: len(children(supervisor)) == 2 and not descendants_in_state(supervisor, "Z"),
                   5, what="the orphan reaped by PID 1")
        os.kill(supervisor, signal.SIGTERM)  # a container runtime signals PID 1 itself
        assert p.wait(10) == 0
    assert 'msg=stopped exit_code=0 forced=false' in p.text()


def test_pid1_grace_period_sigkill_exit_code(paasrun, app_dir):
    (app_dir / "Procfile").write_text(f"stubborn: exec {SYSTEM_PYTHON} {APPS / 'ignore_term.py'}\n")
    p, supervisor = start_as_pid1(paasrun, app_dir, "-t", "1")
    with p:
        p.wait_for_line(r"stubborn\.1 +\| ready")
        t0 = time.monotonic()
        os.kill(supervisor, signal.SIGTERM)
        assert p.wait(10) == 137
        assert time.monotonic() - t0 < 3
