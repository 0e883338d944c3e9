"""SQLite access: where the database lives, how to open it, and every query the app runs.

Connections are never shared between threads (sqlite3's default check_same_thread rule):
the web app opens one per request, the worker one per batch. Opening is a file open, so
this costs little and keeps a multi-threaded server correct.

Connections are in autocommit mode (isolation_level=None): a single statement is atomic on
its own, and code that needs more than one statement in a transaction says BEGIN itself
(see migrations.py). The database runs in WAL mode (set by the migrations) so the web
process can read while the worker writes.
"""
import contextlib
import dataclasses
import os
import pathlib
import sqlite3

APP_DIR = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_FILE_NAME = "guestbook.sqlite3"
BUSY_TIMEOUT_S = 5.0  # how long a writer waits for another writer's lock

STATUSES = ("pending", "published", "flagged")
VISIBLE_STATUSES = ("published", "pending")  # flagged entries are hidden from visitors


def database_path(env=None) -> pathlib.Path:
    """DATABASE_PATH from the environment; a relative path is relative to the app dir.
    Unset or empty: guestbook.sqlite3 in $PAASRUN_DATA_DIR, the persistent directory paasrun
    gives every process (it outlives builds, deploys and rollbacks; docs/storage.md), or in
    the app dir when that is unset (the app run without paasrun)."""
    env = os.environ if env is None else env
    raw = env.get("DATABASE_PATH", "").strip()
    if not raw:
        data_dir = env.get("PAASRUN_DATA_DIR", "").strip()
        return (pathlib.Path(data_dir) if data_dir else APP_DIR) / DEFAULT_FILE_NAME
    path = pathlib.Path(raw).expanduser()
    return path if path.is_absolute() else APP_DIR / path


@contextlib.contextmanager
def connection(path, *, create=False):
    """An open connection, closed on exit. create=False fails with sqlite3.OperationalError
    when the file does not exist, instead of silently creating an empty database."""
    mode = "rwc" if create else "rw"
    uri = f"{pathlib.Path(path).absolute().as_uri()}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        yield conn
    finally:
        conn.close()


@dataclasses.dataclass(frozen=True)
class Entry:
    id: int
    name: str
    message: str
    status: str
    created_at: str  # ISO 8601, UTC

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


_ENTRY_COLUMNS = "id, name, message, status, created_at"


def _entries(rows) -> list:
    return [Entry(**dict(row)) for row in rows]


def add_entry(conn, name: str, message: str) -> int:
    """Stores a new entry as pending; returns its id."""
    cur = conn.execute("INSERT INTO entries (name, message) VALUES (?, ?)", (name, message))
    return cur.lastrowid


def visible_entries(conn, limit: int = 100) -> list:
    """What visitors see, newest first: published entries and those awaiting moderation."""
    placeholders = ", ".join("?" for _ in VISIBLE_STATUSES)
    rows = conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE status IN ({placeholders})"
        " ORDER BY id DESC LIMIT ?", (*VISIBLE_STATUSES, limit))
    return _entries(rows)


def pending_entries(conn, limit: int = 100) -> list:
    """Entries the worker has not moderated yet, oldest first."""
    rows = conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE status = 'pending' ORDER BY id LIMIT ?",
        (limit,))
    return _entries(rows)


def moderate(conn, entry_id: int, status: str) -> bool:
    """Moves a pending entry to `status`. False when it was no longer pending (another
    worker got there first), so two workers never both act on one entry."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    cur = conn.execute(
        "UPDATE entries SET status = ?, moderated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
        " WHERE id = ? AND status = 'pending'", (status, entry_id))
    return cur.rowcount == 1
