"""paasrun serve --preload (gunicorn's --preload / preload_app, issue 15): the app is imported
once, in a zygote, and every worker is forked from it. Checked against the real binary:
the import's pid is shared by all workers (and is not theirs) with --preload and is each
worker's own without it; workers are the arbiter's children; an import that raises stops
serve at once with the traceback; recycling forks fresh workers with the module state as at
import; SIGTERM drains; SIGHUP imports again; gunicorn.conf.py's preload_app is honoured.
"""
import os
import re
import signal
import subprocess
import textwrap
import threading
import time

import pytest

from conftest import Proc, free_port, http_get, wait_for_port, wait_until

WSGI_APP = textwrap.dedent('''\
    import os, time
    IMPORT_PID = os.getpid()
    COUNT = 0
    if os.environ.get("FAIL_IMPORT"):
        raise RuntimeError("boom at import time")

    def application(environ, start_response):
        global COUNT
        COUNT += 1
        if environ["PATH_INFO"] == "/slow":
            open("slow-started", "w").close()
            time.sleep(1.0)
        body = ("%d %d %d %d" % (IMPORT_PID, os.getpid(), os.getppid(), COUNT)).encode()
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    ''')

ASGI_APP = textwrap.dedent('''\
    import os
    IMPORT_PID = os.getpid()
    COUNT = 0

    async def application(scope, receive, send):
        global COUNT
        if scope["type"] != "http":
            raise RuntimeError("no lifespan here")
        COUNT += 1
        body = ("%d %d %d %d" % (IMPORT_PID, os.getpid(), os.getppid(), COUNT)).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})
    ''')


def ask(port, path="/"):
    status, _, body = http_get(port, path, headers={"Connection": "close"})
    assert status == 200, body
    imported, pid, ppid, count = (int(x) for x in body.split())
    return {"import": imported, "pid": pid, "ppid": ppid, "count": count}


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def collect_workers(port, n, timeout=20):
    """Requests until `n` distinct worker pids answered; returns {pid: answer}."""
    seen = {}

    def enough():
        a = ask(port)
        seen.setdefault(a["pid"], a)
        return len(seen) >= n
    wait_until(enough, timeout, interval=0, what=f"{n} distinct workers")
    return seen


def serve(paasrun, app_dir, port, *args, env=None):
    return Proc([paasrun, "serve", "--bind", f"127.0.0.1:{port}", *args, "app:application"],
                cwd=app_dir, env={"GUNICORN_CMD_ARGS": "", **(env or {})})


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("source", [WSGI_APP, ASGI_APP], ids=["wsgi", "asgi"])
def test_preloaded_workers_share_the_import(paasrun, app_dir, source):
    (app_dir / "app.py").write_text(source)
    port = free_port()
    with serve(paasrun, app_dir, port, "--preload", "-w", "2") as p:
        wait_for_port(port, timeout=30)
        workers = collect_workers(port, 2)
        imports = {a["import"] for a in workers.values()}
        assert len(imports) == 1, workers
        zygote = imports.pop()
        for pid, a in workers.items():
            assert pid != zygote
            assert a["ppid"] == p.pid, "a preloaded worker must be the arbiter's child"
        assert alive(zygote)
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0, p.text()
        wait_until(lambda: not alive(zygote), 10, what="the zygote to exit")


@pytest.mark.parametrize("source", [WSGI_APP, ASGI_APP], ids=["wsgi", "asgi"])
def test_without_preload_each_worker_imports_for_itself(paasrun, app_dir, source):
    (app_dir / "app.py").write_text(source)
    port = free_port()
    with serve(paasrun, app_dir, port, "-w", "2") as p:
        wait_for_port(port, timeout=30)
        workers = collect_workers(port, 2)
        for pid, a in workers.items():
            assert a["import"] == pid
        assert "zygote" not in p.text()
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0


