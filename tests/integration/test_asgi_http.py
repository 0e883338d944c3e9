"""ASGI 3 `http` scope behaviours on `paasrun serve`, each with a raw ASGI app
(tests/fixtures/apps/serve/asgi_raw.py), over real sockets against the real binary."""
import hashlib
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import ResponseReader, read_until_closed, serve  # noqa: E402
from conftest import Proc, free_port, paasrun_path, wait_until  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"


@pytest.fixture
def markers(tmp_path):
    return tmp_path


@pytest.fixture
def server(markers):
    with serve(paasrun_path(), "asgi_raw:app", env={"ASGI_MARKER_DIR": str(markers)}) as s:
        yield s


def request(path, method="GET", body=b"", headers=b"", close=True):
    return (f"{method} {path} HTTP/1.1\r\nHost: example.test\r\n".encode() + headers +
            (b"Connection: close\r\n" if close else b"") +
            (f"Content-Length: {len(body)}\r\n".encode() if body else b"") + b"\r\n" + body)


def test_detected_as_asgi_with_uvloop(server):
    server.proc.wait_for_line(r"interface=asgi loop=uvloop", timeout=10)


def test_the_loop_is_uvloop_when_installed(server):
    pytest.importorskip("uvloop", reason="python3-uvloop is not installed (scripts/bootstrap --test)")
    assert server.get("/loop").body == b"uvloop.Loop"


def test_the_loop_is_asyncio_default_without_uvloop(markers):
    # An environment where `import uvloop` fails (a module on the path that raises
    # ImportError, as a missing uvloop does): asyncio's own loop serves, and says so.
    with serve(paasrun_path(), "asgi_raw:app", extra=["--pythonpath", str(FIXTURES / "no_uvloop")],
               env={"ASGI_MARKER_DIR": str(markers)}) as s:
        s.proc.wait_for_line(r"msg=ready worker=1 .*interface=asgi loop=asyncio", timeout=10)
        assert s.get("/loop").body == b"asyncio.unix_events._UnixSelectorEventLoop"
        assert s.get("/stream?n=3").body == b"part 0\npart 1\npart 2\n"  # suspends: loop turns
        r = s.exchange(request("/echo", "POST", os.urandom(300000)), timeout=20)[0]
        assert json.loads(r.body)["size"] == 300000


def test_scope_fields(server):
    raw = request("/scope?a=1&b=%20", headers=b"X-Custom: Value\r\nX-Forwarded-Proto: https\r\n")
    r = server.exchange(raw)[0]
    assert r.status == 200
    scope = json.loads(r.body)
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "https"  # 127.0.0.1 is a trusted proxy by default
    assert scope["path"] == "/scope"
    assert scope["raw_path"] == {"bytes": "/scope"}
    assert scope["query_string"] == {"bytes": "a=1&b=%20"}
    assert scope["root_path"] == ""
    headers = [(k["bytes"], v["bytes"]) for k, v in scope["headers"]]
    assert ("host", "example.test") in headers
    assert ("x-custom", "Value") in headers  # names lowercased, values kept
    assert scope["client"][0] == "127.0.0.1" and isinstance(scope["client"][1], int)
    assert scope["server"] == ["127.0.0.1", server.port]
    assert "http.response.pathsend" in scope["extensions"]
    assert scope["state"]["pid"] > 0  # from the lifespan startup


