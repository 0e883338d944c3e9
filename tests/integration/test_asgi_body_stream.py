"""ASGI request bodies streamed to the app while they arrive (`http.request` with
`more_body`), with back-pressure, de-chunking, --max-body and `http.disconnect` mid-body.
Raw ASGI apps from tests/fixtures/apps/serve/asgi_raw.py against the real binary; the
client sends the body piece by piece and waits for the app to have seen each piece before
sending the next, so a server that buffers the whole body first cannot pass."""
import json
import pathlib
import select
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import ResponseReader, read_until_closed, serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402

PIECE = 1000


@pytest.fixture
def markers(tmp_path):
    return tmp_path


@pytest.fixture
def server(markers):
    with serve(paasrun_path(), "asgi_raw:app", env={"ASGI_MARKER_DIR": str(markers)}) as s:
        yield s


def events(markers):
    """The app's receive() events so far: [[body length, more_body] | ["http.disconnect", None]]."""
    try:
        return json.loads((markers / "events").read_text())
    except (FileNotFoundError, ValueError):  # not written yet, or caught mid-write
        return []


def body_seen(markers):
    return sum(e[0] for e in events(markers) if isinstance(e[0], int))


def head(path, extra):
    return f"POST {path} HTTP/1.1\r\nHost: t\r\n".encode() + extra + b"\r\n"


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_slowly_sent_body_reaches_the_app_piece_by_piece(server, markers):
    pieces = 4
    with server.connect(timeout=10) as s:
        s.sendall(head("/events", b"Content-Length: %d\r\n" % (pieces * PIECE)))
        for i in range(pieces):
            s.sendall(b"x" * PIECE)
            # The app has this piece before the client sends the next one.
            wait_until(lambda: body_seen(markers) == (i + 1) * PIECE, timeout=10,
                       what=f"the app received piece {i + 1}")
        r = ResponseReader(s).read()
    seen = json.loads(r.body)
    assert r.status == 200
    assert len(seen) == pieces
    assert all(more for _, more in seen[:-1]) and seen[-1][1] is False


def test_chunked_body_is_dechunked_as_it_arrives(server, markers):
    with server.connect(timeout=10) as s:
        s.sendall(head("/events", b"Transfer-Encoding: chunked\r\n"))
        for i in range(3):
            s.sendall(chunk(b"%d" % i * PIECE))
            wait_until(lambda: body_seen(markers) == (i + 1) * PIECE, timeout=10,
                       what=f"the app received chunk {i + 1}")
        s.sendall(b"0\r\n\r\n")
        r = ResponseReader(s).read()
    seen = json.loads(r.body)
    assert r.status == 200
    assert sum(n for n, _ in seen) == 3 * PIECE
    assert len(seen) >= 3 and all(more for _, more in seen[:-1]) and seen[-1][1] is False


def test_client_gone_mid_body_gives_http_disconnect(server, markers):
    s = server.connect(timeout=10)
    s.sendall(head("/events", b"Content-Length: 1000000\r\n") + b"y" * PIECE)
    wait_until(lambda: body_seen(markers) == PIECE, timeout=10, what="the app received the first piece")
    s.close()
    wait_until(lambda: events(markers)[-1:] == [["http.disconnect", None]], timeout=10,
               what="http.disconnect after the first piece")
    assert server.get("/").status == 200  # the worker keeps serving


def test_chunked_body_over_max_body_mid_stream_is_413(markers):
    with serve(paasrun_path(), "asgi_raw:app", extra=["--max-body", "2500"],
               env={"ASGI_MARKER_DIR": str(markers)}) as srv:
        with srv.connect(timeout=10) as s:
            s.sendall(head("/events", b"Transfer-Encoding: chunked\r\n") + chunk(b"a" * PIECE))
            wait_until(lambda: body_seen(markers) == PIECE, timeout=10, what="the app streaming")
            s.sendall(chunk(b"b" * PIECE) + chunk(b"c" * PIECE))  # 3000 > 2500
            data = read_until_closed(s, timeout=10)
        assert data.startswith(b"HTTP/1.1 413 "), data[:200]
        wait_until(lambda: events(markers)[-1:] == [["http.disconnect", None]], timeout=10,
                   what="http.disconnect for the refused body")
        srv.proc.wait_for_line(r'msg="request refused" status=413', timeout=10)
        assert srv.get("/").status == 200


def test_upload_to_an_app_that_never_reads_is_held_back(server, markers):
    total = 100 * 1024 * 1024
    block = b"z" * (1024 * 1024)
    with server.connect(timeout=30) as s:
        s.sendall(head("/never-read", b"Content-Length: %d\r\n" % total))
        # The app runs before any body byte arrived.
        wait_until(lambda: (markers / "never-read").exists(), timeout=10, what="the app started")
        pid = int((markers / "never-read").read_text())
        before = rss_kib(pid)
        s.setblocking(False)
        sent = 0
        while sent < total:
            # Blocked for 2 s: the worker stopped reading (kernel buffers are full).
            _, writable, _ = select.select([], [s], [], 2.0)
            if not writable:
                break
            try:
                sent += s.send(block[: min(len(block), total - sent)])
            except BlockingIOError:
                continue
        grown = rss_kib(pid) - before
        # Socket buffers on loopback hold a few MiB each way; the worker holds at most its
        # stream buffer. Without back-pressure all 100 MiB go through.
        assert sent < 40 * 1024 * 1024, f"the client sent {sent} bytes to an app that reads nothing"
        assert grown < 16 * 1024, f"worker RSS grew by {grown} KiB"
        (markers / "release").write_text("")
        s.setblocking(True)
        s.settimeout(10)
        r = ResponseReader(s).read()
    assert r.status == 200 and r.body == b"not read"
    # The rest of the body was never read: the connection is not reused.
    assert r.header("Connection") == "close"
