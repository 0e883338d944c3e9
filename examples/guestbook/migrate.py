"""The release phase (`release: python3 migrate.py`): brings the database at DATABASE_PATH
up to the latest schema version. Idempotent: a second run applies nothing and exits 0.

Exit codes: 0 up to date (after applying what was missing), 1 the database could not be
opened or a migration failed (that migration is rolled back; the release must not go live).

`python3 migrate.py --status` only reports the version and what is pending.
"""
import argparse
import sqlite3
import sys

from guestbook import db, migrations


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--status", action="store_true",
                        help="print the schema version and the pending migrations; change nothing")
    args = parser.parse_args(argv)
    path = db.database_path()
    try:
        if args.status:
            return status(path)
        return migrate(path)
    except sqlite3.Error as e:
        fail(f"cannot use the database at {path}: {e}"
             " (does its directory exist, and is it writable?)")
    except migrations.MigrationError as e:
        fail(f"{e}; the database was left at the last successful version."
             " Fix the database or the migration and run `python3 migrate.py` again.")
    return 1


def migrate(path) -> int:
    with db.connection(path, create=True) as conn:
        before = migrations.current_version(conn)
        if before > migrations.LATEST:
            say(f"database {path} is at version {before}, newer than this code's"
                f" {migrations.LATEST} (a rollback?); nothing to do")
            return 0
        applied = migrations.apply_pending(conn)
        for m in applied:
            say(f"applied migration {m.version}: {m.name}")
        now = migrations.current_version(conn)
    say(f"database {path} is at version {now}" + ("" if applied else "; nothing to do"))
    return 0


def status(path) -> int:
    if not path.exists():
        version = 0
    else:
        with db.connection(path) as conn:
            version = migrations.current_version(conn)
    pending = [m for m in migrations.MIGRATIONS if m.version > version]
    say(f"database {path} is at version {version}")
    for m in pending:
        say(f"pending migration {m.version}: {m.name}")
    return 0


def say(message: str):
    print(f"migrate: {message}", flush=True)


def fail(message: str):
    print(f"migrate: error: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