def test_scope_parts_reused_across_requests_stay_per_request(server):
    """The worker reuses parts of scopes between requests (a template per HTTP version,
    scheme, root path and listener; client tuples; common header names): one request's values
    must never show in another's, whatever order the shapes come in."""
    conns = [server.connect(5.0) for _ in range(3)]
    try:
        readers = [ResponseReader(c) for c in conns]
        ports = [c.getsockname()[1] for c in conns]
        cases = [
            # (connection, raw request, expected fields)
            (0, request("/scope", close=False), {"scheme": "http", "http_version": "1.1", "method": "GET"}),
            (1, request("/scope?q=1", "POST", b"x", headers=b"X-Forwarded-Proto: https\r\n", close=False),
             {"scheme": "https", "method": "POST", "query_string": {"bytes": "q=1"}}),
            (2, b"GET /scope HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\nUSER-AGENT: Probe/1\r\n"
                b"X-Odd-Name: v\r\n\r\n", {"http_version": "1.0", "scheme": "http"}),
            (0, request("/scope", "DELETE", headers=b"X-Forwarded-For: 198.51.100.9\r\n", close=False),
             {"method": "DELETE", "query_string": {"bytes": ""}, "scheme": "http"}),
            (1, request("/scope", close=False), {"scheme": "http", "http_version": "1.1", "method": "GET"}),
            (2, b"GET /scope?z HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n",
             {"http_version": "1.1", "query_string": {"bytes": "z"}}),
        ]
        for i, raw, want in cases:
            conns[i].sendall(raw)
            r = readers[i].read()
            assert r.status == 200, r.body
            scope = json.loads(r.body)
            for key, value in want.items():
                assert scope[key] == value, (raw, key, scope[key])
            headers = [(k["bytes"], v["bytes"]) for k, v in scope["headers"]]
            assert all(k == k.lower() for k, _ in headers), headers
            if b"USER-AGENT" in raw:
                assert ("user-agent", "Probe/1") in headers and ("x-odd-name", "v") in headers
            if b"Accept:" in raw:
                assert ("accept", "*/*") in headers and not any(k == "user-agent" for k, _ in headers)
            if b"X-Forwarded-For" in raw:
                assert scope["client"][0] == "198.51.100.9"
            else:
                assert scope["client"] == ["127.0.0.1", ports[i]]
            assert scope["server"] == ["127.0.0.1", server.port]
            assert scope["path"] == "/scope" and scope["root_path"] == ""
    finally:
        for c in conns:
            c.close()


def test_path_is_decoded_raw_path_is_not(server):
    scope = json.loads(server.exchange(request("/sc%6Fpe"))[0].body)
    assert scope["path"] == "/scope"
    assert scope["raw_path"] == {"bytes": "/sc%6Fpe"}


def test_scheme_not_taken_from_untrusted_peer(markers):
    with serve(paasrun_path(), "asgi_raw:app", extra=["--forwarded-allow-ips", "10.9.9.9"],
               env={"ASGI_MARKER_DIR": str(markers)}) as s:
        scope = json.loads(s.exchange(request("/scope", headers=b"X-Forwarded-Proto: https\r\n"
                                              b"X-Forwarded-For: 1.2.3.4\r\n"))[0].body)
        assert scope["scheme"] == "http"
        assert scope["client"][0] == "127.0.0.1"


def test_forwarded_for_sets_client(server):
    scope = json.loads(server.exchange(request("/scope", headers=b"X-Forwarded-For: 203.0.113.7\r\n"))[0].body)
    assert scope["client"][0] == "203.0.113.7"


def test_root_path(markers):
    with serve(paasrun_path(), "asgi_raw:app", extra=["--root-path", "/mount"],
               env={"ASGI_MARKER_DIR": str(markers)}) as s:
        scope = json.loads(s.exchange(request("/mount/scope"))[0].body)
        assert scope["root_path"] == "/mount"
        assert scope["path"] == "/scope"
        assert scope["raw_path"] == {"bytes": "/mount/scope"}


def test_small_body_one_message(server):
    r = server.exchange(request("/echo", "POST", b"hello"))[0]
    out = json.loads(r.body)
    assert out == {"size": 5, "sha256": hashlib.sha256(b"hello").hexdigest(), "messages": 1, "more_body": [False]}


def test_large_body_streamed_with_more_body(server):
    body = os.urandom(3 * 1024 * 1024 + 17)  # past the 1 MiB in-memory limit: spooled
    r = server.exchange(request("/echo", "POST", body), timeout=30)[0]
    out = json.loads(r.body)
    assert out["size"] == len(body)
    assert out["sha256"] == hashlib.sha256(body).hexdigest()
    assert out["messages"] > 1
    assert out["more_body"][:-1] == [True] * (out["messages"] - 1) and out["more_body"][-1] is False


