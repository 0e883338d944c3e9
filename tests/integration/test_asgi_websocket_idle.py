"""--ws-idle-timeout (docs/asgi.md "WebSockets", docs/websocket.md "Keep-alive"): a WebSocket
with no data message in either direction for that long gets close 1001 "idle timeout", the
app gets websocket.disconnect 1001 and the stats file counts the close under 1001; a client
that keeps sending, or an app that keeps sending, keeps the connection; pings and pongs do
not count as activity. Against the real binary with a raw-socket client (ws_client.py)."""
import pathlib
import socket
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402
from test_serve_stats import LAYOUT, snapshot  # noqa: E402
import ws_client as wsc  # noqa: E402
from ws_client import BINARY, CLOSE, PING, PONG, TEXT, close_payload, frame  # noqa: E402
from test_asgi_websocket import CHUNK, fill_until_stalled  # noqa: E402

# The WebSocket counters are the stats file's last 12 values: open accepted messages/bytes
# received/sent closes[1000 1001 1006 1009 1011 other] (src/serve/websocket_stats.hpp).
CLOSES_1001 = 12 - 6 + 1


def closes_1001(stats_dir):
    total = 0
    for p in stats_dir.iterdir():
        if p.suffix not in (".stats", ".retired"):
            continue
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            continue
        if len(data) != LAYOUT.size:
            continue
        total += LAYOUT.unpack(data)[-12:][CLOSES_1001]
    return total


def next_frame(c, timeout):
    """The next server frame, or None when none came within `timeout` seconds."""
    c.sock.settimeout(timeout)
    try:
        return c.recv_frame()
    except socket.timeout:
        return None
    finally:
        c.sock.settimeout(10)


def finish_close(c, code=1001):
    c.send(frame(CLOSE, close_payload(code)))
    c.expect_eof(timeout=3)  # the close handshake ends it, not the 5 s close timeout


def test_silent_client_gets_1001_idle_timeout_and_the_app_a_disconnect(tmp_path):
    stats = tmp_path / "stats"
    markers = tmp_path / "markers"
    markers.mkdir()
    with serve(paasrun_path(), "asgi_ws:app",
               extra=["--ws-idle-timeout", "1", "--ws-ping-interval", "0"],
               env={"ASGI_MARKER_DIR": str(markers), "PAASRUN_STATS_DIR": str(stats)}) as s:
        c = wsc.connect(s.port)
        assert c.status == 101
        c.send(frame(TEXT, b"hello"))
        assert c.recv_message() == (TEXT, b"hello")
        last = time.monotonic()
        c.sock.settimeout(5)
        code, reason = c.expect_close()
        waited = time.monotonic() - last
        assert (code, reason) == (1001, b"idle timeout")
        # Not early (the server times from a tick after its echo went out; the slack is for
        # this client being scheduled late on a loaded machine), at most a tick late (plus
        # room for the load).
        assert 0.75 <= waited < 4, waited
        finish_close(c)
        wait_until(lambda: (markers / "disconnect-1001").exists(), timeout=5, what="app's disconnect 1001")
        wait_until(lambda: closes_1001(stats) == 1, timeout=5, what="the close counted under 1001")
        s.proc.wait_for_line(r"msg=\"?websocket idle timeout\"? idle_ms=\d+", timeout=5)
        assert snapshot(stats)  # the files were read with the documented layout


def test_client_that_keeps_sending_is_not_closed():
    with serve(paasrun_path(), "asgi_ws:app",
               extra=["--ws-idle-timeout", "1", "--ws-ping-interval", "0"]) as s:
        c = wsc.connect(s.port)
        assert c.status == 101
        end = time.monotonic() + 3.5  # 3.5 idle timeouts
        i = 0
        while time.monotonic() < end:
            msg = b"m%d" % i
            c.send(frame(TEXT, msg))
            assert c.recv_message() == (TEXT, msg)  # a close frame here fails the test
            assert next_frame(c, 0.25) is None
            i += 1
        # Then silent: closed after the timeout.
        c.sock.settimeout(5)
        assert c.expect_close() == (1001, b"idle timeout")
        finish_close(c)


