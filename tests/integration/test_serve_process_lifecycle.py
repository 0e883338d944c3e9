"""`paasrun serve` arbiter: start, readiness, graceful and immediate stop, boot errors.

Workers here are the protocol fixture tests/fixtures/serve_process/fixture_worker.py
(via the hidden --worker-cmd), so these tests exercise the arbiter alone: they hold whether
or not the embedded-Python worker is built.
"""
import signal
import threading

from conftest import FIXTURES, SYSTEM_PYTHON, Proc, http_get

WORKER_CMD = f"{SYSTEM_PYTHON},{FIXTURES / 'serve_process' / 'fixture_worker.py'}"


def serve(paasrun, app="fixture:ok", *extra, env=None):
    return Proc([paasrun, "serve", app, "--bind", "127.0.0.1:0", "--worker-cmd", WORKER_CMD, *extra], env=env)


def port_of(proc):
    return int(proc.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))


def spawned(proc):
    return [l for l in proc.output() if 'msg="worker spawned"' in l]


def test_ready_after_every_worker_booted_then_serves(paasrun):
    with serve(paasrun, "fixture:ok", "--workers", "3") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=3")
        assert len([l for l in p.output() if 'msg="worker ready"' in l]) == 3
        status, _, body = http_get(port, "/")
        assert status == 200 and body.startswith(b"pid=")
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_sigterm_finishes_the_request_in_flight(paasrun):
    with serve(paasrun, "fixture:ok", "--workers", "1") as p:
        port = port_of(p)
        p.wait_for_line(r"msg=ready workers=1")
        result = {}

        def slow():
            result["r"] = http_get(port, "/slow?ms=1500", timeout=10)

        t = threading.Thread(target=slow)
        t.start()
        p.wait_for_line(r"fixture worker \d+ handling /slow")
        p.signal(signal.SIGTERM)
        t.join(10)
        assert result["r"][0] == 200
        assert p.wait(15) == 0
        assert any("graceful stop" in l for l in p.output())


def test_sigint_is_graceful_too(paasrun):
    with serve(paasrun, "fixture:ok", "--workers", "2") as p:
        p.wait_for_line(r"msg=ready workers=2")
        p.signal(signal.SIGINT)
        assert p.wait(15) == 0
        assert len([l for l in p.output() if " exit=0 " in l]) == 2


def test_sigquit_stops_at_once(paasrun):
    with serve(paasrun, "fixture:ok", "--workers", "2", "--graceful-timeout", "60") as p:
        p.wait_for_line(r"msg=ready workers=2")
        p.signal(signal.SIGQUIT)
        assert p.wait(5) == 0
        assert any("immediate stop" in l for l in p.output())


def test_import_error_exits_once_with_the_app_load_code(paasrun):
    with serve(paasrun, "fixture:import_error", "--workers", "2") as p:
        rc = p.wait(15)
        assert rc == 4
        text = p.text()
        assert "Traceback (most recent call last)" in text
        assert "ImportError" in text
        assert len(spawned(p)) == 2, text  # no respawn loop
        assert "worker failed to boot" in text


def test_boot_error_exits_with_the_boot_code(paasrun):
    with serve(paasrun, "fixture:boot_error", "--workers", "1") as p:
        assert p.wait(15) == 3
        assert len(spawned(p)) == 1


def test_missing_worker_binary_is_a_boot_error_not_a_loop(paasrun):
    with Proc([paasrun, "serve", "app:application", "--bind", "127.0.0.1:0",
               "--worker-cmd", "/nonexistent/worker"]) as p:
        assert p.wait(15) == 3
        # exec's errno comes back to the arbiter (process/spawn.hpp): no worker ever ran
        assert not spawned(p)
        assert "cannot start worker" in p.text()
        assert "cannot run '/nonexistent/worker': No such file or directory" in p.text()


def test_bind_failure_exits_1(paasrun):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with Proc([paasrun, "serve", "fixture:ok", "--bind", f"127.0.0.1:{port}",
                   "--worker-cmd", WORKER_CMD]) as p:
            assert p.wait(10) == 1
            assert "cannot start" in p.text()
            assert not spawned(p)


def test_bad_option_exits_2(paasrun):
    with Proc([paasrun, "serve", "app:application", "--threads", "0", "--bind", "127.0.0.1:0"]) as p:
        assert p.wait(10) == 2
        assert "--threads" in p.text()
