"""`paasrun serve` arbiter: keeping N workers alive and replacing them.

kill -9 of a worker, SIGHUP rolling restart under a steady client (zero failures),
SIGTTIN/SIGTTOU, a silent worker (stack dump then SIGKILL), RECYCLE after --max-requests,
and backoff for a worker that keeps crashing. Workers are the protocol fixture
tests/fixtures/serve_process/fixture_worker.py (hidden --worker-cmd).
"""
import os
import re
import signal
import threading

from conftest import FIXTURES, SYSTEM_PYTHON, Proc, http_get, wait_until

WORKER_CMD = f"{SYSTEM_PYTHON},{FIXTURES / 'serve_process' / 'fixture_worker.py'}"
READY = re.compile(r'msg="worker ready" index=(\d+) pid=(\d+)')
GONE = re.compile(r'msg="worker (?:exited|died)" index=\d+ pid=(\d+)')


def serve(paasrun, *extra, app="fixture:ok"):
    return Proc([paasrun, "serve", app, "--bind", "127.0.0.1:0", "--worker-cmd", WORKER_CMD, *extra])


def port_of(proc):
    return int(proc.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))


def live_workers(proc):
    """pid -> index of workers that reported READY and have not been reaped."""
    ready, gone = {}, set()
    for line in proc.output():
        if m := READY.search(line):
            ready[int(m.group(2))] = int(m.group(1))
        if m := GONE.search(line):
            gone.add(int(m.group(1)))
    return {pid: idx for pid, idx in ready.items() if pid not in gone}


def stop(proc):
    proc.signal(signal.SIGTERM)
    assert proc.wait(15) == 0


def test_killed_worker_is_replaced(paasrun):
    with serve(paasrun, "--workers", "2") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=2")
        victim = next(iter(live_workers(p)))
        os.kill(victim, signal.SIGKILL)
        p.wait_for_line(rf'msg="worker died" index=\d+ pid={victim} signal=SIGKILL')
        wait_until(lambda: len(live_workers(p)) == 2 and victim not in live_workers(p), 10,
                   what="replacement worker ready")
        assert http_get(port, "/")[0] == 200
        stop(p)


def test_sighup_replaces_every_worker_without_a_failed_request(paasrun):
    with serve(paasrun, "--workers", "2") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=2")
        before = set(live_workers(p))
        failures, answers, done = [], [], threading.Event()

        def client():
            while not done.is_set():
                try:
                    status, _, body = http_get(port, "/", timeout=5)
                    (answers if status == 200 else failures).append(body)
                except OSError as e:
                    failures.append(repr(e))

        t = threading.Thread(target=client)
        t.start()
        try:
            wait_until(lambda: len(answers) >= 5, 10, what="client warmed up")
            p.signal(signal.SIGHUP)
            p.wait_for_line(r"msg=\"reload complete\" workers=2", timeout=20)
            wait_until(lambda: not (set(live_workers(p)) & before), 20, what="old workers gone")
            seen = len(answers)
            wait_until(lambda: len(answers) >= seen + 5, 10, what="answers from the new workers")
        finally:
            done.set()
            t.join(10)
        assert failures == []
        after = set(live_workers(p))
        assert len(after) == 2 and not (after & before)
        new_bodies = {b for b in answers[-5:]}
        assert all(any(f"pid={pid}".encode() in b for pid in after) for b in new_bodies)
        stop(p)


def test_sigttin_and_sigttou_change_the_worker_count(paasrun):
    with serve(paasrun, "--workers", "1") as p:
        p.wait_for_line(r"msg=ready workers=1")
        p.signal(signal.SIGTTIN)
        p.wait_for_line(r"msg=\"worker count changed\" from=1 to=2")
        wait_until(lambda: len(live_workers(p)) == 2, 10, what="2 workers")
        p.signal(signal.SIGTTOU)
        p.wait_for_line(r"msg=\"worker count changed\" from=2 to=1")
        wait_until(lambda: len(live_workers(p)) == 1, 10, what="1 worker")
        assert set(live_workers(p).values()) == {1}  # the highest slot was drained
        p.signal(signal.SIGTTOU)  # never below one
        p.wait_for_line(r"msg=\"worker count unchanged\" target=1 requested=0")
        stop(p)


def test_silent_worker_gets_a_stack_dump_then_is_replaced(paasrun):
    with serve(paasrun, "--workers", "1", "--timeout", "1") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=1")
        (victim,) = live_workers(p)
        threading.Thread(target=lambda: _ignore(lambda: http_get(port, "/hang", timeout=15)),
                         daemon=True).start()
        p.wait_for_line(rf"msg=\"worker timeout, dumping stacks\" index=1 pid={victim}", timeout=10)
        p.wait_for_line(r"File \".*fixture_worker\.py\", line \d+ in handle", timeout=10)  # faulthandler
        p.wait_for_line(rf"msg=\"killing worker\" index=1 pid={victim} reason=timeout", timeout=10)
        p.wait_for_line(rf'msg="worker died" index=1 pid={victim} signal=SIGKILL.* reason=timeout')
        wait_until(lambda: len(live_workers(p)) == 1 and victim not in live_workers(p), 10,
                   what="replacement")
        assert http_get(port, "/")[0] == 200
        stop(p)


def test_worker_asking_to_recycle_is_replaced_before_it_stops(paasrun):
    with serve(paasrun, "--workers", "1", "--max-requests", "3") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=1")
        (old,) = live_workers(p)
        for _ in range(3):
            assert http_get(port, "/")[0] == 200
        p.wait_for_line(rf"msg=\"worker asked to be recycled\" index=1 pid={old} reason=max-requests")
        m = p.wait_for_line(rf"msg=\"replacing worker\" index=1 old_pid={old} new_pid=(\d+)")
        new = int(m.group(1))
        p.wait_for_line(rf'msg="worker exited" index=1 pid={old} exit=0 ')
        # The replacement was READY before the old worker was told to stop.
        lines = p.output()
        ready_at = next(i for i, l in enumerate(lines) if f"pid={new}" in l and "worker ready" in l)
        replace_at = next(i for i, l in enumerate(lines) if "replacing worker" in l)
        assert ready_at < replace_at
        assert f"pid={new}".encode() in http_get(port, "/")[2]
        stop(p)


def test_crashing_worker_backs_off(paasrun):
    with serve(paasrun, "--workers", "1", app="fixture:crash") as p:
        p.wait_for_line(r"msg=\"worker keeps dying, backing off\" index=1 failures=2 delay_ms=250")
        p.wait_for_line(r"msg=\"worker keeps dying, backing off\" index=1 failures=3 delay_ms=500")
        stop(p)
        assert "msg=ready" not in p.text()


def _ignore(fn):
    try:
        fn()
    except OSError:
        pass
