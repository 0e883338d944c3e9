"""The guestbook's WSGI application (PEP 3333): `app:application`.

  GET  /               the entries and the form
  POST /               add an entry; Post/Redirect/Get: 303 to /?posted=1, or 400 with the
                       form refilled and a message per invalid field
  GET  /api/entries    the visible entries as JSON
  GET  /healthz        200 "ok" when the database answers with the current schema, else 503
  /static/...          served by paasrun, not by this app (paasrun.yaml `static:`)
HEAD is answered wherever GET is. Unknown paths get 404, known paths with another method
405 with an Allow header.

The database is DATABASE_PATH (see guestbook/db.py). If it has not been migrated yet (the
release phase has not run), the first request migrates it and logs that it did.
"""
import json
import pathlib
import sqlite3
import sys
import threading
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus

from guestbook import db, forms, migrations, pages

# No inline script or style anywhere, so scripts and styles may only come from this origin.
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
]
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"  # RFC 8259 §11: no charset parameter; JSON is UTF-8


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    headers: list = field(default_factory=list)


def html_response(status: int, text: str, headers=None) -> Response:
    return Response(status, text.encode("utf-8"), HTML, headers or [])


def error_response(status: int, message: str, headers=None) -> Response:
    return html_response(status, pages.error_page(HTTPStatus(status).phrase, message), headers)


def method_not_allowed(allowed) -> Response:
    # RFC 9110 §15.5.6: a 405 must list the methods the resource supports.
    return error_response(405, "This address does not accept that method.",
                          [("Allow", ", ".join(allowed))])


class Guestbook:
    """A WSGI application bound to one database file. Safe to call from many threads."""

    def __init__(self, database_path):
        self.database_path = pathlib.Path(database_path)
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self.routes = {
            "/": {"GET": self.index, "POST": self.create_entry},
            "/api/entries": {"GET": self.api_entries},
            "/healthz": {"GET": self.healthz},
        }

    def __call__(self, environ, start_response):
        try:
            response = self.dispatch(environ)
        except sqlite3.Error as e:
            self._log(environ, f"database error: {e}")
            response = error_response(503, "The guestbook's database is unavailable. Please try again soon.")
        except Exception:
            self._log(environ, traceback.format_exc())
            response = error_response(500, "Something went wrong on our side.")
        headers = [("Content-Type", response.content_type),
                   ("Content-Length", str(len(response.body))),
                   *SECURITY_HEADERS, *response.headers]
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            return []
        return [response.body]

    def dispatch(self, environ) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "") or "/"
        handlers = self.routes.get(path)
        if handlers is None:
            return error_response(404, "There is nothing at this address.")
        handler = handlers.get("GET" if method == "HEAD" else method)
        if handler is None:
            allowed = [*handlers, "HEAD"] if "GET" in handlers else list(handlers)
            return method_not_allowed(sorted(allowed))
        return handler(environ)

    # Handlers: environ in, Response out.

    def index(self, environ) -> Response:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        notice = "Thank you for signing! Your entry appears once it has been moderated." \
            if query.get("posted") == ["1"] else ""
        with self.connection() as conn:
            entries = db.visible_entries(conn)
        return html_response(200, pages.index(entries, notice=notice))

    def create_entry(self, environ) -> Response:
        try:
            fields = forms.read_urlencoded(environ)
        except forms.BadRequest as e:
            return error_response(e.status, e.message)
        form, errors = forms.validate_entry(fields)
        with self.connection() as conn:
            if errors:
                return html_response(400, pages.index(db.visible_entries(conn), form, errors))
            db.add_entry(conn, form.name, form.message)
        # Post/Redirect/Get: a reload of the next page must not post the form again.
        return Response(303, b"Entry saved; see /\n", TEXT, [("Location", "/?posted=1")])

    def api_entries(self, environ) -> Response:
        with self.connection() as conn:
            entries = db.visible_entries(conn)
        body = {"entries": [e.as_json() for e in entries], "count": len(entries)}
        return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), JSON,
                        [("Cache-Control", "no-store")])

    def healthz(self, environ) -> Response:
        no_cache = [("Cache-Control", "no-store")]
        try:
            with self.connection() as conn:
                version = migrations.current_version(conn)
                conn.execute("SELECT 1 FROM entries LIMIT 1").fetchall()
        except sqlite3.Error as e:
            self._log(environ, f"health check failed: {e}")
            return Response(503, b"database unavailable\n", TEXT, no_cache)
        if version < migrations.LATEST:
            return Response(503, f"database schema at version {version}, expected {migrations.LATEST}\n".encode(),
                            TEXT, no_cache)
        return Response(200, b"ok\n", TEXT, no_cache)

    # Database access.

    def connection(self):
        """A fresh connection for this request (sqlite3 connections stay in their thread).
        The first call migrates the database if the release phase has not."""
        self._ensure_schema()
        return db.connection(self.database_path)

    def _ensure_schema(self):
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                migrations.ensure_latest(self.database_path, self._log_startup)
            except migrations.MigrationError as e:
                raise sqlite3.OperationalError(str(e)) from e
            self._schema_ready = True

    @staticmethod
    def _log(environ, message: str):
        errors = environ["wsgi.errors"]
        errors.write(f"guestbook: {message.rstrip()}\n")
        errors.flush()

    @staticmethod
    def _log_startup(message: str):
        print(f"guestbook: {message}", file=sys.stderr, flush=True)


# /static/ is not routed here: paasrun serves it from C++ (paasrun.yaml `static:`), with
# ETags, ranges, precompressed siblings and cache headers, without taking the GIL.
application = Guestbook(db.database_path())
