"""The ASGI `http.response.trailers` extension over a raw socket (asgi_raw.py /trailers):
trailers go out as the chunked trailer section (RFC 9112 7.1.2) to a client that sent
`TE: trailers`; without it, with a Content-Length, to HTTP/1.0 or for HEAD they are dropped
and the body ends as it otherwise would."""
import pathlib
import socket
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import read_until_closed, serve  # noqa: E402
from conftest import paasrun_path  # noqa: E402

TRAILER_SECTION = b"0\r\nx-checksum: abc123\r\nx-count: 2\r\n\r\n"


@pytest.fixture(scope="module")
def server():
    with serve(paasrun_path(), "asgi_raw:app") as s:
        yield s


def raw(server, path, headers=b"TE: trailers\r\n", version=b"HTTP/1.1", method=b"GET"):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as c:
        c.sendall(method + b" " + path.encode() + b" " + version + b"\r\nHost: t\r\n" + headers +
                  b"Connection: close\r\n\r\n")
        data = read_until_closed(c, timeout=10)
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1").lower(), body


def test_trailers_follow_a_streamed_body(server):
    head, body = raw(server, "/trailers")
    assert head.startswith("http/1.1 200"), head
    assert "transfer-encoding: chunked" in head and "content-length" not in head, head
    assert "trailer: x-checksum, x-count" in head, head
    assert body == b"5\r\nhello\r\n5\r\nworld\r\n" + TRAILER_SECTION, body
    # The invalid trailer field (CR LF in its value) was dropped and said so.
    server.proc.wait_for_line(r"invalid trailer fields from the app dropped\" count=1", timeout=5)


def test_a_one_message_body_is_chunked_when_trailers_follow(server):
    head, body = raw(server, "/trailers?one=1")
    assert "transfer-encoding: chunked" in head and "content-length" not in head, head
    assert body == b"a\r\nhelloworld\r\n" + TRAILER_SECTION, body


def test_without_te_trailers_the_body_ends_without_them(server):
    head, body = raw(server, "/trailers", headers=b"TE: gzip\r\n")
    assert "transfer-encoding: chunked" in head, head
    assert body == b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", body


def test_content_length_keeps_its_framing_and_drops_the_trailers(server):
    head, body = raw(server, "/trailers?length=1")
    assert "content-length: 10" in head and "transfer-encoding" not in head, head
    assert body == b"helloworld", body


def test_http_10_gets_the_body_without_trailers(server):
    head, body = raw(server, "/trailers", version=b"HTTP/1.0")
    assert head.startswith("http/1.1 200"), head
    assert "transfer-encoding" not in head, head
    assert body == b"helloworld", body


def test_head_gets_no_body_and_no_trailers(server):
    head, body = raw(server, "/trailers", method=b"HEAD")
    assert head.startswith("http/1.1 200"), head
    assert body == b"", body


def test_an_app_that_never_sends_its_trailers_still_ends_the_body(server):
    head, body = raw(server, "/trailers?skip=1")
    assert body == b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", body
    server.proc.wait_for_line(r"app returned without its http.response.trailers", timeout=5)


def test_keep_alive_goes_on_after_a_trailer_section(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as c:
        c.sendall(b"GET /trailers HTTP/1.1\r\nHost: t\r\nTE: trailers\r\n\r\n"
                  b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = read_until_closed(c, timeout=10)
    first, sep, rest = data.partition(TRAILER_SECTION)
    assert sep, data
    assert rest.startswith(b"HTTP/1.1 200") and rest.endswith(b"Hello, world!"), rest
