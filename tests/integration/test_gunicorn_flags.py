"""gunicorn's spellings that paasrun serve takes over (issue 15), each checked against the real
`paasrun serve` and, where gunicorn behaves the same way, side by side with real gunicorn
(Debian's python3-gunicorn, 20.1) in the same test: --log-level, --worker-connections,
--reuse-port, --worker-tmp-dir, -k gthread --threads N, --name/--pid, and the default bind
(127.0.0.1:8000 without --bind or $PORT, 0.0.0.0:$PORT with it) as an actual listening socket.
"""
import errno
import pathlib
import re
import signal
import socket
import subprocess
import textwrap
import threading

import pytest

from conftest import Proc, free_port, http_get, wait_for_port, wait_until
from test_gunicorn_compat import (children, clean_env, gunicorn_cmd, have_gunicorn,
                                  listening_addresses, serve_cmd)

APP = textwrap.dedent('''\
    import threading

    _barriers = {}
    _lock = threading.Lock()

    def application(environ, start_response):
        if environ["PATH_INFO"].startswith("/barrier/"):
            # Passes only when `parties` requests run at the same time (one app thread each).
            parties = int(environ["PATH_INFO"].rsplit("/", 1)[1])
            with _lock:
                b = _barriers.setdefault(parties, threading.Barrier(parties, timeout=3))
            try:
                b.wait()
                body = b"passed"
            except threading.BrokenBarrierError:
                body = b"broken"
        else:
            body = b"hello\\n"
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    ''')

SERVERS = ["gunicorn", "paasrun"]


