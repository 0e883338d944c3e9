"""The bundled example app (examples/guestbook), tested on its own: no paasrun binary needed.

The WSGI app is called in-process through wsgiref.validate.validator with its warnings
turned into errors, so every response checked here is also PEP 3333-clean. migrate.py,
worker.py and `paasrun serve` run as real processes against a database in a temp dir.
"""
import importlib.util
import io
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
import warnings
import wsgiref.util
import wsgiref.validate

import pytest

from conftest import ROOT, SYSTEM_PYTHON, Proc, free_port, http_get, wait_for_port

EXAMPLE = ROOT / "examples" / "guestbook"
sys.path.insert(0, str(EXAMPLE))  # the example's `guestbook` package
sys.dont_write_bytecode = True     # keep __pycache__ out of the example dir

from guestbook import db, migrations  # noqa: E402
from guestbook.moderation import BannedWords  # noqa: E402


def load_app_module():
    # A unique module name: other tests may import their own fixture `app` modules.
    spec = importlib.util.spec_from_file_location("guestbook_example_app", EXAMPLE / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


app_module = load_app_module()


class Result:
    def __init__(self, status, headers, body):
        self.status = int(status.split()[0])
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")


def call(app, method="GET", path="/", body=b"", content_type=None, query="", content_length=None,
         validate=True):
    """One request; validate=False only for environs the validator itself rejects (a server
    must not pass them on, but the app should still cope)."""
    environ = {}
    wsgiref.util.setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD=method, PATH_INFO=path, QUERY_STRING=query,
                   **{"wsgi.input": io.BytesIO(body)})
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if content_length is None and body:
        content_length = str(len(body))
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    with warnings.catch_warnings():
        warnings.simplefilter("error", wsgiref.validate.WSGIWarning)
        iterable = (wsgiref.validate.validator(app) if validate else app)(environ, start_response)
        try:
            out = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
    return Result(seen["status"], seen["headers"], out)


def post_form(app, **fields):
    body = urllib.parse.urlencode(fields).encode()
    return call(app, "POST", "/", body, "application/x-www-form-urlencoded")


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "guestbook.sqlite3"


@pytest.fixture
def app(db_path):
    return app_module.Guestbook(db_path)


def statuses(db_path):
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT id, status FROM entries ORDER BY id"))


def run_script(script, db_path, *args, env=None):
    full_env = {**os.environ, "DATABASE_PATH": str(db_path), "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run([SYSTEM_PYTHON, script, *args], cwd=EXAMPLE, env=full_env,
                          capture_output=True, text=True, timeout=30)


# --- routes -------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/", 200), ("HEAD", "/", 200), ("GET", "/api/entries", 200),
    ("HEAD", "/api/entries", 200), ("GET", "/healthz", 200), ("HEAD", "/healthz", 200),
    ("GET", "/nope", 404), ("GET", "/static/app.js", 404), ("PUT", "/", 405),
    ("DELETE", "/api/entries", 405), ("POST", "/healthz", 405),
]


@pytest.mark.parametrize("method,path,status", ROUTES)
def test_every_route_passes_the_wsgi_validator(app, method, path, status):
    r = call(app, method, path)
    assert r.status == status
    assert r.headers["x-content-type-options"] == "nosniff"
    if method == "HEAD":
        assert r.body == b""
        assert int(r.headers["content-length"]) > 0
    else:
        assert int(r.headers["content-length"]) == len(r.body)


def test_index_links_the_stylesheet_and_script(app):
    r = call(app)
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert '<link rel="stylesheet" href="/static/style.css">' in r.text
    assert '<script src="/static/app.js" defer></script>' in r.text
    assert "No entries yet" in r.text


def test_405_lists_the_allowed_methods(app):
    assert call(app, "PUT", "/").headers["allow"] == "GET, HEAD, POST"
    assert call(app, "DELETE", "/api/entries").headers["allow"] == "GET, HEAD"


