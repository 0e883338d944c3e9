"""WebSockets of ASGI apps on `paasrun serve` (docs/asgi.md "WebSockets", docs/websocket.md):
the framing rules against the real binary with a raw-socket client (tests/integration/
ws_client.py), the ASGI websocket scope and messages, interoperability with the `websockets`
client library (python3-websockets) with and without permessage-deflate, keep-alive pings,
back-pressure, and the drain (close 1001) on SIGTERM and rolling restarts."""
import asyncio
import json
import pathlib
import signal
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402
from test_serve_stats import snapshot, total  # noqa: E402
import ws_client as wsc  # noqa: E402
from ws_client import BINARY, CLOSE, CONT, PING, PONG, TEXT, close_payload, frame  # noqa: E402

websockets = pytest.importorskip("websockets", reason="python3-websockets is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    markers = tmp_path_factory.mktemp("markers")
    with serve(paasrun_path(), "asgi_ws:app", extra=["--ws-max-size", "65536"],
               env={"ASGI_MARKER_DIR": str(markers)}) as s:
        s.markers = markers
        yield s


def echo_conn(server, **kw):
    c = wsc.connect(server.port, **kw)
    assert c.status == 101, (c.status, c.headers)
    return c


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


# ---- handshake --------------------------------------------------------------------------

def test_handshake_101_with_app_headers_and_scope(server):
    c = echo_conn(server, path="/echo?x=1", headers=b"Sec-WebSocket-Protocol: chat, superchat\r\n")
    assert c.headers["upgrade"].lower() == "websocket"
    assert c.headers["sec-websocket-protocol"] == "chat"
    assert c.headers["x-app"] == "echo"
    c.send(frame(TEXT, b"scope"))
    op, payload = c.recv_message()
    scope = json.loads(payload)
    assert scope["type"] == "websocket"
    assert scope["scheme"] == "ws"
    assert scope["path"] == "/echo"
    assert scope["query_string"] == "x=1"
    assert scope["subprotocols"] == ["chat", "superchat"]
    assert scope["http_version"] == "1.1"
    assert "method" not in scope
    assert ["host", "t"] in scope["headers"]
    assert scope["client"][0] == "127.0.0.1"
    c.close()


def test_handshake_refusals(server):
    assert wsc.connect(server.port, version=b"8").status == 426
    assert wsc.connect(server.port, key=b"not-a-key").status == 400


def test_close_before_accept_is_403(server):
    assert wsc.connect(server.port, path="/deny").status == 403
    assert wsc.connect(server.port, path="/return").status == 403
    # The connection stays usable for plain HTTP on other connections.
    assert server.get("/").status == 200


# ---- messages and the close handshake -----------------------------------------------------

def test_echo_text_binary_ping_and_close_handshake(server):
    c = echo_conn(server)
    c.send(frame(TEXT, "héllo".encode()))
    assert c.recv_message() == (TEXT, "héllo".encode())
    c.send(frame(BINARY, bytes(range(256)) * 4))
    assert c.recv_message() == (BINARY, bytes(range(256)) * 4)
    c.send(frame(PING, b"are you there"))
    assert c.recv_frame() == (True, PONG, b"are you there")
    c.send(frame(CLOSE, close_payload(1000, b"done")))
    assert c.expect_close() == (1000, b"")
    c.expect_eof()
    wait_until(lambda: (server.markers / "disconnect-1000").exists(), what="app saw disconnect 1000")


def test_fragmented_message_with_interleaved_control_frames(server):
    c = echo_conn(server)
    c.send(frame(TEXT, b"frag", fin=False))
    c.send(frame(PING, b"p1"))
    c.send(frame(CONT, b"ment", fin=False))
    c.send(frame(PONG, b"unsolicited"))
    c.send(frame(CONT, b"ed", fin=True))
    assert c.recv_frame() == (True, PONG, b"p1")
    assert c.recv_message() == (TEXT, b"fragmented")
    # a UTF-8 sequence split across fragments is fine
    snow = "☃".encode()
    c.send(frame(TEXT, snow[:1], fin=False) + frame(CONT, snow[1:]))
    assert c.recv_message() == (TEXT, snow)
    c.close()


def test_unmasked_client_frame_is_1002(server):
    c = echo_conn(server)
    c.send(frame(TEXT, b"hi", mask=False))
    assert c.expect_close()[0] == 1002
    c.expect_eof()


def test_bad_utf8_text_is_1007(server):
    c = echo_conn(server)
    c.send(frame(TEXT, b"ok \xc3\x28 not"))
    assert c.expect_close()[0] == 1007
    c.expect_eof()


def test_oversized_message_is_1009(server):
    c = echo_conn(server)  # --ws-max-size 65536
    c.send(frame(BINARY, b"x" * 65536))
    assert c.recv_message() == (BINARY, b"x" * 65536)
    c.send(frame(BINARY, b"x" * 1000, fin=False) + frame(CONT, b"y" * 65000))
    assert c.expect_close()[0] == 1009
    c.expect_eof()


def test_continuation_without_message_is_1002(server):
    c = echo_conn(server)
    c.send(frame(CONT, b"orphan"))
    assert c.expect_close()[0] == 1002
    c.expect_eof()


def test_client_gone_without_close_frame_is_1006(server):
    c = echo_conn(server)
    c.send(frame(TEXT, b"x"))
    assert c.recv_message() == (TEXT, b"x")
    c.close()  # TCP FIN, no close frame
    wait_until(lambda: (server.markers / "disconnect-1006").exists(), what="app saw disconnect 1006")


def test_peer_close_without_code_is_echoed_empty_and_reported_1005(server):
    c = echo_conn(server)
    c.send(frame(CLOSE, b""))
    assert c.expect_close() == (1005, b"")  # an empty close frame back
    c.expect_eof()
    wait_until(lambda: (server.markers / "disconnect-1005").exists(), what="app saw disconnect 1005")


def test_app_close_with_code_and_reason(server):
    c = echo_conn(server)
    c.send(frame(TEXT, b"close:4001:bye now"))
    assert c.expect_close() == (4001, b"bye now")
    c.send(frame(CLOSE, close_payload(4001)))
    c.expect_eof()


def test_app_that_raises_closes_1011(server):
    c = echo_conn(server)
    c.send(frame(TEXT, b"raise"))
    assert c.expect_close()[0] == 1011
    c.send(frame(CLOSE, close_payload(1000)))
    c.expect_eof()
    server.proc.wait_for_line(r"websocket app raised.*boom in the websocket view", timeout=10)


def test_first_frames_sent_with_the_handshake(server):
    # Bytes right after the request head are the first frames.
    c = wsc.connect(server.port, headers=b"")
    c.send(frame(TEXT, b"a") + frame(TEXT, b"b"))
    assert c.recv_message() == (TEXT, b"a")
    assert c.recv_message() == (TEXT, b"b")
    c.close()


CHUNK = frame(BINARY, b"z" * 60000)


def fill_until_stalled(c):
    """Sends CHUNK frames without blocking until the server stops taking bytes for 1 s;
    returns the bytes sent (the last frame may be partial)."""
    c.sock.setblocking(False)
    sent = 0
    stalled_at = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            sent += c.sock.send(CHUNK[sent % len(CHUNK):])
        except BlockingIOError:
            if stalled_at is None:
                stalled_at = time.monotonic()
            elif time.monotonic() - stalled_at > 1.0:
                break
            time.sleep(0.01)
            continue
        stalled_at = None
        assert sent < 200 * 1024 * 1024, "the server kept reading: no back-pressure"
    assert stalled_at is not None, "sending never stalled"
    c.sock.setblocking(True)
    return sent


def test_back_pressure_stops_reading_while_the_app_does_not_receive(server):
    c = echo_conn(server, path="/sink")
    chunk = CHUNK
    sent = fill_until_stalled(c)
    # What the server took is bounded: its inbox (1 MiB / 16 messages) plus socket buffers.
    assert sent < 64 * 1024 * 1024, sent
    # Let the app read; every message arrives.
    g = echo_conn(server, path="/go")
    assert g.expect_close()[0] == 1000
    rest = len(chunk) - sent % len(chunk)
    if rest != len(chunk):
        c.send(chunk[sent % len(chunk):])
        sent += rest
    c.send(frame(BINARY, b"end"))
    op, payload = c.recv_message()
    count = sent // len(chunk)
    assert payload == f"count={count} bytes={count * 60000}".encode()
    c.close()


# ---- the websockets client library ---------------------------------------------------------

def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


@pytest.mark.parametrize("compression", [None, "deflate"])
def test_websockets_library_interop(server, compression):
    async def main():
        uri = f"ws://127.0.0.1:{server.port}/echo"
        async with websockets.connect(uri, compression=compression, subprotocols=["chat"],
                                      max_size=None) as ws:
            assert ws.subprotocol == "chat"
            names = [type(e).__name__ for e in ws.extensions]
            assert names == (["PerMessageDeflate"] if compression else [])
            text = json.dumps({"items": list(range(2000))})  # compressible, ~11 KB
            for i in range(20):
                await ws.send(f"{i}:{text}")
                assert await ws.recv() == f"{i}:{text}"
            await ws.send(b"\x00\x01" * 100)
            assert await ws.recv() == b"\x00\x01" * 100
            pong = await ws.ping(b"lib")
            await asyncio.wait_for(pong, 5)
        assert ws.close_code == 1000
    run(main())


def test_websockets_library_sees_app_close_code(server):
    async def main():
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/echo") as ws:
            await ws.send("close:4321:app says bye")
            with pytest.raises(websockets.ConnectionClosed) as info:
                await ws.recv()
            assert info.value.rcvd.code == 4321
            assert info.value.rcvd.reason == "app says bye"
    run(main())


def test_permessage_deflate_off():
    with serve(paasrun_path(), "asgi_ws:app", extra=["--ws-per-message-deflate", "false"]) as s:
        async def main():
            async with websockets.connect(f"ws://127.0.0.1:{s.port}/echo") as ws:
                assert ws.extensions == []
                await ws.send("plain")
                assert await ws.recv() == "plain"
        run(main())


# ---- keep-alive pings ------------------------------------------------------------------------

def test_ping_timeout_closes_1011_and_pong_keeps_it_open():
    with serve(paasrun_path(), "asgi_ws:app",
               extra=["--ws-ping-interval", "1", "--ws-ping-timeout", "1"]) as s:
        silent = wsc.connect(s.port)
        assert silent.status == 101
        alive = wsc.connect(s.port)
        fin, op, payload = alive.recv_frame()
        assert op == PING
        alive.send(frame(PONG, payload))
        fin, op, _ = silent.recv_frame()
        assert op == PING  # not answered
        assert silent.expect_close()[0] == 1011
        silent.expect_eof()
        # The one that answered is still served (it answers the next pings too).
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            alive.sock.settimeout(0.3)
            try:
                fin, op, payload = alive.recv_frame()
            except socket.timeout:
                continue
            assert op == PING
            alive.send(frame(PONG, payload))
        alive.sock.settimeout(10)
        alive.send(frame(TEXT, b"still here"))
        while True:
            fin, op, payload = alive.recv_frame()
            if op == PING:
                alive.send(frame(PONG, payload))
                continue
            assert (op, payload) == (TEXT, b"still here")
            break
        alive.close()


# ---- drain, heartbeat, stats ---------------------------------------------------------------

def test_sigterm_sends_1001_and_the_app_gets_disconnect(tmp_path):
    with serve(paasrun_path(), "asgi_ws:app", env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        c = wsc.connect(s.port)
        assert c.status == 101
        c.send(frame(TEXT, b"x"))
        assert c.recv_message() == (TEXT, b"x")
        began = time.monotonic()
        s.proc.signal(signal.SIGTERM)
        code, reason = c.expect_close()
        assert code == 1001
        assert time.monotonic() - began < 5
        c.send(frame(CLOSE, close_payload(1001)))
        c.expect_eof()
        assert s.proc.wait(20) == 0
        assert (tmp_path / "disconnect-1001").exists()
        # The app's task still ran after the connections drained (its clean-up awaits).
        assert (tmp_path / "cleanup-1001").exists()
        assert "waiting for tasks failed" not in s.proc.text()


def test_drain_during_the_handshake_closes_1001_right_after_the_101(tmp_path):
    with serve(paasrun_path(), "asgi_ws:app", env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        timer = threading.Timer(0.3, s.proc.signal, [signal.SIGTERM])
        timer.start()
        try:
            c = wsc.connect(s.port, path="/slow-accept")  # the app accepts after 1 s
        finally:
            timer.join()
        assert c.status == 101
        assert c.expect_close()[0] == 1001
        c.send(frame(CLOSE, close_payload(1001)))
        c.expect_eof(timeout=3)  # our close answers it: not the 5 s close timeout
        assert s.proc.wait(20) == 0
        assert (tmp_path / "disconnect-1001").exists()


def read_flood(c):
    for i in range(200):
        assert c.recv_message() == (BINARY, bytes([i]) * 65536)
    assert c.recv_message() == (TEXT, b"done")


def test_app_sends_wait_for_a_slow_reader(server):
    # 200 x 64 KiB queued against a client that reads nothing for a second: send() waits
    # above the high-water mark (it must neither fail nor lose a message).
    c = echo_conn(server, path="/flood")
    time.sleep(1.0)
    read_flood(c)
    c.close()


def test_app_sends_to_a_slow_reader_hold_bounded_memory(server):
    pid = int(server.proc.wait_for_line(r"msg=ready worker=1 pid=(\d+)").group(1))
    if "libasan" in pathlib.Path(f"/proc/{pid}/maps").read_text():
        pytest.skip("RSS means nothing under ASan (its allocator quarantines freed memory)")
    before = rss_kib(pid)
    c = echo_conn(server, path="/flood")
    time.sleep(1.0)
    # Without the wait the worker would hold the 12.5 MiB the app sent.
    assert rss_kib(pid) - before < 6 * 1024
    read_flood(c)
    c.close()


def test_drain_reads_on_past_a_full_inbox_for_the_close_frame():
    with serve(paasrun_path(), "asgi_ws:app", extra=["--graceful-timeout", "5"]) as s:
        c = wsc.connect(s.port, path="/sink")  # the app never reads
        assert c.status == 101
        sent = fill_until_stalled(c)
        s.proc.signal(signal.SIGTERM)
        assert c.expect_close()[0] == 1001
        # The server reads (and drops) what was queued, so our close frame gets through.
        c.sock.settimeout(3)
        if sent % len(CHUNK):
            c.send(CHUNK[sent % len(CHUNK):])
        c.send(frame(CLOSE, close_payload(1001)))
        c.expect_eof(timeout=3)
        assert s.proc.wait(20) == 0


def test_rolling_restart_closes_old_websockets_1001_and_new_ones_work(tmp_path):
    with serve(paasrun_path(), "asgi_ws:app", workers=1, env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        old = wsc.connect(s.port)
        assert old.status == 101
        s.proc.signal(signal.SIGHUP)
        assert old.expect_close()[0] == 1001
        old.send(frame(CLOSE, close_payload(1001)))
        old.expect_eof()
        wait_until(lambda: (tmp_path / "disconnect-1001").exists(), what="old app's disconnect")
        new = wsc.connect(s.port)
        assert new.status == 101
        new.send(frame(TEXT, b"after"))
        assert new.recv_message() == (TEXT, b"after")
        new.close()


def test_recycling_closes_websockets_1001(tmp_path):
    # --max-requests 3: the readiness probe, one GET and the handshake; the worker then asks
    # to be recycled, and its replacement serves the next WebSocket.
    with serve(paasrun_path(), "asgi_ws:app", extra=["--max-requests", "3"],
               env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        assert s.get("/").status == 200
        c = wsc.connect(s.port)
        assert c.status == 101
        assert c.expect_close()[0] == 1001
        c.send(frame(CLOSE, close_payload(1001)))
        c.expect_eof(timeout=3)
        s.proc.wait_for_line(r"reason=max-requests", timeout=10)
        wait_until(lambda: (tmp_path / "disconnect-1001").exists(), what="app saw disconnect 1001")
        new = wsc.connect(s.port)
        assert new.status == 101
        new.send(frame(TEXT, b"fresh worker"))
        assert new.recv_message() == (TEXT, b"fresh worker")
        new.close()


def test_open_websocket_is_not_a_stuck_request():
    # --timeout 3: a WebSocket open for longer must not make the arbiter think the worker
    # is stuck (the loop keeps beating), and it still echoes.
    with serve(paasrun_path(), "asgi_ws:app", extra=["--timeout", "3", "--ws-ping-interval", "0"]) as s:
        c = wsc.connect(s.port)
        assert c.status == 101
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            assert s.get("/").status == 200
            time.sleep(0.5)
        c.send(frame(TEXT, b"alive"))
        assert c.recv_message() == (TEXT, b"alive")
        assert "worker timeout" not in s.proc.text()
        c.close()


def test_stats_and_access_log_count_the_handshake_not_the_open_socket(tmp_path):
    stats = tmp_path / "stats"
    with serve(paasrun_path(), "asgi_ws:app", env={"PAASRUN_STATS_DIR": str(stats)}) as s:
        c = wsc.connect(s.port, path="/echo?q=1")
        assert c.status == 101
        s.proc.wait_for_line(r'method=GET path=/echo query="q=1" status=101', timeout=10)
        wait_until(lambda: total(snapshot(stats), "requests") >= 2, timeout=10, what="handshake counted")
        workers = [f for f in snapshot(stats).values() if f["flags"] == 0]
        assert len(workers) == 1
        assert workers[0]["in_flight"] == 0  # the open WebSocket is not an in-flight request
        assert workers[0]["by_class"][0] == 1  # 1xx: the 101
        c.send(frame(TEXT, b"still open"))
        assert c.recv_message() == (TEXT, b"still open")
        c.close()


def test_wsgi_app_gets_upgrade_requests_as_plain_http():
    with serve(paasrun_path(), "hello:application") as s:
        c = wsc.connect(s.port, path="/")
        assert c.status == 200  # WSGI has no WebSocket: the app answers the request
        c.close()


# ---- frameworks, served unchanged ------------------------------------------------------------

def test_fastapi_websocket_route():
    pytest.importorskip("fastapi", reason="python3-fastapi is not installed")
    with serve(paasrun_path(), "asgi_fastapi_ws:app") as s:
        async def main():
            async with websockets.connect(f"ws://127.0.0.1:{s.port}/ws/lobby?name=ann") as ws:
                await ws.send(json.dumps({"n": 1}))
                assert json.loads(await ws.recv()) == {"room": "lobby", "name": "ann", "echo": {"n": 1}}
        run(main())
        # FastAPI's HTTP route still works on the same worker.
        assert s.get("/").status == 200


def test_starlette_websocket_endpoint():
    pytest.importorskip("starlette", reason="python3-starlette is not installed")
    with serve(paasrun_path(), "asgi_fastapi_ws:starlette_app") as s:
        async def main():
            async with websockets.connect(f"ws://127.0.0.1:{s.port}/upper") as ws:
                await ws.send("shout")
                assert await ws.recv() == "SHOUT"
        run(main())
        # An unknown path: Starlette closes before accept -> 403.
        assert wsc.connect(s.port, path="/nowhere").status == 403