def test_app_that_keeps_sending_is_not_closed_then_idles_out(tmp_path):
    # Messages from the app count as activity too: /tick sends for 3 s (12 x 0.25 s) to a
    # client that sends nothing, then stops; the close comes about 1 s after the last tick.
    with serve(paasrun_path(), "asgi_ws:app",
               extra=["--ws-idle-timeout", "1", "--ws-ping-interval", "0"],
               env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        c = wsc.connect(s.port, path="/tick?n=12")
        assert c.status == 101
        for _ in range(12):
            assert c.recv_message() == (TEXT, b"tick")
        last = time.monotonic()
        c.sock.settimeout(5)
        assert c.expect_close() == (1001, b"idle timeout")
        assert 0.5 <= time.monotonic() - last < 4
        finish_close(c)
        wait_until(lambda: (tmp_path / "disconnect-1001").exists(), timeout=5, what="app's disconnect 1001")


def until_close(c, own_pings, limit=8):
    """Answers the server's pings (and sends pings of its own every 0.3 s when `own_pings`)
    until a close frame comes: (close payload, server pings, pongs to our pings, seconds)."""
    began = time.monotonic()
    pings = pongs = 0
    while True:
        assert time.monotonic() - began < limit, f"no close within {limit} s"
        if own_pings:
            c.send(frame(PING, b"client"))
        f = next_frame(c, 0.3)
        while f is not None:
            fin, op, payload = f
            if op == PING:
                pings += 1
                c.send(frame(PONG, payload))
            elif op == PONG:
                assert payload == b"client"
                pongs += 1
            else:
                assert op == CLOSE, (op, payload)
                return payload, pings, pongs, time.monotonic() - began
            f = next_frame(c, 0.05)


def test_pings_and_pongs_do_not_count_as_activity():
    # No data message either way, only control frames: closed after the idle timeout all the
    # same, whether the client answers the server's keep-alive pings or pings it itself.
    with serve(paasrun_path(), "asgi_ws:app",
               extra=["--ws-idle-timeout", "3", "--ws-ping-interval", "1", "--ws-ping-timeout", "5"]) as s:
        answers = wsc.connect(s.port)
        assert answers.status == 101
        payload, pings, pongs, waited = until_close(answers, own_pings=False)
        assert payload == close_payload(1001, b"idle timeout")
        assert pings >= 1, pings  # the server's keep-alive pings came, and were answered
        assert 2.5 <= waited < 6, waited
        finish_close(answers)

        pinger = wsc.connect(s.port)
        assert pinger.status == 101
        payload, pings, pongs, waited = until_close(pinger, own_pings=True)
        assert payload == close_payload(1001, b"idle timeout")
        assert pongs >= 5, pongs  # our pings were answered
        assert 2.5 <= waited < 6, waited
        finish_close(pinger)


def test_client_waiting_on_back_pressure_is_not_idle():
    # /sink reads nothing until /go: the inbox fills, the server stops reading, and the
    # client's sends stall. Its messages wait for the app: not an idle connection.
    with serve(paasrun_path(), "asgi_ws:app",
               extra=["--ws-idle-timeout", "1", "--ws-ping-interval", "0"]) as s:
        c = wsc.connect(s.port, path="/sink")
        assert c.status == 101
        sent = fill_until_stalled(c)  # stalls for 1 s before it returns
        assert next_frame(c, 1.5) is None  # no close frame after 2.5 idle timeouts
        g = wsc.connect(s.port, path="/go")
        assert g.status == 101
        g.close()
        if sent % len(CHUNK):
            c.send(CHUNK[sent % len(CHUNK):])
        c.send(frame(BINARY, b"end"))
        op, payload = c.recv_message()
        assert op == TEXT and payload.startswith(b"count="), payload
        c.sock.settimeout(5)
        assert c.expect_close() == (1001, b"idle timeout")
        finish_close(c)


def test_idle_timeout_off_by_default_keeps_a_silent_websocket():
    with serve(paasrun_path(), "asgi_ws:app", extra=["--ws-ping-interval", "0"]) as s:
        c = wsc.connect(s.port)
        assert c.status == 101
        assert next_frame(c, 2.5) is None
        c.send(frame(TEXT, b"still open"))
        assert c.recv_message() == (TEXT, b"still open")
        c.close()


def test_bad_idle_timeout_is_refused_with_its_name():
    r = subprocess.run([paasrun_path(), "serve", "--ws-idle-timeout", "-1", "asgi_ws:app"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "ws-idle-timeout" in r.stderr
