"""The arbiter with the real embedded-Python worker (`paasrun __worker`): the process-model
guarantees hold end to end, not only with the protocol fixture.

Apps: tests/fixtures/apps/serve/hello.py and broken_import.py.
"""
import os
import re
import signal
import threading

from conftest import FIXTURES, Proc, http_get, wait_until

APPS = FIXTURES / "apps" / "serve"
READY = re.compile(r'msg="worker ready" index=(\d+) pid=(\d+)')
GONE = re.compile(r'msg="worker (?:exited|died)" index=\d+ pid=(\d+)')


def serve(paasrun, app, *extra):
    return Proc([paasrun, "serve", app, "--chdir", str(APPS), "--bind", "127.0.0.1:0", *extra])


def port_of(proc):
    return int(proc.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))


def live_workers(proc):
    ready, gone = set(), set()
    for line in proc.output():
        if m := READY.search(line):
            ready.add(int(m.group(2)))
        if m := GONE.search(line):
            gone.add(int(m.group(1)))
    return ready - gone


def test_import_error_exits_4_once_with_the_traceback(paasrun):
    with serve(paasrun, "broken_import:application", "--workers", "2") as p:
        assert p.wait(30) == 4
        text = p.text()
        assert "this fixture never imports" in text
        assert len([l for l in text.splitlines() if 'msg="worker spawned"' in l]) == 2, text


def test_sighup_and_kill_9_under_load_fail_no_request(paasrun):
    with serve(paasrun, "hello:application", "--workers", "2") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=2", timeout=30)
        first = live_workers(p)
        failures, answers, done = [], [], threading.Event()

        def client():
            while not done.is_set():
                try:
                    status, _, body = http_get(port, "/", timeout=5)
                    (answers if status == 200 and body == b"Hello, World!" else failures).append(status)
                except OSError as e:
                    failures.append(repr(e))

        t = threading.Thread(target=client)
        t.start()
        try:
            wait_until(lambda: len(answers) >= 20, 10, what="client warmed up")
            p.signal(signal.SIGHUP)
            p.wait_for_line(r"msg=\"reload complete\" workers=2", timeout=30)
            wait_until(lambda: not (live_workers(p) & first), 30, what="old workers gone")
            seen = len(answers)
            wait_until(lambda: len(answers) >= seen + 20, 10, what="answers after the reload")
        finally:
            done.set()
            t.join(10)
        assert failures == []
        second = live_workers(p)
        assert len(second) == 2 and not (second & first)

        victim = next(iter(second))
        os.kill(victim, signal.SIGKILL)
        p.wait_for_line(rf'msg="worker died" index=\d+ pid={victim} signal=SIGKILL')
        wait_until(lambda: len(live_workers(p)) == 2 and victim not in live_workers(p), 30,
                   what="replacement")
        assert http_get(port, "/")[2] == b"Hello, World!"
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0
