"""The ASGI WebSocket Denial Response extension (`websocket.http.response`): an app answers
the handshake with an HTTP response of its own instead of accept/close (asgi_ws.py
/deny-http: 401 with a body), seen by a raw socket and by the websockets client library."""
import asyncio
import pathlib
import socket
import sys

import pytest

import ws_client as wsc
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import read_until_closed, serve  # noqa: E402
from conftest import paasrun_path  # noqa: E402


@pytest.fixture(scope="module")
def server():
    with serve(paasrun_path(), "asgi_ws:app") as s:
        yield s


def test_denial_response_over_a_raw_socket(server):
    c = wsc.connect(server.port, path="/deny-http")
    assert c.status == 401, c.status
    assert c.headers.get("content-type") == "text/plain", c.headers
    assert c.headers.get("www-authenticate") == "Bearer", c.headers
    assert c.headers.get("content-length") == "14", c.headers
    assert c.headers.get("connection") == "close", c.headers
    assert "sec-websocket-accept" not in c.headers and "upgrade" not in c.headers, c.headers
    body = c.buf + read_until_closed(c.sock, timeout=10)
    assert body == b"token required", body
    c.close()
    server.proc.wait_for_line(r"websocket denied by the app\" path=/deny-http status=401", timeout=5)
    server.proc.wait_for_line(r"path=/deny-http status=401", timeout=5)  # the access log line


def test_unfinished_denial_is_a_500(server):
    c = wsc.connect(server.port, path="/deny-http?half=1")
    assert c.status == 500, c.status
    c.close()


def test_plain_close_before_accept_is_still_403(server):
    assert wsc.connect(server.port, path="/deny").status == 403


def test_websockets_client_sees_the_status():
    pytest.importorskip("websockets")
    import websockets
    with serve(paasrun_path(), "asgi_ws:app") as s:
        async def attempt():
            async with websockets.connect(f"ws://127.0.0.1:{s.port}/deny-http"):
                pass
        with pytest.raises(Exception) as info:
            asyncio.run(attempt())
        e = info.value
        # websockets 10 (Debian 12): InvalidStatusCode.status_code; 11+: InvalidStatus.response
        status = getattr(e, "status_code", None) or getattr(getattr(e, "response", None), "status_code", None)
        assert type(e).__name__ in ("InvalidStatusCode", "InvalidStatus"), repr(e)
        assert status == 401, repr(e)
        assert s.get("/").status == 200  # still serving