def test_chunked_request_body(server):
    raw = (b"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    out = json.loads(server.exchange(raw)[0].body)
    assert out["size"] == 11 and out["sha256"] == hashlib.sha256(b"hello world").hexdigest()


def test_response_length_known_from_single_message(server):
    r = server.exchange(request("/"))[0]
    assert r.status == 200 and r.body == b"Hello, world!"
    assert r.header("Content-Length") == "13"


def test_streamed_response_is_chunked_and_arrives_in_parts(server):
    with server.connect(timeout=10) as s:
        s.sendall(request("/stream?n=6"))
        s.settimeout(10)
        first = s.recv(65536)
        # The head and the first part arrive before the app has produced the rest (it
        # sleeps 50 ms between parts).
        assert b"Transfer-Encoding: chunked" in first
        assert b"part 0" in first and b"part 5" not in first
        rest = read_until_closed(s)
    data = first + rest
    for i in range(6):
        assert b"part %d\n" % i in data
    assert data.endswith(b"0\r\n\r\n")


def test_keep_alive_and_pipelining(server):
    raw = request("/", close=False) + request("/echo", "POST", b"abc", close=False) + request("/")
    rs = server.exchange(raw, count=3)
    assert [r.status for r in rs] == [200, 200, 200]
    assert json.loads(rs[1].body)["size"] == 3


def test_http10(server):
    r = server.exchange(b"GET /scope HTTP/1.0\r\nHost: t\r\n\r\n")[0]
    assert json.loads(r.body)["http_version"] == "1.0"


def test_head_request_has_no_body(server):
    with server.connect() as s:
        s.sendall(b"HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\n")


def test_exception_before_response_is_500_with_traceback_in_log(server):
    r = server.exchange(request("/raise"))[0]
    assert r.status == 500
    assert b"boom" not in r.body
    server.proc.wait_for_line(r'component=asgi msg="app raised".*boom before the response', timeout=10)
    assert server.get("/").status == 200  # the worker keeps serving


def test_exception_mid_response_cuts_the_connection(server):
    with server.connect() as s:
        s.sendall(request("/raise-late"))
        data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200")
    assert b"partial" in data
    assert not data.endswith(b"0\r\n\r\n")  # no final chunk: the client sees a truncated response


def test_app_returning_without_response_is_500(server):
    assert server.exchange(request("/no-response"))[0].status == 500
    server.proc.wait_for_line(r"app returned without completing its response", timeout=10)


def test_invalid_header_is_500(server):
    r = server.exchange(request("/bad-header"))[0]
    assert r.status == 500
    assert r.header("Injected") is None


def test_disconnect_event(server, markers):
    s = server.connect()
    s.sendall(request("/wait-disconnect", close=False))
    wait_until(lambda: (markers / "waiting").exists(), timeout=10, what="app waiting for disconnect")
    s.close()
    wait_until(lambda: (markers / "disconnect").exists(), timeout=10, what="http.disconnect delivered")
    assert (markers / "disconnect").read_text() == "http.disconnect"


def test_backpressure_slow_reader(server, markers):
    s = server.connect(timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(request("/big"))
    wait_until(lambda: (markers / "big-progress").exists(), timeout=10, what="app started sending")
    time.sleep(1.0)  # the client reads nothing: the app must be held back
    sent = int((markers / "big-progress").read_text())
    assert sent < 256, "the app produced the whole 16 MiB body without the client reading"
    reader = ResponseReader(s)
    r = reader.read()
    assert r.status == 200 and len(r.body) == 256 * 65536
    s.close()


def test_each_request_has_its_own_context_and_a_current_task(server):
    # The app's first step runs eagerly inside the front end (docs/asgi.md): it must still
    # run as a Task would, in a copied context and with asyncio.current_task() set.
    for first, second in (("a", "b"), ("a-suspend", "b-suspend")):
        rs = server.exchange(request(f"/context-var?{first}", close=False) +
                             request(f"/context-var?{second}"), count=2)
        assert [json.loads(r.body) for r in rs] == [{"before": "unset", "task": True}] * 2, first


def test_pathsend_uses_the_file(server):
    r = server.exchange(request("/pathsend"))[0]
    assert r.status == 200
    assert r.body == (FIXTURES / "asgi_raw.py").read_bytes()
    assert r.header("Content-Length") == str(len(r.body))


def test_pathsend_goes_through_sendfile(markers):
    # The body must leave by sendfile(2) from the file, not through Python: strace on the
    # worker sees sendfile calls on the file's fd that add up to its size and no read of it.
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (scripts/bootstrap --test installs it)")
    data = os.urandom(8 * 1024 * 1024 + 5)
    (markers / "big.bin").write_bytes(data)
    with serve(paasrun_path(), "asgi_raw:app", env={"ASGI_MARKER_DIR": str(markers)}) as s:
        pid = s.proc.wait_for_line(r"msg=ready worker=1 pid=(\d+)", timeout=10).group(1)
        trace = markers / "strace.txt"
        # -f: every thread of the worker; -y: each fd with its path.
        tracer = subprocess.Popen([strace, "-f", "-y", "-e", "trace=openat,read,pread64,readv,preadv,"
                                   "preadv2,mmap,sendfile", "-o", str(trace), "-p", pid],
                                  stderr=subprocess.PIPE, text=True)
        try:
            first = tracer.stderr.readline()
            if "attached" not in first:
                pytest.skip(f"strace cannot attach to the worker here: {first.strip()}")
            r = s.exchange(request("/pathsend?name=big.bin"), timeout=60)[0]
            assert r.status == 200 and r.header("Content-Length") == str(len(data))
            assert r.body == data
        finally:
            tracer.terminate()
            tracer.wait(10)
    lines = [line for line in trace.read_text().splitlines() if "big.bin>" in line]
    sent = [int(m.group(1)) for m in (re.search(r"sendfile\(.*\) += (\d+)$", line) for line in lines) if m]
    assert sum(sent) == len(data), lines
    assert not [line for line in lines if re.search(r"\b(read|pread64|readv|preadv2?|mmap)\(", line)], lines


def test_background_work_after_response_does_not_delay_it(server, markers):
    t0 = time.monotonic()
    r = server.exchange(request("/background"))[0]
    assert r.status == 200 and r.body == b"queued"
    assert time.monotonic() - t0 < 0.3
    wait_until(lambda: (markers / "background-done").exists(), timeout=10, what="background work")


def test_request_timeout_cancels_task_and_logs_stack(markers):
    with serve(paasrun_path(), "asgi_raw:app", extra=["--request-timeout", "1"],
               env={"ASGI_MARKER_DIR": str(markers)}) as s:
        t0 = time.monotonic()
        r = s.exchange(request("/sleep"), timeout=20)[0]
        assert r.status == 504
        assert time.monotonic() - t0 < 10
        s.proc.wait_for_line(r'request timed out, task cancelled.*sleepy', timeout=10)
        # A cancelled task leaves nothing stuck: no recycle, the same worker keeps serving.
        assert "asking to be recycled" not in s.proc.text()
        assert s.get("/").status == 200


def test_factory_and_callable_object(markers):
    with serve(paasrun_path(), "asgi_raw:make_app()") as s:
        assert s.get("/").body == b"Hello, world!"
        s.proc.wait_for_line(r"interface=asgi", timeout=10)


def test_interface_forced_wsgi_on_an_app_detected_as_asgi():
    # marked_wsgi is a WSGI app that detection takes for ASGI (marked as a coroutine
    # function, as asgiref's markcoroutinefunction does on 3.11): auto serves it as ASGI
    # (the worker says so; called with 3 arguments it cannot answer), --interface wsgi serves
    # it as the WSGI app it is (its body can only come from a WSGI call).
    port = free_port()
    with Proc([paasrun_path(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir",
               str(FIXTURES), "asgi_raw:marked_wsgi"], cwd=str(FIXTURES)) as p:
        p.wait_for_line(r"msg=ready worker=1 .*interface=asgi", timeout=20)
    with serve(paasrun_path(), "asgi_raw:marked_wsgi", extra=["--interface", "wsgi"]) as s:
        r = s.get("/")
        assert r.status == 200 and r.body == b"wsgi after all"
        s.proc.wait_for_line(r"msg=ready worker=1 pid=\d+ threads=1", timeout=10)  # a WSGI worker's
        assert "interface=asgi" not in s.proc.text() and "lifespan" not in s.proc.text()


def test_interface_forced_asgi_on_an_app_detected_as_wsgi():
    # wrapped is an ASGI app whose __call__ is a plain method returning the coroutine:
    # detection takes it for WSGI (called with (environ, start_response): a 500);
    # --interface asgi serves it as ASGI.
    port = free_port()
    with Proc([paasrun_path(), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir",
               str(FIXTURES), "asgi_raw:wrapped"], cwd=str(FIXTURES)) as p:
        p.wait_for_line(r"msg=ready workers=1", timeout=20)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(request("/"))
            assert ResponseReader(c).read().status == 500
        p.wait_for_line(r"component=wsgi msg=\"app raised\" .*WrappedApp.__call__\(\) missing 1 required "
                        r"positional argument: 'send'", timeout=10)
        assert "interface=asgi" not in p.text()
    with serve(paasrun_path(), "asgi_raw:wrapped", extra=["--interface", "asgi"]) as s:
        r = s.get("/")
        assert r.status == 200 and r.body == b"Hello, world!"
        s.proc.wait_for_line(r"msg=ready worker=1 .*interface=asgi", timeout=10)


def test_bad_interface_value_exits_2():
    import subprocess
    p = subprocess.run([paasrun_path(), "serve", "--interface", "cgi", "x:y"], capture_output=True, timeout=30)
    assert p.returncode == 2
    assert b"--interface" in p.stderr


# ---- X-Request-Id (as for WSGI: docs/serve.md, test_serve_http_protocol.py) ---------------

def scope_request_ids(response):
    scope = json.loads(response.body)
    return [v["bytes"] for k, v in scope["headers"] if k["bytes"] == "x-request-id"]


def response_request_ids(response):
    return [v for k, v in response.headers if k.lower() == "x-request-id"]


def test_request_id_reaches_the_app_and_is_echoed(server):
    # None sent: the front end's id is in the scope (once) and on the response (once).
    r = server.exchange(request("/scope"))[0]
    [made] = scope_request_ids(r)
    assert len(made) == 32 and all(c in "0123456789abcdef" for c in made), made
    assert response_request_ids(r) == [made]
    server.proc.wait_for_line(rf"component=access .*path=/scope .*request_id={made}", timeout=10)

    # A valid client id is kept: one field in the scope, echoed once.
    given = "req-0123456789abcdefghij"
    r = server.exchange(request("/scope", headers=f"X-Request-Id: {given}\r\n".encode()))[0]
    assert scope_request_ids(r) == [given]
    assert response_request_ids(r) == [given]

    # An invalid one is replaced everywhere (never echoed).
    r = server.exchange(request("/scope", headers=b"X-Request-Id: bad id\r\n"))[0]
    [replaced] = scope_request_ids(r)
    assert replaced != "bad id" and len(replaced) == 32
    assert response_request_ids(r) == [replaced]

    # An app that sets its own keeps it, without a second one from the server.
    r = server.exchange(request("/own-request-id", headers=f"X-Request-Id: {given}\r\n".encode()))[0]
    assert response_request_ids(r) == ["app-chosen-id-0123456789"]

    # A streamed (chunked) response and a pathsend carry it too.
    r = server.exchange(request("/stream?n=2", headers=f"X-Request-Id: {given}\r\n".encode()))[0]
    assert response_request_ids(r) == [given]
    r = server.exchange(request("/pathsend", headers=f"X-Request-Id: {given}\r\n".encode()))[0]
    assert response_request_ids(r) == [given]


def test_websocket_handshake_carries_the_request_id():
    # The 101 and the app's denial response echo the id, and the websocket scope has it, as
    # an HTTP request's (the front end's own refusals, like WSGI's error responses, do not).
    import ws_client
    given = "ws-0123456789abcdefghij"
    with serve(paasrun_path(), "asgi_ws:app") as s:
        conn = ws_client.connect(s.port, "/echo", headers=f"X-Request-Id: {given}\r\n".encode())
        try:
            assert conn.status == 101
            assert conn.headers.get("x-request-id") == given, conn.headers
            conn.send(ws_client.frame(0x1, b"scope"))
            scope = json.loads(conn.recv_message()[1])
            assert [v for k, v in scope["headers"] if k == "x-request-id"] == [given]
        finally:
            conn.close()

        conn = ws_client.connect(s.port, "/echo")
        try:
            made = conn.headers.get("x-request-id", "")
            assert len(made) == 32, conn.headers
            conn.send(ws_client.frame(0x1, b"scope"))
            scope = json.loads(conn.recv_message()[1])
            assert [v for k, v in scope["headers"] if k == "x-request-id"] == [made]
        finally:
            conn.close()

        conn = ws_client.connect(s.port, "/deny-http", headers=f"X-Request-Id: {given}\r\n".encode())
        try:
            assert conn.status == 401
            assert conn.headers.get("x-request-id") == given, conn.headers
        finally:
            conn.close()


# ---- ASGI spec misuse: an error in the app, never a hang or a crash --------------------------
# Each case: what the client gets, the exception the app saw (in the logged traceback, with
# the app's own frame), and the worker going on serving on the same keep-alive connection.

@pytest.mark.parametrize("path, status, body, log", [
    # The response went out whole; the late send() raises RuntimeError in the app (the
    # connection is fine, so not ClientDisconnected, the OSError of a closed connection).
    ("/send-after-complete", 200, b"complete",
     r"app raised after its response was complete\" traceback=.*send_after_complete.*"
     r"RuntimeError: ASGI message 'http.response.body' sent after the response was complete"),
    ("/unknown-message", 500, None,
     r'msg="app raised" .*path=/unknown-message .*unknown_message.*'
     r"RuntimeError: unexpected ASGI message 'http.response.bogus' in an http scope"),
    # The first start is held back until a body, so nothing was sent yet: a 500.
    ("/start-twice", 500, None,
     r'msg="app raised" .*path=/start-twice .*start_twice.*'
     r"RuntimeError: ASGI message 'http.response.start' sent twice"),
    ("/body-before-start", 500, None,
     r'msg="app raised" .*path=/body-before-start .*body_before_start.*'
     r"RuntimeError: ASGI message 'http.response.body' sent before http.response.start"),
])
def test_spec_misuse_raises_in_the_app(server, path, status, body, log):
    with server.connect(timeout=10) as s:
        s.sendall(request(path, close=False))
        reader = ResponseReader(s)
        r = reader.read()
        assert r.status == status, r
        if body is not None:
            assert r.body == body
        else:
            assert b"RuntimeError" not in r.body  # the traceback is logged, never sent
        if status == 500:
            assert r.header("Connection") == "close"
        else:
            # The connection goes on: the next request on it is served.
            s.sendall(request("/"))
            assert reader.read().body == b"Hello, world!"
    server.proc.wait_for_line(log, timeout=10)
    assert server.get("/").status == 200  # the worker keeps serving


def test_receive_after_the_response_is_complete_is_a_disconnect(server, markers):
    with server.connect(timeout=10) as s:
        s.sendall(request("/receive-after-complete", "POST", b"body", close=False))
        reader = ResponseReader(s)
        assert reader.read().body == b"complete"
        # The connection stays open (keep-alive), and still the app is told at once: the
        # response is complete, nothing more will come for it.
        wait_until(lambda: (markers / "after-complete").exists(), timeout=10,
                   what="the app's receive() after its response")
        seen = json.loads((markers / "after-complete").read_text())
        assert seen["type"] == "http.disconnect"
        assert seen["seconds"] < 1.0, seen
        s.sendall(request("/"))
        assert reader.read().body == b"Hello, world!"
