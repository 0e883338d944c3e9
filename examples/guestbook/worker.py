"""The background worker (`worker: python3 worker.py`): moderates new guestbook entries.

Every WORKER_INTERVAL seconds (default 2) it takes the pending entries, oldest first, and
publishes each one, or flags it when its name or message contains a word from BANNED_WORDS
(see guestbook/moderation.py). One line per action on stdout, flushed at once so the
supervisor relays it immediately.

SIGTERM or SIGINT: the current batch is finished, then the process exits 0 (Heroku's
shutdown: SIGTERM, then SIGKILL after the grace period). `--once` runs one batch and exits,
for one-off use (`paasrun run -- python3 worker.py --once`).

Exit codes: 0 after a clean stop, 2 for an invalid WORKER_INTERVAL.
"""
import argparse
import os
import signal
import sqlite3
import sys

from guestbook import db, migrations
from guestbook.moderation import BannedWords

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
BATCH_SIZE = 100


def log(message: str):
    print(f"worker: {message}", flush=True)


def parse_interval(raw: str) -> float:
    try:
        interval = float(raw)
    except ValueError:
        raise ValueError(f"WORKER_INTERVAL must be a number of seconds, got {raw!r}") from None
    if not 0 < interval <= 3600:
        raise ValueError(f"WORKER_INTERVAL must be between 0 and 3600 seconds, got {raw!r}")
    return interval


def moderate_batch(path, banned: BannedWords) -> int:
    """Moderates up to BATCH_SIZE pending entries; returns how many this process changed."""
    done = 0
    with db.connection(path) as conn:
        for entry in db.pending_entries(conn, BATCH_SIZE):
            word = banned.first_match(f"{entry.name}\n{entry.message}")
            status = "flagged" if word else "published"
            if not db.moderate(conn, entry.id, status):
                continue  # another worker moderated it first
            done += 1
            # Log the entry id, never its text: visitors' input does not belong in logs.
            log(f"flagged entry={entry.id} word={word}" if word else f"published entry={entry.id}")
    return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Moderate guestbook entries in the background.")
    parser.add_argument("--once", action="store_true", help="run one batch and exit")
    args = parser.parse_args(argv)
    try:
        interval = parse_interval(os.environ.get("WORKER_INTERVAL", "2"))
    except ValueError as e:
        print(f"worker: error: {e}", file=sys.stderr, flush=True)
        return 2
    banned = BannedWords.parse(os.environ.get("BANNED_WORDS", ""))
    path = db.database_path()

    # The stop signals are blocked and taken synchronously by sigtimedwait() between
    # batches: no handler can interrupt a batch half-way, and a signal that arrives during
    # a batch stays pending until the batch is done.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    log(f"started pid={os.getpid()} interval={interval}s banned_words={len(banned)} database={path}")
    schema_ready = False
    while True:
        try:
            if not schema_ready:
                migrations.ensure_latest(path, log)
                schema_ready = True
            moderate_batch(path, banned)
        except (sqlite3.Error, migrations.MigrationError) as e:
            log(f"database error: {e}; retrying in {interval}s")
        if args.once:
            break
        received = signal.sigtimedwait(STOP_SIGNALS, interval)
        if received is not None:
            log(f"received {signal.Signals(received.si_signo).name}; stopping")
            break
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
