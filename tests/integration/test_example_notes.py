"""The FastAPI example (examples/notes) served by `paasrun serve` as an ASGI app: lifespan
startup before ready, JSON API with validation, static files from its paasrun.yaml, the
WebSocket live feed (/ws/feed, used by the page's static/notes.js), shutdown (the open feed
gets close 1001)."""
import asyncio
import json
import pathlib
import signal
import socket
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import ResponseReader  # noqa: E402
from conftest import Proc, free_port, paasrun_path, wait_until  # noqa: E402

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "notes"


def call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {len(data)}\r\n"
    if body is not None:
        head += "Content-Type: application/json\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode() + b"\r\n" + data)
        return ResponseReader(s).read()


def test_notes_example(tmp_path):
    pytest.importorskip("fastapi", reason="python3-fastapi is not installed (scripts/bootstrap)")
    port = free_port()
    with Proc([paasrun_path(), "serve", "--chdir", str(EXAMPLE), "-b", f"127.0.0.1:{port}", "-w", "1", "app:app"],
              cwd=str(EXAMPLE), env={"PAASRUN_DATA_DIR": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}) as p:
        p.wait_for_line(r"msg=ready worker=1 .*interface=asgi", timeout=30)
        assert "settings from manifest" in p.text()
        assert json.loads(call(port, "GET", "/healthz").body) == {"ok": True}
        assert call(port, "POST", "/notes", {"text": "first"}).status == 201
        assert call(port, "POST", "/notes", {"nope": 1}).status == 422
        assert json.loads(call(port, "GET", "/notes").body) == [{"id": 1, "text": "first"}]
        css = call(port, "GET", "/static/notes.css")
        assert css.status == 200 and b"font-family" in css.body
        assert (tmp_path / "notes.sqlite3").exists()

        page = call(port, "GET", "/")
        assert b'<script src="/static/notes.js"></script>' in page.body
        js = call(port, "GET", "/static/notes.js")
        assert js.status == 200 and b'"/ws/feed"' in js.body and b"new WebSocket" in js.body
        assert b"http://" not in js.body and b"https://" not in js.body  # no CDN

        websockets = pytest.importorskip("websockets", reason="python3-websockets is not installed")
        feed_url = f"ws://127.0.0.1:{port}/ws/feed"

        async def live_feed():
            async with websockets.connect(feed_url) as a, websockets.connect(feed_url) as b:
                for ws in (a, b):
                    assert json.loads(await ws.recv()) == {"type": "snapshot", "notes": [{"id": 1, "text": "first"}]}
                # A note added over HTTP reaches both feeds.
                loop = asyncio.get_running_loop()
                added = await loop.run_in_executor(None, call, port, "POST", "/notes", {"text": "second"})
                assert added.status == 201
                for ws in (a, b):
                    assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {
                        "type": "note", "note": {"id": 2, "text": "second"}}
                # A note sent on one feed is stored and reaches both.
                await a.send(json.dumps({"text": "over the socket"}))
                for ws in (a, b):
                    assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {
                        "type": "note", "note": {"id": 3, "text": "over the socket"}}
                await a.send(json.dumps({"text": "  "}))
                assert json.loads(await asyncio.wait_for(a.recv(), 10)) == {"type": "error", "detail": "empty note"}
                # Each note came once (the database poll does not repeat them).
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(b.recv(), 2.5)
            assert json.loads(call(port, "GET", "/notes").body)[-1] == {"id": 3, "text": "over the socket"}

        asyncio.new_event_loop().run_until_complete(live_feed())

        async def feed_closed_on_stop():
            async with websockets.connect(feed_url) as ws:
                await ws.recv()  # the snapshot
                p.signal(signal.SIGTERM)
                with pytest.raises(websockets.ConnectionClosed) as info:
                    await asyncio.wait_for(ws.recv(), 10)
                assert info.value.rcvd.code == 1001

        asyncio.new_event_loop().run_until_complete(feed_closed_on_stop())
        assert p.wait(20) == 0
        assert "lifespan shutdown complete" in p.text()
