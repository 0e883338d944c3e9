"""paasrun serve, HTTP/1.1 front end: keep-alive, pipelining, 100-continue, chunked bodies,
HTTP/1.0, HEAD, absolute-form, smuggling rejections, limits, proxy headers, request ids,
access log. Every test talks to the real binary over raw sockets (echo fixture app)."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import ResponseReader, read_until_closed, serve  # noqa: E402
from conftest import wait_until  # noqa: E402


@pytest.fixture(scope="module")
def echo(request):
    import os
    from conftest import paasrun_path
    p = paasrun_path()
    assert os.access(p, os.X_OK), f"paasrun binary not found at {p}"
    with serve(p, "echo:application", extra=["--max-body", "100000"]) as s:
        yield s


def body_json(r):
    assert r.status == 200, r
    return json.loads(r.body)


def test_keep_alive_serves_several_requests_on_one_connection(echo):
    with echo.connect() as s:
        reader = ResponseReader(s)
        for i in range(3):
            s.sendall(f"GET /k{i} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            r = reader.read()
            assert body_json(r)["path"] == f"/k{i}"
            assert r.header("Connection") is None or r.header("Connection").lower() != "close"


def test_pipelined_requests_are_answered_in_order(echo):
    raw = b"".join(f"GET /p{i}?n={i} HTTP/1.1\r\nHost: t\r\n\r\n".encode() for i in range(5))
    raw += b"POST /p5 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
    raw += b"GET /last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    rs = echo.exchange(raw, count=7)
    paths = [body_json(r)["path"] for r in rs]
    assert paths == ["/p0", "/p1", "/p2", "/p3", "/p4", "/p5", "/last"]
    assert body_json(rs[5])["body"] == "abc"


def test_pipelined_requests_split_across_reads(echo):
    raw = b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n"
    with echo.connect() as s:
        reader = ResponseReader(s)
        for i in range(0, len(raw), 7):  # a few bytes per packet
            s.sendall(raw[i:i + 7])
        a, b = reader.read(), reader.read()
    assert body_json(a)["body"] == "abc" and body_json(b)["path"] == "/b"


def test_expect_100_continue_is_answered_before_the_body(echo):
    with echo.connect() as s:
        s.sendall(b"POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        reader = ResponseReader(s)
        interim = reader.read()
        assert interim.status == 100
        s.sendall(b"hello")
        assert body_json(reader.read())["body"] == "hello"


def test_expect_100_continue_refused_body_gets_413_without_100(echo):
    with echo.connect() as s:
        s.sendall(b"POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\nExpect: 100-continue\r\n\r\n")
        data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 413"), data[:100]
    assert b"100 Continue" not in data


def test_chunked_request_body_is_dechunked_for_the_app(echo):
    raw = (b"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer-Field: x\r\n\r\n")
    j = body_json(echo.exchange(raw)[0])
    assert j["body"] == "hello world"
    assert "HTTP_TRANSFER_ENCODING" in j["headers"]


def test_http10_closes_after_the_response(echo):
    with echo.connect() as s:
        s.sendall(b"GET /old HTTP/1.0\r\n\r\n")
        data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 200")
    assert b'"protocol": "HTTP/1.0"' in data


def test_http10_keep_alive_is_honoured(echo):
    with echo.connect() as s:
        reader = ResponseReader(s)
        s.sendall(b"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert body_json(reader.read())["path"] == "/1"
        s.sendall(b"GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert body_json(reader.read())["path"] == "/2"


def test_head_has_headers_but_no_body(echo):
    with echo.connect() as s:
        reader = ResponseReader(s)
        s.sendall(b"HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        h = reader.read(head_request=True)
        assert h.status == 200 and int(h.header("Content-Length")) > 0
        # The next response starts right after the head: no body bytes were sent.
        assert body_json(reader.read())["path"] == "/after"


def test_absolute_form_target_sets_path_and_host(echo):
    raw = b"GET http://example.com:8080/abs/p?q=1 HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n"
    j = body_json(echo.exchange(raw)[0])
    assert j["path"] == "/abs/p" and j["query"] == "q=1"
    assert j["headers"]["HTTP_HOST"] == "example.com:8080"
    assert j["server_name"] == "example.com" and j["server_port"] == "8080"


def test_percent_encoded_path_is_decoded_as_bytes(echo):
    j = body_json(echo.get("/a%20b/%C3%A9"))
    assert j["path"] == "/a b/\u00c3\u00a9"  # latin-1 decoded bytes (PEP 3333)


def test_underscore_header_is_dropped(echo):
    j = body_json(echo.get("/u", headers=b"X_Evil: 1\r\nX-Good: 2\r\n"))
    assert j["headers"].get("HTTP_X_GOOD") == "2"
    assert "HTTP_X_EVIL" not in j["headers"]


SMUGGLING = {
    "cl_and_te": b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "duplicate_cl": b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
    "cl_list": b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4, 4\r\n\r\nabcd",
    "invalid_cl": b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +4\r\n\r\nabcd",
    "bad_chunk_size": b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "chunk_size_overflow": b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\na\r\n0\r\n\r\n",
    "bad_chunk_ext": b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3;\"x\r\nabc\r\n0\r\n\r\n",
    "te_not_chunked_last": b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "bare_lf": b"GET / HTTP/1.1\nHost: t\r\n\r\n",
    "bare_cr": b"GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n",
    "obs_fold": b"GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  folded\r\n\r\n",
    "space_before_colon": b"GET / HTTP/1.1\r\nHost : t\r\n\r\n",
    "duplicate_host": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "nul_in_header": b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n",
    "bad_version": b"GET / HTTP/1.x\r\nHost: t\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(SMUGGLING))
def test_smuggling_shapes_get_400_and_close(echo, name):
    with echo.connect() as s:
        # A follow-up request on the same connection must never be answered.
        s.sendall(SMUGGLING[name] + b"GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n")
        data = read_until_closed(s)
    assert data.startswith(b"HTTP/1.1 400") or data.startswith(b"HTTP/1.1 501") or \
        data.startswith(b"HTTP/1.1 505"), data[:120]
    assert data.count(b"HTTP/1.1 ") == 1, data
    assert b"/smuggled" not in data


def test_limits_request_line_414(echo):
    with echo.connect() as s:
        s.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        assert read_until_closed(s).startswith(b"HTTP/1.1 414")


def test_limits_header_count_and_size_431(echo):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(120))
    with echo.connect() as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")
        assert read_until_closed(s).startswith(b"HTTP/1.1 431")
    with echo.connect() as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"v" * 9000 + b"\r\n\r\n")
        assert read_until_closed(s).startswith(b"HTTP/1.1 431")


def test_limits_body_413_for_length_and_chunked(echo):
    with echo.connect() as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100001\r\n\r\n")
        assert read_until_closed(s).startswith(b"HTTP/1.1 413")
    with echo.connect() as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(30):
            try:
                s.sendall(b"1000\r\n" + b"x" * 0x1000 + b"\r\n")
            except OSError:
                break
        assert read_until_closed(s).startswith(b"HTTP/1.1 413")


def test_trusted_proxy_headers_set_remote_addr_scheme_and_host(echo):
    # The test client is 127.0.0.1, trusted by the default --forwarded-allow-ips.
    j = body_json(echo.get("/f", headers=b"X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n"
                                          b"X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n"))
    assert j["remote_addr"] == "203.0.113.9"
    assert j["url_scheme"] == "https"
    assert j["headers"]["HTTP_HOST"] == "shop.example" and j["server_port"] == "443"


def test_untrusted_proxy_headers_change_nothing(paasrun):
    with serve(paasrun, "echo:application", extra=["--forwarded-allow-ips", "10.0.0.0/8"]) as s:
        j = body_json(s.get("/f", headers=b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n"))
    assert j["remote_addr"] == "127.0.0.1" and j["url_scheme"] == "http"
    assert j["headers"]["HTTP_X_FORWARDED_FOR"] == "203.0.113.9"


def test_request_id_kept_when_valid_and_generated_otherwise(echo):
    good = "a" * 24 + "-b0123"
    assert body_json(echo.get("/r", headers=f"X-Request-Id: {good}\r\n".encode()))["request_id"] == good
    generated = body_json(echo.get("/r", headers=b"X-Request-Id: bad id\r\n"))["request_id"]
    assert generated != "bad id" and len(generated) == 32


def test_access_log_logfmt_and_json(paasrun):
    with serve(paasrun, "echo:application") as s:
        s.get("/logged?x=1", headers=b"X-Request-Id: req-0123456789abcdefghij\r\n")
        s.proc.wait_for_line(r"component=access .*path=/logged .*status=200 .*request_id=req-0123456789abcdefghij")
    with serve(paasrun, "echo:application", extra=["--access-log-format", "json"]) as s:
        s.get("/jlogged")
        line = s.proc.wait_for_line(r'^\{.*"/jlogged"').string
        entry = json.loads(line)
        assert entry["status"] == 200 and entry["method"] == "GET"
    with serve(paasrun, "echo:application", extra=["--access-log", "-"]) as s:
        s.get("/quiet")
        s.get("/quiet2")
        assert not any("/quiet" in line for line in s.proc.output())


def test_keep_alive_idle_connection_is_closed_after_the_timeout(paasrun):
    import time
    with serve(paasrun, "echo:application", extra=["--keep-alive", "1"]) as s:
        with s.connect() as c:
            reader = ResponseReader(c)
            c.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert reader.read().status == 200
            t0 = time.monotonic()
            assert read_until_closed(c, timeout=5) == b""
            assert 0.7 < time.monotonic() - t0 < 3.0
