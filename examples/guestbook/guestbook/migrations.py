"""The versioned database schema, applied in order, each migration exactly once.

schema_version holds one row per applied migration. Each migration runs in its own
BEGIN IMMEDIATE transaction that first re-reads the version: SQLite's DDL is transactional,
so a failed migration leaves nothing half-done, and the write lock serialises concurrent
migrators (the release phase, a web process and a worker starting together on a fresh
database all end with the same schema, each migration applied once).

Never edit a migration that has shipped; add a new one.
"""
import dataclasses
import sqlite3

from guestbook import db


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple


MIGRATIONS = (
    Migration(1, "create entries", (
        """CREATE TABLE entries (
               id         INTEGER PRIMARY KEY AUTOINCREMENT,
               name       TEXT NOT NULL,
               message    TEXT NOT NULL,
               created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
           )""",
    )),
    Migration(2, "add moderation status", (
        "ALTER TABLE entries ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'"
        " CHECK (status IN ('pending', 'published', 'flagged'))",
        "ALTER TABLE entries ADD COLUMN moderated_at TEXT",
        # Entries written before moderation existed were already public: keep them so.
        "UPDATE entries SET status = 'published', moderated_at = created_at",
        "CREATE INDEX entries_by_status ON entries (status, id)",
    )),
)
LATEST = MIGRATIONS[-1].version


class MigrationError(Exception):
    def __init__(self, migration: Migration, cause: Exception):
        super().__init__(f"migration {migration.version} ({migration.name}) failed: {cause}")
        self.migration = migration
        self.cause = cause


def current_version(conn) -> int:
    """The highest applied version; 0 for a database that was never migrated."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not has_table:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def apply_pending(conn, target: int = LATEST) -> list:
    """Applies every migration above the current version up to `target`; returns the ones
    this call applied (empty when already up to date). Raises MigrationError, after rolling
    back the failed migration; the ones before it stay applied."""
    # WAL lets readers proceed while a writer commits; it is persistent and cannot change
    # inside a transaction, so it is set here, once, before any migration runs.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("""CREATE TABLE IF NOT EXISTS schema_version (
                        version    INTEGER PRIMARY KEY,
                        name       TEXT NOT NULL,
                        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
                    )""")
    applied = []
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        if _apply_one(conn, migration):
            applied.append(migration)
    return applied


def _apply_one(conn, migration: Migration) -> bool:
    conn.execute("BEGIN IMMEDIATE")
    try:
        if current_version(conn) >= migration.version:
            conn.execute("ROLLBACK")
            return False
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)",
                     (migration.version, migration.name))
        conn.execute("COMMIT")
        return True
    except sqlite3.Error as e:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise MigrationError(migration, e) from e


def ensure_latest(path, log) -> list:
    """For processes that may start before the release phase has run (`paasrun up` on a
    fresh checkout): migrates the database at `path` when it is behind, saying so via
    log(str). Raises sqlite3.Error or MigrationError when the database cannot be brought up
    to date."""
    with db.connection(path, create=True) as conn:
        before = current_version(conn)
        if before >= LATEST:
            return []
        applied = apply_pending(conn)
    if applied:
        versions = ", ".join(str(m.version) for m in applied)
        log(f"database {path} was at version {before}; applied migration(s) {versions}"
            " (the release phase, `python3 migrate.py`, had not run)")
    return applied