def test_post_redirects_with_303_and_the_entry_is_listed(app, db_path):
    r = post_form(app, name="Ada", message="Hello from the\r\nengine")
    assert r.status == 303
    assert r.headers["location"] == "/?posted=1"
    page = call(app, query="posted=1").text
    assert "Thank you for signing" in page
    assert "<strong>Ada</strong>" in page
    assert "Hello from the\nengine" in page  # CRLF from the browser stored as LF
    assert "awaiting moderation" in page
    assert statuses(db_path) == {1: "pending"}


def test_script_input_is_escaped_in_html_and_raw_in_json(app):
    evil = '<script>alert("x")</script>'
    assert post_form(app, name=evil, message=f"a & b {evil} 'q'").status == 303
    page = call(app).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "a &amp; b" in page and "&#x27;q&#x27;" in page
    entry = json.loads(call(app, path="/api/entries").body)["entries"][0]
    assert entry["name"] == evil  # JSON carries the text as written; the page escapes it


def test_invalid_form_values_are_escaped_when_the_form_is_refilled(app):
    r = post_form(app, name='"><script>x</script>', message="")
    assert r.status == 400
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in r.text
    assert "<script>x" not in r.text


@pytest.mark.parametrize("fields,field,message", [
    ({"name": "", "message": "hi"}, "name", "Please tell us your name."),
    ({"name": "   ", "message": "hi"}, "name", "Please tell us your name."),
    ({"name": "Ada", "message": " \r\n "}, "message", "Please write a message."),
    ({"name": "x" * 81, "message": "hi"}, "name", "Your name is 81 characters long; the limit is 80."),
    ({"name": "Ada", "message": "é" * 1001}, "message", "the limit is 1000"),
    ({"name": "A\nB", "message": "hi"}, "name", "cannot contain line breaks"),
    ({"name": "Ada", "message": "bell\x07"}, "message", "cannot contain control characters"),
])
def test_invalid_entries_get_400_with_a_friendly_message(app, db_path, fields, field, message):
    r = post_form(app, **fields)
    assert r.status == 400
    assert 'class="field field--invalid"' in r.text
    assert f'id="{field}-error"' in r.text
    assert message in r.text
    assert statuses(db_path) == {}


def test_the_longest_valid_entry_is_accepted(app, db_path):
    assert post_form(app, name="n" * 80, message="é" * 1000).status == 303
    assert statuses(db_path) == {1: "pending"}


@pytest.mark.parametrize("kwargs,status", [
    ({"body": b"name=a&message=b", "content_type": "text/plain"}, 415),
    ({"body": b"", "content_type": "application/x-www-form-urlencoded"}, 411),
    ({"body": b"name=a", "content_type": "application/x-www-form-urlencoded", "content_length": "100"}, 400),
    ({"body": b"name=" + b"a" * 20000, "content_type": "application/x-www-form-urlencoded"}, 413),
    ({"body": b"name=%FF&message=b", "content_type": "application/x-www-form-urlencoded"}, 400),
])
def test_malformed_posts_are_rejected(app, db_path, kwargs, status):
    r = call(app, "POST", "/", **kwargs)
    assert r.status == status
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert not db_path.exists() or statuses(db_path) == {}


def test_a_non_numeric_content_length_is_400(app, db_path):
    r = call(app, "POST", "/", b"name=a&message=b", "application/x-www-form-urlencoded",
             content_length="abc", validate=False)
    assert r.status == 400
    assert "Content-Length is not a number" in r.text


def test_only_content_length_bytes_are_read(app, db_path):
    # PEP 3333: wsgi.input may hold more than the body; reading past CONTENT_LENGTH must not happen.
    body = b"name=Ada&message=hi"
    r = call(app, "POST", "/", body + b"&name=Eve", "application/x-www-form-urlencoded",
             content_length=str(len(body)))
    assert r.status == 303
    assert json.loads(call(app, path="/api/entries").body)["entries"][0]["name"] == "Ada"


