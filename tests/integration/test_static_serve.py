"""`paasrun serve --static PREFIX=DIR` over real sockets: every rule of docs/static.md that
the unit tests check on plans, checked again on the wire (head bytes, bodies, keep-alive,
sendfile, fallthrough to the app), plus traversal payloads sent byte for byte."""
import gzip
import re
import socket
import sys
import threading
import time

import pytest

from conftest import FIXTURES

sys.path.insert(0, str(FIXTURES / "static"))
from static_support import CANARY, make_tree, request, start_paasrun  # noqa: E402

LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.fixture
def served(paasrun, tmp_path):
    site = make_tree(tmp_path)
    server = start_paasrun(paasrun, site, tmp_path)
    yield server, site
    server.stop()


def etag(path):
    return '"%x-%x"' % (1700000000, path.stat().st_size)


def test_get_head_and_fields(served):
    s, site = served
    status, h, body = s.get("/static/app.js")
    assert status == 200
    assert body == (site / "static" / "app.js").read_bytes()
    assert h["content-type"] == "text/javascript; charset=utf-8"
    assert h["content-length"] == str(len(body))
    assert h["last-modified"] == LAST_MODIFIED
    assert h["etag"] == etag(site / "static" / "app.js")
    assert h["cache-control"] == "public, max-age=60"
    assert h["vary"] == "Accept-Encoding"
    assert h["server"] == "paasrun"
    assert "date" in h
    assert "x-from" not in h

    status, hh, body = s.get("/static/app.js", method="HEAD")
    assert status == 200 and body == b""
    assert hh["content-length"] == h["content-length"]
    assert hh["etag"] == h["etag"]


def test_methods(served):
    s, _ = served
    status, h, _ = s.get("/static/app.js", method="POST")
    assert status == 405
    assert h["allow"] == "GET, HEAD"
    status, h, _ = s.get("/static/app.js", method="DELETE")
    assert status == 405


def test_fallthrough_to_the_app(served):
    s, _ = served
    for target in ["/static/missing.js", "/static/directory/", "/static/../static/app.js",
                   "/static/.hidden", "/static", "/elsewhere", "/static/directory/.keep"]:
        status, h, body = s.get(target)
        assert (status, h.get("x-from")) == (404, "app"), target


def test_conditional_requests(served):
    s, site = served
    tag = etag(site / "static" / "styles.css")
    assert s.get("/static/styles.css", {"If-None-Match": tag})[0] == 304
    assert s.get("/static/styles.css", {"If-None-Match": "W/" + tag})[0] == 304
    assert s.get("/static/styles.css", {"If-None-Match": '"nope"'})[0] == 200
    assert s.get("/static/styles.css", {"If-Modified-Since": LAST_MODIFIED})[0] == 304
    assert s.get("/static/styles.css", {"If-Modified-Since": "Tue, 14 Nov 2023 22:13:19 GMT"})[0] == 200
    # The ETag wins over a date that alone would say "not modified".
    assert s.get("/static/styles.css", {"If-None-Match": '"nope"',
                                        "If-Modified-Since": LAST_MODIFIED})[0] == 200
    status, h, body = s.get("/static/styles.css", {"If-None-Match": tag})
    assert body == b"" and h["etag"] == tag and h["vary"] == "Accept-Encoding"
    assert "content-type" not in h