def test_import_error_stops_serve_at_once_with_the_traceback(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    started = time.monotonic()
    r = subprocess.run([paasrun, "serve", "--preload", "-w", "4", "--bind", f"127.0.0.1:{port}",
                        "app:application"], cwd=app_dir, capture_output=True, text=True,
                       env={**os.environ, "GUNICORN_CMD_ARGS": "", "FAIL_IMPORT": "1"}, timeout=30)
    elapsed = time.monotonic() - started
    assert r.returncode == 4, r.stderr
    assert elapsed < 15, f"took {elapsed:.1f}s"
    assert "Traceback (most recent call last)" in r.stderr
    # Imported once, failed once: no worker was ever started, nothing loops.
    assert r.stderr.count("RuntimeError: boom at import time") == 1, r.stderr
    assert "worker spawned" not in r.stderr
    assert "zygote failed to import the app, shutting down" in r.stderr


def test_recycled_workers_are_forked_fresh_from_the_import(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    with serve(paasrun, app_dir, port, "--preload", "-w", "1", "--max-requests", "3") as p:
        wait_for_port(port, timeout=30)
        answers = []

        def three_workers():  # the old worker serves until its replacement is ready
            answers.append(ask(port))
            return len({a["pid"] for a in answers}) >= 3
        wait_until(three_workers, 30, interval=0.05, what="two recycles")
        assert len({a["import"] for a in answers}) == 1
        # Module state as at import: each new worker counts from 1 again (the zygote, which
        # holds the import, never serves, so its COUNT stays 0).
        firsts = {}
        for a in answers:
            firsts.setdefault(a["pid"], a["count"])
        assert set(firsts.values()) == {1}, answers
        assert "asking to be recycled" in p.text()
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0


def test_sigterm_drains_preloaded_workers(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    with serve(paasrun, app_dir, port, "--preload", "-w", "2") as p:
        wait_for_port(port, timeout=30)
        zygote = ask(port)["import"]
        result = {}

        def slow():
            result["status"] = http_get(port, "/slow", timeout=20)[0]
        t = threading.Thread(target=slow)
        t.start()
        # The view marks its start in the app dir: the request is in a worker now.
        wait_until(lambda: (app_dir / "slow-started").exists(), 10, what="the slow request")
        p.signal(signal.SIGTERM)
        t.join(20)
        assert result.get("status") == 200
        assert p.wait(30) == 0, p.text()
        assert "graceful stop" in p.text()
        wait_until(lambda: not alive(zygote), 10, what="the zygote to exit")


def test_sighup_imports_the_app_again(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    with serve(paasrun, app_dir, port, "--preload", "-w", "2") as p:
        wait_for_port(port, timeout=30)
        before = ask(port)["import"]
        p.signal(signal.SIGHUP)
        p.wait_for_line(r"reload complete", timeout=30)
        after = collect_workers(port, 2)
        assert {a["import"] for a in after.values()} != {before}
        assert len({a["import"] for a in after.values()}) == 1
        wait_until(lambda: not alive(before), 10, what="the old zygote to exit")

        # New code that fails to import: the reload is aborted, the workers keep serving.
        (app_dir / "app.py").write_text("raise RuntimeError('broken edit')\n")
        p.signal(signal.SIGHUP)
        p.wait_for_line(r"reload aborted", timeout=30)
        assert {ask(port)["import"] for _ in range(4)} == {a["import"] for a in after.values()}
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0


def test_gunicorn_conf_preload_app_is_honoured(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    (app_dir / "gunicorn.conf.py").write_text(
        f'bind = "127.0.0.1:{port}"\nworkers = 2\npreload_app = True\n')
    with Proc([paasrun, "serve", "app:application"], cwd=app_dir,
              env={"GUNICORN_CMD_ARGS": ""}) as p:
        wait_for_port(port, timeout=30)
        workers = collect_workers(port, 2)
        assert len({a["import"] for a in workers.values()}) == 1
        assert all(a["import"] != pid for pid, a in workers.items())
        assert "preload_app" not in p.text()  # taken, not warned about
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0


def test_gunicorn_cmd_args_preload_is_honoured(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    with Proc([paasrun, "serve", "--bind", f"127.0.0.1:{port}", "app:application"], cwd=app_dir,
              env={"GUNICORN_CMD_ARGS": "--preload --workers 2"}) as p:
        wait_for_port(port, timeout=30)
        workers = collect_workers(port, 2)
        assert len({a["import"] for a in workers.values()}) == 1
        assert all(a["import"] != pid for pid, a in workers.items())
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0


def test_reload_with_preload_imports_the_edited_code_in_a_new_zygote(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    with serve(paasrun, app_dir, port, "--preload", "--reload", "-w", "2") as p:
        wait_for_port(port, timeout=30)
        old_workers = collect_workers(port, 2)
        before = next(iter(old_workers.values()))["import"]
        (app_dir / "app.py").write_text(WSGI_APP.replace("COUNT = 0", "COUNT = 100"))
        # Every worker now comes from the new zygote: the edited module, imported once.
        wait_until(lambda: ask(port)["count"] > 100, 30, interval=0.05, what="the edited code")
        p.wait_for_line(r"reload complete", timeout=30)
        # "reload complete" is logged when each slot has a new ready worker and the old ones
        # got SIGTERM; until an old worker has handled it, it may still accept a connection.
        wait_until(lambda: not any(pid_alive(pid) for pid in old_workers), 30, interval=0.05,
                   what="the old workers to exit")
        after = collect_workers(port, 2)
        imports = {a["import"] for a in after.values()}
        assert len(imports) == 1 and before not in imports, after
        assert all(a["count"] > 100 for a in after.values())
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0


def test_a_dead_zygote_is_replaced_and_the_workers_keep_serving(paasrun, app_dir):
    (app_dir / "app.py").write_text(WSGI_APP)
    port = free_port()
    with serve(paasrun, app_dir, port, "--preload", "-w", "1") as p:
        wait_for_port(port, timeout=30)
        first = ask(port)
        os.kill(first["import"], signal.SIGKILL)
        p.wait_for_line(r"zygote died, workers keep serving", timeout=10)
        assert ask(port)["pid"] == first["pid"]  # the worker did not die with it
        def new_zygote_ready():
            pids = {int(x) for x in re.findall(r"zygote ready\" pid=(\d+)", p.text())}
            pids.discard(first["import"])
            return pids.pop() if pids else None
        new_zygote = wait_until(new_zygote_ready, 30, what="a new zygote")
        # A worker started now (SIGTTIN: one more) comes from the new zygote.
        p.signal(signal.SIGTTIN)
        workers = collect_workers(port, 2)
        assert {a["import"] for a in workers.values()} == {first["import"], new_zygote}
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0