def test_json_endpoint_lists_visible_entries_newest_first(app, db_path):
    for name in ("one", "two", "three"):
        post_form(app, name=name, message="m")
    with db.connection(db_path) as conn:
        db.moderate(conn, 1, "published")
        db.moderate(conn, 2, "flagged")
    r = call(app, path="/api/entries")
    assert r.headers["content-type"] == "application/json"
    doc = json.loads(r.body)
    assert doc["count"] == 2
    assert [(e["id"], e["name"], e["status"]) for e in doc["entries"]] == [
        (3, "three", "pending"), (1, "one", "published")]
    assert set(doc["entries"][0]) == {"id", "name", "message", "status", "created_at"}
    assert "two" not in call(app).text  # flagged entries are hidden from the page too


# --- health and lazy migration ----------------------------------------------------------

def test_healthz_is_ok_and_migrates_a_fresh_database_once(app, db_path, capsys):
    r = call(app, path="/healthz")
    assert (r.status, r.body) == (200, b"ok\n")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "applied migration(s) 1, 2" in capsys.readouterr().err
    call(app, path="/healthz")
    assert "applied" not in capsys.readouterr().err


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    broken = app_module.Guestbook(tmp_path / "no-such-dir" / "g.sqlite3")
    r = call(broken, path="/healthz")
    assert r.status == 503
    assert r.body == b"database unavailable\n"
    assert call(broken).status == 503  # pages say so too, with an HTML page


def test_healthz_is_503_when_the_database_file_disappears(app, db_path):
    assert call(app, path="/healthz").status == 200
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    assert call(app, path="/healthz").status == 503


# --- migrations ---------------------------------------------------------------------------

def test_migrations_are_idempotent(db_path):
    first = run_script("migrate.py", db_path)
    assert first.returncode == 0, first.stderr
    assert "applied migration 1: create entries" in first.stdout
    assert "applied migration 2: add moderation status" in first.stdout
    second = run_script("migrate.py", db_path)
    assert second.returncode == 0, second.stderr
    assert "applied" not in second.stdout
    assert "is at version 2; nothing to do" in second.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [(1,), (2,)]
        columns = [row[1] for row in conn.execute("PRAGMA table_info(entries)")]
    assert columns == ["id", "name", "message", "created_at", "status", "moderated_at"]


def test_migrate_status_reports_pending_without_changing_anything(db_path):
    r = run_script("migrate.py", db_path, "--status")
    assert r.returncode == 0
    assert "at version 0" in r.stdout and "pending migration 2: add moderation status" in r.stdout
    assert not db_path.exists()


def test_migration_2_keeps_older_entries_public(db_path):
    with db.connection(db_path, create=True) as conn:
        migrations.apply_pending(conn, target=1)
        conn.execute("INSERT INTO entries (name, message) VALUES ('old', 'from before moderation')")
        assert [m.version for m in migrations.apply_pending(conn)] == [2]
    assert statuses(db_path) == {1: "published"}


def test_migrate_fails_clearly_when_the_database_cannot_be_opened(tmp_path):
    r = run_script("migrate.py", tmp_path / "missing-dir" / "g.sqlite3")
    assert r.returncode == 1
    assert "migrate: error: cannot use the database at" in r.stderr
    assert "missing-dir" in r.stderr


def test_a_failing_migration_is_rolled_back_and_exits_nonzero(db_path):
    # Version 1 recorded but its table missing: migration 2's ALTER TABLE must fail.
    with db.connection(db_path, create=True) as conn:
        migrations.apply_pending(conn, target=1)
        conn.execute("DROP TABLE entries")
    r = run_script("migrate.py", db_path)
    assert r.returncode == 1
    assert "migration 2 (add moderation status) failed: no such table: entries" in r.stderr
    with db.connection(db_path) as conn:
        assert migrations.current_version(conn) == 1


