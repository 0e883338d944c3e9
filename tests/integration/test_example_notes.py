"""The FastAPI example (examples/notes) served by `paasrun serve` as an ASGI app: lifespan
startup before ready, JSON API with validation, static files from its paasrun.yaml, shutdown."""
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
        p.signal(signal.SIGTERM)
        assert p.wait(20) == 0
        assert "lifespan shutdown complete" in p.text()
