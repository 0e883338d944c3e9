"""paasrun serve as a drop-in for gunicorn (issue 15): the same gunicorn.conf.py,
GUNICORN_CMD_ARGS and command line are given to real gunicorn (Debian's python3-gunicorn,
20.1) and to paasrun serve, one after the other on the same port, and must bind the same
address, start the same number of workers and write the same access-log lines. Then each
gunicorn behaviour paasrun takes over is checked against the real binary: unsupported flags,
--check-config, --print-config, the default bind, -n/-p/-e, SIGUSR1 log reopening,
X-Request-Id, the combined log format.
"""
import os
import pathlib
import re
import signal
import socket
import struct
import subprocess
import textwrap

import pytest

from conftest import (Proc, ROOT, SYSTEM_PYTHON, free_port, http_get, wait_for_port,
                      wait_until)

APP = textwrap.dedent('''\
    import os

    def application(environ, start_response):
        if environ["PATH_INFO"] == "/env":
            body = os.environ.get("FROM_DASH_E", "unset").encode()
        elif environ["PATH_INFO"] == "/addr":
            body = ("%s %s" % (environ["REMOTE_ADDR"], environ["REMOTE_PORT"])).encode()
        elif environ["PATH_INFO"] == "/id":
            body = environ.get("HTTP_X_REQUEST_ID", "none").encode()
        else:
            body = b"hello from the app\\n"
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    ''')

# No time or duration atom, so both servers must write byte-identical lines.
LOG_FORMAT = '%(h)s %(l)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(m)s %(U)s %(q)s %(H)s %({x-test}i)s'


def have_gunicorn():
    r = subprocess.run([SYSTEM_PYTHON, "-c", "import gunicorn"], capture_output=True)
    return r.returncode == 0


needs_gunicorn = pytest.mark.skipif(
    not have_gunicorn(), reason="python3-gunicorn is not installed (scripts/bootstrap installs it)")


def gunicorn_cmd(*args):
    return [SYSTEM_PYTHON, "-m", "gunicorn", *args]


def serve_cmd(paasrun, *args):
    return [paasrun, "serve", *args]


