"""`paasrun serve` arbiter and its parent: readiness on PAASRUN_NOTIFY_FD and NOTIFY_SOCKET,
a listening socket inherited through LISTEN_FDS/LISTEN_PID (systemd's protocol), unix:PATH
binds. The arbiter-only variables must never reach a worker.

Fds are handed to paasrun through a `sh -c 'exec N<&0 ...; exec paasrun ...'` wrapper with
the fd as the wrapper's stdin, so conftest.Proc is used as is; `exec` keeps the pid, which is
how LISTEN_PID=$$ names paasrun itself.
"""
import os
import select
import signal
import socket

from conftest import FIXTURES, SYSTEM_PYTHON, Proc, http_get, wait_until

WORKER_CMD = f"{SYSTEM_PYTHON},{FIXTURES / 'serve_process' / 'fixture_worker.py'}"


def serve_args(paasrun, *extra):
    return [paasrun, "serve", "fixture:ok", "--worker-cmd", WORKER_CMD, *extra]


def sh_quote(args):
    return " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)


def read_line(fd, timeout):
    buf = b""
    while not buf.endswith(b"\n"):
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            raise AssertionError(f"nothing on the notify fd within {timeout}s (got {buf!r})")
        chunk = os.read(fd, 1)
        if not chunk:
            return buf.decode() or None  # EOF
        buf += chunk
    return buf.decode().rstrip("\n")


def test_ready_and_stopping_on_paasrun_notify_fd(paasrun):
    r, w = os.pipe()
    script = f"exec 7<&0 0</dev/null; PAASRUN_NOTIFY_FD=7 exec {sh_quote(serve_args(paasrun, '--bind', '127.0.0.1:0', '--workers', '2'))}"
    with Proc(["/bin/sh", "-c", script], stdin=w) as p:
        os.close(w)
        try:
            assert read_line(r, 15) == "READY=1"
            # READY=1 is sent right after the arbiter's "ready" line, which follows both
            # workers' "worker ready" lines (the arbiter writes its log in order).
            p.wait_for_line(r"msg=ready workers=2")
            lines = p.output()
            ready_at = next(i for i, l in enumerate(lines) if "msg=ready workers=2" in l)
            assert len([l for l in lines[:ready_at] if 'msg="worker ready"' in l]) == 2
            port = int(p.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))
            assert http_get(port, "/env")[2] == b"leaked=\n"
            p.signal(signal.SIGTERM)
            assert read_line(r, 15) == "STOPPING=1"
            assert p.wait(15) == 0
            assert read_line(r, 5) is None  # the arbiter's copy is closed at exit
        finally:
            os.close(r)


def test_reload_is_announced_on_the_notify_fd(paasrun):
    r, w = os.pipe()
    script = f"exec 7<&0 0</dev/null; PAASRUN_NOTIFY_FD=7 exec {sh_quote(serve_args(paasrun, '--bind', '127.0.0.1:0', '--workers', '1'))}"
    with Proc(["/bin/sh", "-c", script], stdin=w) as p:
        os.close(w)
        try:
            assert read_line(r, 15) == "READY=1"
            p.signal(signal.SIGHUP)
            assert read_line(r, 15) == "RELOADING=1"
            assert read_line(r, 15) == "READY=1"
            p.signal(signal.SIGTERM)
            assert p.wait(15) == 0
        finally:
            os.close(r)


def test_ready_on_notify_socket(paasrun, tmp_path):
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind(path)
        s.settimeout(15)
        with Proc(serve_args(paasrun, "--bind", "127.0.0.1:0"), env={"NOTIFY_SOCKET": path}) as p:
            assert s.recv(256) == b"READY=1"
            port = int(p.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))
            assert http_get(port, "/env")[2] == b"leaked=\n"
            p.signal(signal.SIGTERM)
            assert s.recv(256) == b"STOPPING=1"
            assert p.wait(15) == 0


def test_inherits_the_listening_socket_from_listen_fds(paasrun):
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        # --bind names a port that is taken: the arbiter must not try to bind it.
        script = ("exec 3<&0 0</dev/null; LISTEN_PID=$$ LISTEN_FDS=1 exec "
                  + sh_quote(serve_args(paasrun, "--bind", f"127.0.0.1:{port}", "--workers", "2")))
        with Proc(["/bin/sh", "-c", script], stdin=lsock.fileno()) as p:
            p.wait_for_line(rf"msg=\"listening on inherited socket\" at=http://127\.0\.0\.1:{port} fd=3")
            p.wait_for_line(r"msg=ready workers=2")
            lsock.close()  # from now on only paasrun holds the socket
            status, _, body = http_get(port, "/env")
            assert status == 200 and body == b"leaked=\n"
            p.signal(signal.SIGTERM)
            assert p.wait(15) == 0


def test_listen_fds_for_another_pid_are_ignored(paasrun):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        script = ("exec 3<&0 0</dev/null; LISTEN_PID=1 LISTEN_FDS=1 exec "
                  + sh_quote(serve_args(paasrun, "--bind", "127.0.0.1:0", "--workers", "1")))
        with Proc(["/bin/sh", "-c", script], stdin=other.fileno()) as p:
            port = int(p.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))
            assert port != other.getsockname()[1]
            p.wait_for_line(r"msg=ready workers=1")
            assert http_get(port, "/env")[2] == b"leaked=\n"  # and the variables are gone
            p.signal(signal.SIGTERM)
            assert p.wait(15) == 0


def test_listen_fds_that_is_not_a_socket_is_an_error(paasrun):
    r, w = os.pipe()
    script = "exec 3<&0 0</dev/null; LISTEN_FDS=1 exec " + sh_quote(serve_args(paasrun))
    with Proc(["/bin/sh", "-c", script], stdin=r) as p:
        try:
            assert p.wait(10) == 1
            assert "LISTEN_FDS: fd 3 is not a socket" in p.text()
        finally:
            os.close(r)
            os.close(w)


def test_unix_socket_bind_serves_and_is_removed_at_exit(paasrun, tmp_path):
    path = tmp_path / "app.sock"
    with Proc(serve_args(paasrun, "--bind", f"unix:{path}", "--workers", "1")) as p:
        p.wait_for_line(r"msg=ready workers=1")
        with socket.socket(socket.AF_UNIX) as c:
            c.settimeout(5)
            c.connect(str(path))
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while chunk := c.recv(4096):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200 OK")
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
        wait_until(lambda: not path.exists(), 5, what="socket file removed")
