"""paasrun serve against the points an external RFC 9110/9112 conformance run raised (issue
11): Host required in HTTP/1.1, ASCII-only request targets, HTTP/1.x minor versions, over-long
methods, CONNECT, error responses to HEAD, and workers that exit 0 when the whole process
group gets SIGTERM. Raw sockets against the real binary (echo fixture app); docs/http.md."""
import os
import pathlib
import re
import signal
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import HERE, ResponseReader, read_until_closed, serve  # noqa: E402
from conftest import Proc, free_port, paasrun_path  # noqa: E402


@pytest.fixture(scope="module")
def echo():
    p = paasrun_path()
    assert os.access(p, os.X_OK), f"paasrun binary not found at {p}"
    with serve(p, "echo:application") as s:
        yield s


def refused(echo, raw):
    """Sends raw + a follow-up request; returns everything until the server closed."""
    with echo.connect() as s:
        s.sendall(raw + b"GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n")
        data = read_until_closed(s)
    assert data.count(b"HTTP/1.1 ") == 1 and b"/smuggled" not in data, data  # closed after it
    return data


def status_of(data):
    return int(data.split(b" ", 2)[1])


def test_http11_request_without_host_gets_400(echo):
    """RFC 9112 3.2: a server MUST respond 400 to an HTTP/1.1 request that lacks Host."""
    assert status_of(refused(echo, b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")) == 400
    assert status_of(refused(echo, b"GET http://t/ HTTP/1.1\r\n\r\n")) == 400
    # HTTP/1.0 has no such rule.
    r = echo.exchange(b"GET /ten HTTP/1.0\r\n\r\n")[0]
    assert r.status == 200


def test_raw_non_ascii_bytes_in_the_target_get_400(echo):
    assert status_of(refused(echo, b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: t\r\n\r\n")) == 400
    assert status_of(refused(echo, b"GET /" + b"a" * 20 + b"\xff HTTP/1.1\r\nHost: t\r\n\r\n")) == 400
    r = echo.get("/caf%C3%A9")  # percent-encoded: fine
    assert r.status == 200


def test_a_higher_http1_minor_version_is_served_as_http11(echo):
    with echo.connect() as s:
        reader = ResponseReader(s)
        for i in range(2):  # kept alive like HTTP/1.1
            s.sendall(b"GET /v%d HTTP/1.2\r\nHost: t\r\n\r\n" % i)
            r = reader.read()
            assert r.status == 200 and r.version == "HTTP/1.1", r
    assert status_of(refused(echo, b"GET / HTTP/1.2\r\n\r\n")) == 400  # like 1.1: Host required
    for other in (b"HTTP/2.0", b"HTTP/0.9", b"HTTP/3.1"):
        assert status_of(refused(echo, b"GET / " + other + b"\r\nHost: t\r\n\r\n")) == 505, other


def test_an_over_long_method_gets_501_not_414(echo):
    assert status_of(refused(echo, b"A" * 33 + b" / HTTP/1.1\r\nHost: t\r\n\r\n")) == 501
    # Refused as soon as the method is too long, without waiting for the line to end.
    with echo.connect() as s:
        s.sendall(b"M" * 20_000)
        assert status_of(read_until_closed(s)) == 501


def test_connect_is_refused_with_405_and_allow(echo):
    data = refused(echo, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert status_of(data) == 405, data
    assert re.search(rb"\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n", head), head


def test_a_parse_time_error_to_head_has_no_body(echo):
    for raw in (b"HEAD / HTTP/1.1\r\n\r\n",                              # no Host
                b"HEAD / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n",  # obs-fold
                b"HEAD / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"):
        data = refused(echo, raw)
        assert status_of(data) == 400, data
        assert data.endswith(b"\r\n\r\n"), data  # the head, and nothing after it
        assert b"Content-Length: 12\r\n" in data  # what a GET would get


def arbiter_exits(proc):
    return re.findall(r'msg="worker (?:exited|died)" index=\d+ pid=\d+ ((?:exit|signal)=\S+)', proc.text())


@pytest.mark.parametrize("when", ["idle", "booting"])
def test_workers_exit_0_when_the_process_group_gets_sigterm(when):
    """The supervisor stops a web process with SIGTERM to its whole process group, so each
    worker gets it twice (from the group kill and from its arbiter). Before, an idle worker
    drained at once, and the second signal, landing after the loop had removed its handler,
    killed it (signal=SIGTERM); so did one landing while it was still booting."""
    rounds = 4
    for _ in range(rounds):
        port = free_port()
        proc = Proc([paasrun_path(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "4",
                     "--chdir", str(HERE), "echo:application"], cwd=str(HERE))
        with proc as p:
            if when == "idle":
                p.wait_for_line(r"msg=ready workers=4", timeout=30)
            else:
                p.wait_for_line(r'msg="worker spawned" index=3', timeout=30)
            os.killpg(p.pid, signal.SIGTERM)
            assert p.wait(30) == 0, p.text()[-3000:]
            statuses = arbiter_exits(p)
            assert statuses and all(s == "exit=0" for s in statuses), (statuses, p.text()[-3000:])
