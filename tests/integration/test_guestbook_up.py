"""README's first command, end to end: `paasrun up` on a copy of examples/guestbook.

Checks what a user sees: the page renders, a posted entry is published by the worker process,
static files come back, the health path answers, every process type logs with its prefix,
and Ctrl-C (SIGINT) stops everything with exit code 0.
"""
import json
import re
import shutil
import signal
import urllib.parse

import pytest

from conftest import ROOT, Proc, free_port, http_get, wait_until

EXAMPLE = ROOT / "examples" / "guestbook"


@pytest.fixture
def guestbook(tmp_path):
    app = tmp_path / "guestbook"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns(
        ".paasrun", ".venv", "__pycache__", "*.sqlite3*"))
    return app


def test_up_serves_the_guestbook_and_stops_on_ctrl_c(paasrun, guestbook):
    port = free_port()
    with Proc([paasrun, "up", str(guestbook), "-p", str(port)],
              env={"NO_COLOR": "1", "WORKER_INTERVAL": "0.2"}) as p:
        # The first `up` may build the app (a virtualenv) before anything listens.
        def page():
            try:
                return http_get(port, "/", timeout=2)
            except OSError:
                assert p.p.poll() is None, "paasrun up exited:\n" + p.text()
                return None
        status, headers, body = wait_until(page, timeout=120, what="the guestbook page")
        assert status == 200, body
        assert headers["Content-Type"].startswith("text/html")
        assert b"<form" in body

        health = http_get(port, "/healthz")
        assert health[0] == 200, health

        css = http_get(port, "/static/style.css")
        assert css[0] == 200
        assert css[2] == (EXAMPLE / "static" / "style.css").read_bytes()
        assert css[1]["Content-Type"].startswith("text/css")

        form = urllib.parse.urlencode({"name": "Ada", "message": "hello from the test"})
        posted = http_get(port, "/", method="POST", body=form,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert posted[0] == 303, posted

        def published():
            s, _, b = http_get(port, "/api/entries")
            assert s == 200
            return any(e.get("message") == "hello from the test" for e in json.loads(b)["entries"])
        wait_until(published, timeout=20, what="the worker to publish the entry")

        prefixes = {m.group(1) for m in
                    (re.match(r"^\d\d:\d\d:\d\d (\S+) +\| ", line) for line in p.output()) if m}
        assert {"web.1", "worker.1"} <= prefixes, p.text()

        p.signal(signal.SIGINT)
        assert p.wait(timeout=30) == 0, p.text()
