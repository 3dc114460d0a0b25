"""SQLite's write-ahead log, checkpointed off the request path.

With SQLite's default, the connection whose commit takes the WAL past 1,000 pages copies it back into
the database file and fsyncs both, before its request can answer. On a slow disk that is tens of
milliseconds to over a second for one unlucky create (`bench api` saw p99 ≈ 0.55 s), and the stall
repeats every few hundred creates.

Instead, each process's connections only append to the WAL (auto-checkpoint raised to a safety net),
and one daemon thread per process and database file runs a PASSIVE checkpoint every
`SQLITE_CHECKPOINT_INTERVAL_S`: PASSIVE never waits for readers or writers, so requests never wait for
it. Should the thread be gone, the safety net still bounds the WAL (`SAFETY_NET_PAGES`). Several
processes' threads on one file simply take turns (a checkpoint already running makes the others' a
no-op). PostgreSQL has nothing of this.
"""

import logging
import os
import sqlite3
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

# Pages (4 KiB) after which a committing connection checkpoints anyway: ~80 MB of WAL.
SAFETY_NET_PAGES = 20000

_lock = threading.Lock()
_started = {}  # (pid, database path) -> thread


def on_connection_created(sender, connection, **kwargs):
    """`connection_created` receiver: for a file-backed SQLite connection, hand checkpoints to this
    process's checkpointer."""
    if connection.vendor != "sqlite" or settings.SQLITE_CHECKPOINT_INTERVAL_S <= 0:
        return
    path = connection.settings_dict["NAME"]
    if not path or str(path).startswith(":memory:") or "mode=memory" in str(path):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
    ensure_checkpointer(str(path))


def ensure_checkpointer(path):
    """Start the checkpoint thread for `path` in this process unless it runs (after a fork, the parent's
    thread does not exist in the child: keyed by pid)."""
    key = (os.getpid(), path)
    with _lock:
        thread = _started.get(key)
        if thread is not None and thread.is_alive():
            return thread
        thread = threading.Thread(target=_run, args=(path, settings.SQLITE_CHECKPOINT_INTERVAL_S),
                                  name="sqlite-checkpointer", daemon=True)
        _started[key] = thread
        thread.start()
        return thread


def checkpoint(path, *, timeout_s=0.1):
    """One PASSIVE checkpoint of `path`: (busy, pages in the WAL, pages copied), or None if the file is
    gone or not a WAL database."""
    if not os.path.exists(path):
        return None
    con = sqlite3.connect(path, timeout=timeout_s, isolation_level=None, check_same_thread=False)
    try:
        row = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        con.close()
    return tuple(row) if row else None


def _run(path, interval_s):
    while True:
        time.sleep(interval_s)
        if not os.path.exists(path):
            # The database went away (a test database dropped): nothing left to do.
            with _lock:
                _started.pop((os.getpid(), path), None)
            return
        try:
            checkpoint(path)
        except sqlite3.Error as exc:
            logger.debug("WAL checkpoint of %s skipped: %s", path, exc)