def test_ranges(served):
    s, site = served
    data = (site / "static" / "big.bin").read_bytes()
    status, h, body = s.get("/static/big.bin", {"Range": "bytes=1000-1999"})
    assert status == 206
    assert h["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert body == data[1000:2000]
    status, h, body = s.get("/static/big.bin", {"Range": "bytes=-100"})
    assert status == 206 and body == data[-100:]
    status, h, body = s.get("/static/big.bin", {"Range": f"bytes={len(data)}-"})
    assert status == 416
    assert h["content-range"] == f"bytes */{len(data)}"
    assert body == b""
    status, _, body = s.get("/static/big.bin", {"Range": "bytes=0-1,5-6"})
    assert status == 200 and body == data  # several ranges: the whole file (documented)
    tag = etag(site / "static" / "big.bin")
    assert s.get("/static/big.bin", {"Range": "bytes=0-9", "If-Range": tag})[0] == 206
    assert s.get("/static/big.bin", {"Range": "bytes=0-9", "If-Range": '"old"'})[0] == 200


def test_index_and_redirect(served):
    s, site = served
    status, h, body = s.get("/static/with-index/")
    assert status == 200
    assert body == (site / "static" / "with-index" / "index.html").read_bytes()
    status, h, body = s.get("/static/with-index?x=1")
    assert status == 302
    assert h["location"] == "/static/with-index/?x=1"
    assert h["content-length"] == "0"


def test_precompressed_gzip(served):
    s, site = served
    plain = (site / "assets" / "compressed.css").read_bytes()
    status, h, body = s.get("/assets/compressed.css", {"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert h["content-encoding"] == "gzip"
    assert h["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == plain
    assert h["content-length"] == str((site / "assets" / "compressed.css.gz").stat().st_size)
    status, h, body = s.get("/assets/compressed.css", {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in h and body == plain
    status, h, body = s.get("/assets/compressed.css.gz", {"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in h
    assert h["content-type"] == "application/gzip"


def test_names_and_cache_control(served):
    s, site = served
    status, _, body = s.get("/static/nonascii%E2%9C%93.txt")
    assert status == 200 and body == (site / "static" / "nonascii✓.txt").read_bytes()
    status, h, _ = s.get("/static/app.3f2a9c1e.js")
    assert h["cache-control"] == "public, max-age=31536000, immutable"
    status, h, _ = s.get("/static/directory/pixel.gif")
    assert h["content-type"] == "image/gif"


def test_keep_alive_and_pipelining_mix_static_and_app(served):
    s, site = served
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        reqs = b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % t for t in
                        [b"/static/app.js", b"/nothing", b"/static/styles.css", b"/static/with-index"])
        c.sendall(reqs + b"GET /static/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
    assert statuses == [b"200", b"404", b"200", b"302", b"200"]
    assert data.count((site / "static" / "app.js").read_bytes()) == 2


def test_http10_head_and_close(served):
    s, _ = served
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        c.sendall(b"GET /static/app.js HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in data


def test_a_slow_large_download_does_not_block_other_clients(served):
    s, site = served
    big = site / "static" / "huge.bin"
    with open(big, "wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse 64 MiB
    slow = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(b"GET /static/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    slow.recv(1024)  # the download has started and now stalls on our full buffers
    try:
        t0 = time.monotonic()
        for _ in range(20):
            assert s.get("/static/app.js")[0] == 200
        assert time.monotonic() - t0 < 5
    finally:
        slow.close()


TRAVERSALS = [
    b"/static/../canary.txt", b"/static/../../canary.txt", b"/static/%2e%2e/canary.txt",
    b"/static/%2e%2e/%2e%2e/canary.txt", b"/static/..%2f..%2fcanary.txt", b"/static/..%5c..%5ccanary.txt",
    b"/static/..\\..\\canary.txt", b"/static/%252e%252e/%252e%252e/canary.txt",
    b"/static/%c0%ae%c0%ae/%c0%ae%c0%ae/canary.txt", b"/static/\xc0\xae\xc0\xae/canary.txt",
    b"/static/escape.txt", b"/static/escape.txt%00.js", b"/static//etc/passwd",
    b"/static/C:/canary.txt", b"/static/c%3a%5ccanary.txt", b"/assets/../../canary.txt",
    b"/static/directory/../../../canary.txt", b"/static/%2e%2e%2f%2e%2e%2fcanary.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_never_returns_the_canary(served, target):
    s, _ = served
    for method in ("GET", "HEAD"):
        try:
            status, h, body = s.get(target, method=method)
        except (ConnectionError, OSError):
            continue  # a refused request line is fine
        assert CANARY not in body
        assert status != 200 or h.get("x-from") == "app"
