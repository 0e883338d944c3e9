"""The notes example (examples/notes, FastAPI with a WebSocket page) end to end under
`paasrun up`, as test_guestbook_up.py does for the guestbook: the build (the Python buildpack
installs requirements.txt's fastapi with pip), the page, a WebSocket round trip on its live
feed, and Ctrl-C (SIGINT) stopping everything with exit code 0.

Where pip can reach its package index, the example is built exactly as a user's would be.
Where it cannot (this project's CI has no PyPI), the copy is built from Debian's packages
instead: `python: system_site_packages: true` in the copy's paasrun.yaml and PIP_NO_INDEX=1
PIP_NO_DEPS=1 for pip, because Debian's python3-fastapi asks for starlette<0.26 while Debian
ships starlette 0.26.1 (`python3 -m pip check` says so), so pip would otherwise want to
download a starlette. The build, release, run and stop paths are the same either way; only
where fastapi comes from differs. test_example_notes.py runs the same app under `paasrun serve`.
"""
import asyncio
import json
import re
import shutil
import signal
import socket

import pytest

from conftest import ROOT, Proc, free_port, http_get, wait_until

EXAMPLE = ROOT / "examples" / "notes"


def index_reachable():
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.fixture
def notes(tmp_path):
    app = tmp_path / "notes"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(
        ".paasrun", ".venv", "__pycache__", "*.sqlite3*"))
    env = {"NO_COLOR": "1"}
    if not index_reachable():
        # Offline: fastapi from Debian's packages (see the module's docstring).
        with open(app / "paasrun.yaml", "a") as f:
            f.write("\npython:\n  system_site_packages: true\n")
        env.update(PIP_NO_INDEX="1", PIP_NO_DEPS="1")
    return app, env


def test_up_serves_the_notes_example_and_its_websocket(paasrun, notes):
    websockets = pytest.importorskip("websockets", reason="python3-websockets is not installed")
    app, env = notes
    port = free_port()
    with Proc([paasrun, "up", str(app), "-p", str(port)], env=env) as p:
        # The first `up` builds the app (a virtualenv, pip install) before anything listens.
        def page():
            try:
                return http_get(port, "/", timeout=2)
            except OSError:
                if p.p.poll() is not None:
                    return "exited"
                return None
        got = wait_until(page, timeout=300, what="the notes page")
        if got == "exited":
            raise AssertionError("paasrun up exited:\n" + p.text())
        status, headers, body = got
        assert status == 200, body
        assert {k.lower(): v for k, v in headers.items()}["content-type"].startswith("text/html")
        assert b'<script src="/static/notes.js"></script>' in body
        assert http_get(port, "/healthz")[0] == 200
        js = http_get(port, "/static/notes.js")
        assert js[0] == 200 and js[2] == (EXAMPLE / "static" / "notes.js").read_bytes()

        async def round_trip():
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/feed") as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert first["type"] == "snapshot", first
                await ws.send(json.dumps({"text": "from the up test"}))
                note = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert note["type"] == "note" and note["note"]["text"] == "from the up test", note
        asyncio.new_event_loop().run_until_complete(round_trip())

        notes_list = json.loads(http_get(port, "/notes")[2])
        assert notes_list[-1]["text"] == "from the up test"
        assert re.search(r"^\d\d:\d\d:\d\d web\.1 +\| .*interface=asgi", p.text(), re.M), p.text()

        p.signal(signal.SIGINT)
        assert p.wait(timeout=30) == 0, p.text()