@pytest.fixture
def app(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def clean_env(**extra):
    """GUNICORN_CMD_ARGS empty unless the test sets it (both servers treat "" as unset)."""
    env = {"GUNICORN_CMD_ARGS": ""}
    env.update(extra)
    return env


def children(pid):
    try:
        text = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def open_files(pid):
    """Base names of the files the process holds open."""
    names = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            names.add(os.path.basename(os.readlink(fd)))
        except OSError:
            pass
    return names


def listening_addresses(pid):
    """The TCP addresses the process `pid` listens on, from ss(8)."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    addrs = []
    for line in out.splitlines():
        if f"pid={pid}," in line:
            addrs.append(line.split()[3])
    return sorted(addrs)


def run_and_probe(args, cwd, env, port, expected_workers, requests):
    """Starts a server, waits for its workers, returns (addresses, workers, log lines)."""
    with Proc(args, cwd=cwd, env=env) as p:
        wait_for_port(port, timeout=20)
        wait_until(lambda: len(children(p.pid)) == expected_workers, timeout=20,
                   what=f"{expected_workers} workers")
        # Give a late extra worker no chance to hide: the count must stay.
        addrs = listening_addresses(p.pid)
        for path, headers in requests:
            status, _, _ = http_get(port, path, headers=headers)
            assert status == 200
        # Lines are written by the worker that served each request, after the response, so
        # they may land in any order: wait for all of them, compare them sorted.
        wait_until(lambda: len(access_lines(p.output())) == len(requests), timeout=10,
                   what="an access-log line per request")
        workers = len(children(p.pid))
        p.signal(signal.SIGTERM)
        p.wait(30)
        return addrs, workers, p.output()


def access_lines(lines):
    return [l for l in lines if '"GET ' in l and "HTTP/1.1" in l]


@needs_gunicorn
def test_same_config_file_env_and_command_line_as_gunicorn(paasrun, app):
    """gunicorn.conf.py says 2 workers and a port nobody uses; GUNICORN_CMD_ARGS raises the
    workers to 3; the command line moves the bind. Precedence: command line >
    GUNICORN_CMD_ARGS > config file. Both servers: same address, 3 workers, same lines."""
    port, unused = free_port(), free_port()
    (app / "gunicorn.conf.py").write_text(textwrap.dedent(f'''\
        import multiprocessing
        workers = 2
        bind = "127.0.0.1:{unused}"
        accesslog = "-"
        access_log_format = {LOG_FORMAT!r}
        timeout = 20
        '''))
    env = clean_env(GUNICORN_CMD_ARGS="--workers 3 --graceful-timeout 5")
    cli = ["-b", f"127.0.0.1:{port}", "app:application"]
    requests = [("/a/b?x=1&y=2", {"User-Agent": "compat/1.0", "Referer": "http://ref.example/",
                                  "X-Test": "t1"}),
                ("/plain", {"User-Agent": "compat/2.0"})]

    g_addrs, g_workers, g_lines = run_and_probe(gunicorn_cmd(*cli), app, env, port, 3, requests)
    p_addrs, p_workers, p_lines = run_and_probe(serve_cmd(paasrun, *cli), app, env, port, 3,
                                                requests)

    assert g_addrs == p_addrs == [f"127.0.0.1:{port}"]
    assert g_workers == p_workers == 3
    g_access, p_access = sorted(access_lines(g_lines)), sorted(access_lines(p_lines))
    assert len(g_access) == 2, "\n".join(g_lines)
    assert p_access == g_access, "\n".join(p_lines)
    assert g_access[0] == ('127.0.0.1 - "GET /a/b?x=1&y=2 HTTP/1.1" 200 19 "http://ref.example/" '
                           '"compat/1.0" GET /a/b x=1&y=2 HTTP/1.1 t1')


@needs_gunicorn
def test_config_file_named_with_dash_c_and_python_values(paasrun, app):
    """-c FILE; values computed in Python; lists; booleans."""
    port = free_port()
    conf = app / "conf" / "server.py"
    conf.parent.mkdir()
    conf.write_text(textwrap.dedent(f'''\
        import os
        workers = len(["a", "b"])
        bind = ["127.0.0.1:{port}"]
        raw_env = ["FROM_DASH_E=from-config"]
        reuse_port = True
        proc_name = "compat" + "-app"
        graceful_timeout = 5
        '''))
    for cmd in (gunicorn_cmd("-c", str(conf), "app:application"),
                serve_cmd(paasrun, "-c", str(conf), "app:application")):
        with Proc(cmd, cwd=app, env=clean_env()) as p:
            wait_for_port(port, timeout=20)
            wait_until(lambda: len(children(p.pid)) == 2, timeout=20, what="2 workers")
            assert http_get(port, "/env")[2] == b"from-config"
            p.signal(signal.SIGTERM)
            p.wait(30)


@needs_gunicorn
@pytest.mark.parametrize("flag", [["--spew"], ["--daemon"], ["--user", "nobody"],
                                  ["--statsd-host", "localhost:8125"], ["--keyfile", "k.pem"]])
def test_unsupported_gunicorn_flag_gets_one_line_naming_it(paasrun, app, flag):
    # gunicorn knows the flag (it would accept it; --check-config stops before serving).
    g = subprocess.run(gunicorn_cmd(*flag, "--print-config", "app:application"), cwd=app,
                       capture_output=True, text=True, env={**os.environ, **clean_env()})
    assert g.returncode == 0, g.stderr
    r = subprocess.run(serve_cmd(paasrun, *flag, "app:application"), cwd=app,
                       capture_output=True, text=True, env={**os.environ, **clean_env()}, timeout=20)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"{flag[0]} is a gunicorn option paasrun serve does not support" in lines[0]
    assert "docs/gunicorn-migration.md" in lines[0]
    assert "app:application" not in lines[0]


@needs_gunicorn
def test_unsupported_flag_in_gunicorn_cmd_args_is_named_too(paasrun, app):
    r = subprocess.run(serve_cmd(paasrun, "app:application"), cwd=app, capture_output=True,
                       text=True, env={**os.environ, **clean_env(GUNICORN_CMD_ARGS="--spew")},
                       timeout=20)
    assert r.returncode == 2
    assert "GUNICORN_CMD_ARGS" in r.stderr and "--spew is a gunicorn option" in r.stderr


@needs_gunicorn
def test_config_file_hooks_and_unsupported_settings_are_warned_by_name(paasrun, app):
    port = free_port()
    (app / "gunicorn.conf.py").write_text(textwrap.dedent(f'''\
        bind = "127.0.0.1:{port}"
        workers = 1
        helper_variable = 42
        def post_fork(server, worker):
            pass
        def when_ready(server):
            pass
        spew = False
        '''))
    with Proc(serve_cmd(paasrun, "app:application"), cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        text = p.text()
        for name in ("post_fork", "when_ready", "spew"):
            assert len(re.findall(rf"\b{name}\b", text)) == 1, text
        assert "helper_variable" not in text
        p.signal(signal.SIGTERM)
        p.wait(30)


@needs_gunicorn
def test_config_file_that_raises_stops_serve(paasrun, app):
    (app / "gunicorn.conf.py").write_text("workers = 1\nraise RuntimeError('bad config')\n")
    r = subprocess.run(serve_cmd(paasrun, "app:application"), cwd=app, capture_output=True,
                       text=True, env={**os.environ, **clean_env()}, timeout=20)
    assert r.returncode == 2
    assert "RuntimeError: bad config" in r.stderr
    g = subprocess.run(gunicorn_cmd("--check-config", "app:application"), cwd=app,
                       capture_output=True, text=True, env={**os.environ, **clean_env()}, timeout=20)
    assert g.returncode != 0


def print_config(cmd, cwd, env):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, **env}, timeout=20)
    assert r.returncode == 0, r.stderr
    return r.stdout


@needs_gunicorn
@pytest.mark.parametrize("port_env,expected", [(None, "127.0.0.1:8000"), ("5123", "0.0.0.0:5123")])
def test_default_bind_matches_gunicorn(paasrun, app, port_env, expected):
    env = clean_env()
    if port_env:
        env["PORT"] = port_env
    g = print_config(gunicorn_cmd("--print-config", "app:application"), app, env)
    p = print_config(serve_cmd(paasrun, "--print-config", "app:application"), app, env)
    assert re.search(rf"^bind\s+= \['{re.escape(expected)}'\]$", g, re.M), g
    assert re.search(rf"^bind\s+= {re.escape(expected)}$", p, re.M), p


@needs_gunicorn
def test_check_config_imports_the_app_like_gunicorn(paasrun, app):
    (app / "broken.py").write_text("import no_such_module_here\n")
    for target, ok in (("app:application", True), ("broken:application", False)):
        g = subprocess.run(gunicorn_cmd("--check-config", target), cwd=app, capture_output=True,
                           env={**os.environ, **clean_env()}, timeout=30)
        p = subprocess.run(serve_cmd(paasrun, "--check-config", target), cwd=app,
                           capture_output=True, text=True, env={**os.environ, **clean_env()},
                           timeout=30)
        assert (g.returncode == 0) == ok
        assert (p.returncode == 0) == ok, p.stderr
        if not ok:
            assert "no_such_module_here" in p.stderr


@needs_gunicorn
def test_combined_format_matches_gunicorns_default(paasrun, app):
    port = free_port()
    requests = [("/c?q=1", {"User-Agent": "ua/1", "Referer": "http://r/"})]
    env = clean_env()
    _, _, g_lines = run_and_probe(gunicorn_cmd("-b", f"127.0.0.1:{port}", "--access-logfile", "-",
                                               "app:application"), app, env, port, 1, requests)
    _, _, p_lines = run_and_probe(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "1",
                                            "--access-log-format", "combined", "--access-log",
                                            "stdout", "app:application"), app, env, port, 1,
                                  requests)
    strip_time = lambda ls: [re.sub(r"\[[^]]+\]", "[T]", l) for l in access_lines(ls)]
    assert strip_time(g_lines) == strip_time(p_lines)
    assert strip_time(p_lines)[0] == '127.0.0.1 - - [T] "GET /c?q=1 HTTP/1.1" 200 19 "http://r/" "ua/1"'


@pytest.mark.parametrize("server", ["gunicorn", "paasrun"])
def test_sigusr1_reopens_log_files(paasrun, app, server):
    if server == "gunicorn" and not have_gunicorn():
        pytest.skip("python3-gunicorn is not installed")
    port = free_port()
    access, errors = app / "access.log", app / "error.log"
    args = ["-b", f"127.0.0.1:{port}", "-w", "2", "--access-logfile", str(access),
            "--error-logfile", str(errors), "app:application"]
    cmd = gunicorn_cmd(*args) if server == "gunicorn" else serve_cmd(paasrun, *args)
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        wait_until(lambda: len(children(p.pid)) == 2, timeout=20, what="2 workers")
        http_get(port, "/before")
        wait_until(lambda: access.exists() and "/before" in access.read_text(), what="first line")
        access.rename(app / "access.log.1")
        errors.rename(app / "error.log.1")
        p.signal(signal.SIGUSR1)
        wait_until(lambda: access.exists() and errors.exists(), timeout=10, what="reopened files")
        # Each process reopens on its own (paasrun's workers at their next 250 ms tick):
        # wait until no process of the server still writes to the renamed files.
        procs = [p.pid] + children(p.pid)

        def all_reopened():
            if server == "gunicorn":
                # gunicorn loses a SIGUSR1 that reaches a worker before its handlers are set
                # up (it inherited the arbiter's, which queue it in the arbiter's memory), so
                # it gets more than one; paasrun's workers hold it blocked until they can
                # handle it, so one must do.
                p.signal(signal.SIGUSR1)
            return not any(open_files(pid) & {"access.log.1", "error.log.1"} for pid in procs)
        wait_until(all_reopened, timeout=10, interval=0.3,
                   what="every process to let go of the renamed files")
        http_get(port, "/after")
        wait_until(lambda: "/after" in access.read_text(), what="a line in the new access log")
        assert "/after" not in (app / "access.log.1").read_text()
        p.signal(signal.SIGTERM)
        p.wait(30)


def test_name_pid_and_env(paasrun, app):
    port = free_port()
    pidfile = app / "run" / "server.pid"
    pidfile.parent.mkdir()
    with Proc(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "-n", "shop", "-p",
                        str(pidfile), "-e", "FROM_DASH_E=yes", "app:application"),
              cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        wait_until(lambda: len(children(p.pid)) == 1, timeout=20, what="the worker")
        assert pidfile.read_text().strip() == str(p.pid)
        assert pathlib.Path(f"/proc/{p.pid}/comm").read_text().strip() == "shop"
        (worker,) = children(p.pid)
        assert http_get(port, "/env")[2] == b"yes"  # served: the worker is past its start
        assert pathlib.Path(f"/proc/{worker}/comm").read_text().strip() == "shop"
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0
    assert not pidfile.exists()


def test_request_id_reaches_the_app_and_is_echoed(paasrun, app):
    port = free_port()
    with Proc(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "app:application"),
              cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        status, headers, body = http_get(port, "/id")
        generated = headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", generated)
        assert body.decode() == generated
        given = "abcdefghij0123456789-trusted"
        status, headers, body = http_get(port, "/id", headers={"X-Request-Id": given})
        assert headers["X-Request-Id"] == given and body.decode() == given
        # An invalid id is replaced in the environ too, not passed through.
        status, headers, body = http_get(port, "/id", headers={"X-Request-Id": "short"})
        assert body.decode() == headers["X-Request-Id"] != "short"
        p.wait_for_line(rf"request_id={given}")
        p.signal(signal.SIGTERM)
        p.wait(30)


def test_access_log_has_host_protocol_referer_and_user_agent(paasrun, app):
    port = free_port()
    with Proc(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "app:application"),
              cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        http_get(port, "/fields", headers={"User-Agent": "agent 1", "Referer": "http://r/x"})
        p.wait_for_line(r'path=/fields .* proto=HTTP/1\.1 host=127\.0\.0\.1:\d+ '
                        r'referer=http://r/x user_agent="agent 1"')
        p.signal(signal.SIGTERM)
        p.wait(30)


def test_bad_access_logformat_atom_is_refused_at_start(paasrun, app):
    r = subprocess.run(serve_cmd(paasrun, "--access-logformat", "%(h)s %(zz)s", "app:application"),
                       cwd=app, capture_output=True, text=True, env={**os.environ, **clean_env()},
                       timeout=20)
    assert r.returncode == 2
    assert "unknown atom %(zz)s" in r.stderr


@needs_gunicorn
def test_migration_page_names_every_gunicorn_setting(paasrun):
    names = subprocess.run(
        [SYSTEM_PYTHON, "-c",
         "from gunicorn.config import KNOWN_SETTINGS\nfor s in KNOWN_SETTINGS: print(s.name)"],
        capture_output=True, text=True, check=True).stdout.split()
    assert len(names) > 80
    page = (ROOT / "docs" / "gunicorn-migration.md").read_text()
    missing = [n for n in names if f"`{n}`" not in page]
    assert not missing, f"docs/gunicorn-migration.md does not mention {missing}"


def raw_request(port, prefix):
    """Sends `prefix` + a GET /addr and returns the whole response (the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(prefix + b"GET /addr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def proxy_v2(src, dst, sport, dport):
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return b"\r\n\r\n\0\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


@pytest.mark.parametrize("server", ["gunicorn", "paasrun"])
def test_proxy_protocol_v1_sets_the_client_address(paasrun, app, server):
    """gunicorn 20.1 speaks v1 only; both must give the app the address the header names,
    and still serve a connection that sends no header (it is optional, from trusted peers)."""
    if server == "gunicorn" and not have_gunicorn():
        pytest.skip("python3-gunicorn is not installed")
    port = free_port()
    args = ["-b", f"127.0.0.1:{port}", "-w", "1", "--proxy-protocol", "app:application"]
    cmd = gunicorn_cmd(*args) if server == "gunicorn" else serve_cmd(paasrun, *args)
    with Proc(cmd, cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        r = raw_request(port, f"PROXY TCP4 203.0.113.7 127.0.0.1 5555 {port}\r\n".encode())
        assert r.startswith(b"HTTP/1.1 200") and r.endswith(b"203.0.113.7 5555"), r
        plain = raw_request(port, b"")
        assert plain.startswith(b"HTTP/1.1 200") and b"127.0.0.1 " in plain, plain
        p.signal(signal.SIGTERM)
        p.wait(30)


def test_proxy_protocol_v2_and_untrusted_peers(paasrun, app):
    port = free_port()
    with Proc(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "--proxy-protocol",
                        "app:application"), cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        r = raw_request(port, proxy_v2("198.51.100.9", "127.0.0.1", 40000, port))
        assert r.startswith(b"HTTP/1.1 200") and r.endswith(b"198.51.100.9 40000"), r
        p.wait_for_line(r"path=/addr .*remote_addr=198\.51\.100\.9")
        bad = raw_request(port, b"PROXY TCP4 not-an-ip 127.0.0.1 1 2\r\n")
        assert bad.startswith(b"HTTP/1.1 400"), bad
        p.signal(signal.SIGTERM)
        p.wait(30)
    # A peer outside --proxy-allow-from may not claim another address.
    with Proc(serve_cmd(paasrun, "-b", f"127.0.0.1:{port}", "-w", "1", "--proxy-protocol",
                        "--proxy-allow-from", "10.9.9.9", "app:application"),
              cwd=app, env=clean_env()) as p:
        wait_for_port(port, timeout=20)
        r = raw_request(port, b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n")
        assert r.startswith(b"HTTP/1.1 400"), r
        assert raw_request(port, b"").startswith(b"HTTP/1.1 200")
        p.signal(signal.SIGTERM)
        p.wait(30)