@pytest.fixture
def app(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def server_cmd(server, paasrun, *args):
    if server == "gunicorn":
        if not have_gunicorn():
            pytest.skip("python3-gunicorn is not installed (scripts/bootstrap installs it)")
        return gunicorn_cmd(*args)
    return serve_cmd(paasrun, *args)


def stop(p):
    p.signal(signal.SIGTERM)
    return p.wait(30)


# --- --log-level ---------------------------------------------------------------------------

def server_log_lines(server, lines):
    """(level, line) of the server's own log lines; access-log lines left out (both servers
    write the access log whatever --log-level says)."""
    out = []
    for line in lines:
        if server == "gunicorn":
            m = re.search(r"\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ", line)
            if m:
                out.append((m.group(1).lower(), line))
        elif "component=access" not in line:
            m = re.search(r"\bat=(debug|info|warn|error)\b", line)
            if m:
                out.append((m.group(1), line))
    return out


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("level", ["warning", "info", "debug"])
def test_log_level(paasrun, app, server, level):
    """warning: no info (or debug) line from the server, only the access log; info (the
    default): the start-up lines, no debug; debug: debug lines too (paasrun's arbiter logs
    its resolved configuration, as gunicorn's does)."""
    port = free_port()
    cmd = server_cmd(server, paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "--log-level", level,
                     "--access-logfile", "-", "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        assert http_get(port, "/logged")[0] == 200
        p.wait_for_line(r"/logged")
        assert stop(p) == 0
        lines = p.output()
    levels = {lvl for lvl, _ in server_log_lines(server, lines)}
    text = "\n".join(lines)
    assert any("/logged" in l for l in lines), text  # the access log is not filtered
    if level == "warning":
        assert not levels & {"debug", "info"}, text
    elif level == "info":
        assert "info" in levels and "debug" not in levels, text
    else:
        assert {"info", "debug"} <= levels, text
    if server == "paasrun" and level == "debug":
        conf = [l for l in lines if 'msg=configuration' in l]
        assert len(conf) == 1 and f"bind=127.0.0.1:{port}" in conf[0] and "workers=1" in conf[0], text


# --- --worker-connections -----------------------------------------------------------------

def listen_queue(port):
    """Connections waiting in the listen backlog of 127.0.0.1:port (ss's Recv-Q of a
    listening socket), None when nothing listens there."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                         text=True).stdout.split()
    return int(out[1]) if out else None


def request(sock):
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def read_response(sock):
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("cap", [1, 2])
def test_worker_connections_caps_open_connections_per_worker(paasrun, app, server, cap):
    """docs/serve.md: at most N open connections per worker, the next ones wait in the listen
    backlog. gunicorn's gthread worker does the same (its sync worker ignores the setting: it
    holds one connection at a time anyway); paasrun applies it to both -k classes. An idle
    client holds the only slot of --worker-connections 1; the next client is served only once
    it leaves. With 2 slots the next client is served while the idle one stays."""
    port = free_port()
    cmd = server_cmd(server, paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread",
                     "--threads", "2", "--worker-connections", str(cap), "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        assert http_get(port, "/")[0] == 200  # the worker is up (its connection is closed)
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        idle.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # a head that is not finished
        wait_until(lambda: listen_queue(port) == 0, timeout=10, what="the idle client accepted")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as nxt:
            request(nxt)
            if cap == 1:
                # Connected by the kernel, not accepted by the worker: it sits in the backlog
                # and gets no byte while the idle client holds the slot.
                wait_until(lambda: listen_queue(port) == 1, timeout=10, what="one in backlog")
                nxt.settimeout(1.5)
                with pytest.raises(socket.timeout):
                    nxt.recv(1)
                assert listen_queue(port) == 1
                idle.close()
                nxt.settimeout(10)
            data = read_response(nxt)
            assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"hello\n"), data
        idle.close()
        stop(p)


# --- --reuse-port --------------------------------------------------------------------------

def bind_with_reuse_port(port):
    """Binds a second SO_REUSEPORT socket to 127.0.0.1:port; returns the errno (0 = bound)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            return e.errno
        return 0


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("reuse", [True, False])
def test_reuse_port_lets_another_socket_bind_the_port(paasrun, app, server, reuse):
    port = free_port()
    cmd = server_cmd(server, paasrun, "-b", f"127.0.0.1:{port}", "-w", "1",
                     *(["--reuse-port"] if reuse else []), "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        assert bind_with_reuse_port(port) == (0 if reuse else errno.EADDRINUSE)
        assert http_get(port, "/")[0] == 200
        assert stop(p) == 0


# --- --worker-tmp-dir ----------------------------------------------------------------------

@pytest.mark.parametrize("server", SERVERS)
def test_worker_tmp_dir_is_accepted(paasrun, app, server):
    """gunicorn keeps its worker heartbeat files there (unlinked at once); paasrun accepts the
    flag and does not need it (heartbeats live in a memfd): nothing is written there."""
    port = free_port()
    tmp = app / "wtmp"
    tmp.mkdir()
    cmd = server_cmd(server, paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "--worker-tmp-dir",
                     str(tmp), "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        assert http_get(port, "/")[2] == b"hello\n"
        assert stop(p) == 0
        assert "worker-tmp-dir" not in p.text()  # no warning either
    assert list(tmp.iterdir()) == []


# --- -k gthread --threads N ----------------------------------------------------------------

def concurrent_gets(port, path, n):
    results = [None] * n

    def get(i):
        results[i] = http_get(port, path, timeout=20)[2]
    threads = [threading.Thread(target=get, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("server", SERVERS)
def test_gthread_threads_runs_n_requests_at_once_in_one_worker(paasrun, app, server):
    """One worker, -k gthread --threads 3: three requests meet at a 3-party barrier (they run
    at the same time); four cannot meet at a 4-party one (the fourth waits for a thread until
    the barrier's 3 s timeout breaks it)."""
    port = free_port()
    cmd = server_cmd(server, paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread",
                     "--threads", "3", "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        wait_until(lambda: len(children(p.pid)) == 1, timeout=20, what="one worker")
        assert concurrent_gets(port, "/barrier/3", 3) == [b"passed"] * 3
        assert concurrent_gets(port, "/barrier/4", 4) == [b"broken"] * 4
        assert stop(p) == 0


# --- --name, --pid (long forms) ------------------------------------------------------------

@pytest.mark.parametrize("server", SERVERS)
def test_pid_long_form_writes_the_arbiters_pid_and_removes_it(paasrun, app, server):
    port = free_port()
    pidfile = app / "run" / "server.pid"
    pidfile.parent.mkdir()
    cmd = server_cmd(server, paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "--pid",
                     str(pidfile), "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        wait_until(pidfile.exists, timeout=10, what="the pid file")
        assert pidfile.read_text().strip() == str(p.pid)
        # Served: the worker is past its start (gunicorn's loses a SIGTERM before that).
        assert http_get(port, "/")[0] == 200
        assert stop(p) == 0
    assert not pidfile.exists()


def test_name_long_form_names_the_arbiter_and_workers(paasrun, app):
    """docs/serve.md: --name sets the process name (comm: ps -o comm, top, pgrep) of the
    arbiter and every worker. (gunicorn sets its title only with setproctitle installed, which
    Debian's python3-gunicorn does not pull in, so there is no side-by-side here.)"""
    port = free_port()
    with Proc(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "2", "--name", "shop-api",
                        "app:application"), cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        wait_until(lambda: len(children(p.pid)) == 2, timeout=20, what="2 workers")
        for _ in range(4):
            assert http_get(port, "/")[0] == 200
        comm = lambda pid: pathlib.Path(f"/proc/{pid}/comm").read_text().strip()
        assert comm(p.pid) == "shop-api"
        wait_until(lambda: [comm(w) for w in children(p.pid)] == ["shop-api"] * 2, timeout=10,
                   what="both workers named")
        assert subprocess.run(["pgrep", "-x", "shop-api"], capture_output=True,
                              text=True).stdout.split().count(str(p.pid)) == 1
        assert stop(p) == 0


# --- the default bind ----------------------------------------------------------------------

def port_is_free(host, port):
    """Whether a server could bind host:port now: with SO_REUSEADDR, as both servers bind
    (connections of an earlier run in TIME_WAIT do not count, a listener does)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


@pytest.mark.parametrize("server", SERVERS)
def test_default_bind_listens_on_loopback_8000(paasrun, app, server):
    """Neither --bind nor $PORT: the server listens on 127.0.0.1:8000 and nowhere else (not
    0.0.0.0: a server started on a laptop is not reachable from the network)."""
    if not (port_is_free("127.0.0.1", 8000) and port_is_free("0.0.0.0", 8000)):
        pytest.skip("port 8000 is in use on this machine: the default bind cannot be tested")
    cmd = server_cmd(server, paasrun, "-w", "1", "app:application")
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        try:
            wait_for_port(8000, timeout=20)
        except TimeoutError:
            if "in use" in p.text() or "Address already in use" in p.text():
                pytest.skip("port 8000 was taken by another process meanwhile:\n" + p.text())
            raise
        assert listening_addresses(p.pid) == ["127.0.0.1:8000"], p.text()
        assert http_get(8000, "/")[2] == b"hello\n"
        assert stop(p) == 0


@pytest.mark.parametrize("server", SERVERS)
def test_port_env_binds_every_interface(paasrun, app, server):
    port = free_port()
    cmd = server_cmd(server, paasrun, "-w", "1", "app:application")
    with Proc(cmd, cwd=app, env=clean_env(PORT=str(port))) as p:
        wait_for_port(port, timeout=20)
        assert listening_addresses(p.pid) == [f"0.0.0.0:{port}"], p.text()
        assert http_get(port, "/")[2] == b"hello\n"
        assert stop(p) == 0