# --- worker -------------------------------------------------------------------------------

def test_banned_words_match_whole_words_ignoring_case():
    banned = BannedWords.parse(" spam, Scam ,,c++")
    assert len(banned) == 3
    assert banned.first_match("Buy SPAM now!") == "spam"
    assert banned.first_match("a scam.") == "scam"
    assert banned.first_match("I write c++ daily") == "c++"
    assert banned.first_match("spammer and aspamb") is None
    assert BannedWords.parse("").first_match("anything") is None


def test_worker_moderates_pending_entries_and_stops_cleanly_on_sigterm(app, db_path):
    post_form(app, name="Ada", message="hello")
    post_form(app, name="Eve", message="cheap SPAM here")
    env = {"DATABASE_PATH": str(db_path), "WORKER_INTERVAL": "0.05", "BANNED_WORDS": "spam,scam",
           "PYTHONDONTWRITEBYTECODE": "1"}
    with Proc([SYSTEM_PYTHON, "worker.py"], cwd=EXAMPLE, env=env) as worker:
        worker.wait_for_line(r"^worker: started .*banned_words=2")
        worker.wait_for_line(r"^worker: published entry=1$")
        worker.wait_for_line(r"^worker: flagged entry=2 word=spam$")
        post_form(app, name="Bob", message="later")  # picked up by a later iteration
        worker.wait_for_line(r"^worker: published entry=3$")
        worker.signal(signal.SIGTERM)
        assert worker.wait(10) == 0
        assert worker.output()[-2:] == ["worker: received SIGTERM; stopping", "worker: stopped"]
    assert statuses(db_path) == {1: "published", 2: "flagged", 3: "published"}
    page = call(app).text
    assert "cheap SPAM" not in page and "awaiting moderation" not in page


def test_worker_once_migrates_a_fresh_database(db_path):
    r = run_script("worker.py", db_path, "--once")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "applied migration(s) 1, 2" in r.stdout
    assert r.stdout.rstrip().endswith("worker: stopped")


@pytest.mark.parametrize("interval", ["abc", "0", "-1"])
def test_worker_rejects_a_bad_interval(db_path, interval):
    r = run_script("worker.py", db_path, env={"WORKER_INTERVAL": interval})
    assert r.returncode == 2
    assert "WORKER_INTERVAL must be" in r.stderr


# --- under paasrun serve ------------------------------------------------------------------

def test_paasrun_serve_runs_the_app_and_serves_static_from_cpp(paasrun, db_path):
    port = free_port()
    env = {"DATABASE_PATH": str(db_path), "PYTHONDONTWRITEBYTECODE": "1", "VIRTUAL_ENV": ""}
    with Proc([paasrun, "serve", "app:application", "--chdir", str(EXAMPLE),
               "-b", f"127.0.0.1:{port}", "-w", "2"], env=env) as server:
        wait_for_port(port, timeout=30)
        # The first requests arrive together on a fresh database: each thread has its own
        # connection, and the lazy migration runs exactly once across both workers.
        results = []

        def post(i):
            body = urllib.parse.urlencode({"name": f"Grace {i}", "message": "over real HTTP"})
            status, headers, _ = http_get(port, "/", method="POST", body=body,
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            results.append((status, headers["Location"]))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert results == [(303, "/?posted=1")] * 8
        assert len(statuses(db_path)) == 8
        status, headers, page = http_get(port, "/?posted=1")
        assert status == 200 and b"over real HTTP" in page
        # paasrun.yaml maps /static/ to static/: served by paasrun (the app has no such route).
        status, headers, js = http_get(port, "/static/app.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert js == (EXAMPLE / "static" / "app.js").read_bytes()
        assert "ETag" in headers
        assert http_get(port, "/static/../app.py")[0] in (400, 404)
        assert http_get(port, "/healthz")[::2] == (200, b"ok\n")
        server.signal(signal.SIGTERM)
        assert server.wait(30) == 0
