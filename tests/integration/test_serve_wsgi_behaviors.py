"""paasrun serve, PEP 3333 behaviours through the real binary: app exceptions, streaming,
write(), file_wrapper, close() on client disconnect, the wsgiref validator, app threads,
large request/response bodies. Each runs with --threads 1 (app on the loop thread) and
--threads 4 (app thread pool), the two code paths of the worker."""
import hashlib
import json
import os
import pathlib
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import HERE, ResponseReader, read_until_closed, serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402

CLOSE_LOG = None


@pytest.fixture(scope="module", params=[1, 4], ids=["threads1", "threads4"])
def app(request, tmp_path_factory):
    p = paasrun_path()
    assert os.access(p, os.X_OK), f"paasrun binary not found at {p}"
    log = tmp_path_factory.mktemp("close") / "close.log"
    with serve(p, "behaviors:application", threads=request.param, env={"CLOSE_LOG": str(log)},
               ready_path="/status?code=200") as s:
        s.close_log = log
        yield s


def test_app_exception_is_500_with_traceback_in_log_not_body(app):
    r = app.get("/error")
    assert r.status == 500
    assert b"boom" not in r.body and b"Traceback" not in r.body
    app.proc.wait_for_line(r"component=wsgi .*Traceback.*RuntimeError: boom from the error route")


def test_exception_after_the_head_cuts_the_connection(app):
    with app.connect() as s:
        s.sendall(b"GET /error-after HTTP/1.1\r\nHost: t\r\n\r\n")
        data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200")
    assert b"partial" in data and not data.endswith(b"0\r\n\r\n")  # no last-chunk: truncated


def test_streaming_generator_arrives_incrementally(app):
    with app.connect() as s:
        t0 = time.monotonic()
        s.sendall(b"GET /stream?n=3&delay=0.6 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        first = s.recv(65536)
        t_first = time.monotonic() - t0
        rest = read_until_closed(s)
        t_all = time.monotonic() - t0
    assert b"chunk 0" in first and b"chunk 2" not in first
    assert t_first < 0.5 and t_all >= 1.1
    assert b"chunk 2" in rest


def test_write_callable(app):
    r = app.get("/write")
    assert r.status == 200 and r.body == b"first second third"


def test_file_wrapper_sends_the_file(app):
    r = app.get("/file")
    assert r.status == 200
    assert r.body == (HERE / "behaviors.py").read_bytes()
    assert int(r.header("Content-Length")) == len(r.body)


def test_unknown_length_is_chunked_on_11_and_close_delimited_on_10(app):
    r = app.get("/nolength")
    assert r.header("Transfer-Encoding") == "chunked" and r.body == b"a" * 10 + b"b" * 10
    with app.connect() as s:
        s.sendall(b"GET /nolength HTTP/1.0\r\n\r\n")
        data = read_until_closed(s)
    assert data.endswith(b"a" * 10 + b"b" * 10) and b"chunked" not in data


def test_short_content_length_closes_the_connection(app):
    with app.connect() as s:
        s.sendall(b"GET /short HTTP/1.1\r\nHost: t\r\n\r\n")
        data = read_until_closed(s)  # closed although the client asked for keep-alive
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"short")


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(app, status):
    with app.connect() as s:
        s.sendall(f"GET /status?code={status} HTTP/1.1\r\nHost: t\r\n\r\nGET /status?code=200 HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        reader = ResponseReader(s)
        r = reader.read()
        assert r.status == status and r.header("Content-Length") is None
        assert reader.read().body == b"status body"


def test_close_is_called_when_the_client_disconnects_mid_response(app):
    ident = f"gone-{time.monotonic_ns()}"
    with app.connect() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"GET /closing?id={ident}&n=2000&delay=0.005 HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        s.recv(1000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
    wait_until(lambda: app.close_log.exists() and ident in app.close_log.read_text(), timeout=10,
               what="close() of the abandoned iterable")
    assert app.get("/status?code=200").status == 200  # the worker is still fine


def test_large_response_streams_through_backpressure(app):
    size = 24 * 1024 * 1024
    r = app.get(f"/big?size={size}", timeout=30)
    assert r.status == 200 and len(r.body) == size


def test_large_upload_is_spooled_and_read_with_readline_and_read(app):
    data = os.urandom(3 * 1024 * 1024 + 17)
    raw = (b"POST /upload HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: "
           + str(len(data)).encode() + b"\r\n\r\n" + data)
    r = app.exchange(raw, timeout=30)[0]
    assert r.body.decode() == f"{len(data)} {hashlib.md5(data).hexdigest()}"


def test_wsgi_errors_goes_to_the_log(app):
    assert app.get("/errors-stream").status == 200
    app.proc.wait_for_line(r"to wsgi\.errors")


def test_slow_app_call_does_not_block_other_connections_with_threads(paasrun):
    with serve(paasrun, "behaviors:application", threads=4, ready_path="/status?code=200") as s:
        results = {}

        def slow():
            results["slow"] = s.get("/sleep?s=1.5", timeout=10).status
        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.2)  # let the slow request reach the app thread
        t0 = time.monotonic()
        assert s.get("/status?code=200").status == 200
        assert time.monotonic() - t0 < 0.5
        t.join(10)
        assert results["slow"] == 200


def test_validator_wrapped_app_sees_a_pep3333_environ(paasrun):
    """wsgiref.validate with warnings as errors: any server-side violation is a 500."""
    with serve(paasrun, "validated:application", threads=2, ready_path="/status?code=200") as s:
        for path in ("/stream?n=2", "/write", "/file", "/status?code=200", "/nolength", "/big?size=100000"):
            r = s.get(path)
            assert r.status == 200, (path, r, s.proc.text()[-2000:])
        raw = (b"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: text/plain\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n4\r\nwsgi\r\n0\r\n\r\n")
        r = s.exchange(raw)[0]
        assert r.status == 200, s.proc.text()[-2000:]
        assert json.loads(r.body)["body"] == "wsgi"
        r = s.get("/echo?q=1", headers=b"Cookie: a=1\r\n")
        assert r.status == 200, s.proc.text()[-2000:]
        assert "Traceback" not in s.proc.text()
