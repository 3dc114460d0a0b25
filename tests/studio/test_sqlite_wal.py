"""SQLite's WAL is checkpointed by a thread per process, not by the request whose commit filled it."""

import os
import sqlite3
import threading
import time

import pytest
from django.db import connection

from studio import sqlite_wal

pytestmark = pytest.mark.django_db(transaction=True)


def _wal_pages(path):
    size = os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0
    return size // 4096


def test_requests_leave_checkpoints_to_the_process_thread():
    path = connection.settings_dict["NAME"]
    connection.ensure_connection()
    if connection.vendor != "sqlite":  # PostgreSQL checkpoints itself: no thread is started for it
        assert not any(key[1] == str(path) for key in sqlite_wal._started)
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == sqlite_wal.SAFETY_NET_PAGES  # the request's commit does not checkpoint
    thread = sqlite_wal.ensure_checkpointer(path)
    assert thread.is_alive() and thread.name == "sqlite-checkpointer"
    assert sqlite_wal.ensure_checkpointer(path) is thread  # one per process and file

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS wal_probe (body TEXT)")
        for _ in range(50):
            cursor.execute("INSERT INTO wal_probe (body) VALUES (%s)", ["x" * 8000])
    # The WAL holds the new pages; the thread copies them back within its interval, without any request. A loaded
    # machine can keep a reader of another test's thread in the file for a while: a checkpoint is busy until it goes.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        busy, in_wal, copied = sqlite_wal.checkpoint(path)
        if in_wal and copied == in_wal:
            break
        time.sleep(0.2)
    assert busy == 0 and copied == in_wal > 0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE wal_probe")


def test_a_missing_file_is_not_created_by_a_checkpoint(tmp_path):
    missing = str(tmp_path / "gone.sqlite3")
    assert sqlite_wal.checkpoint(missing) is None
    assert not os.path.exists(missing)


def test_a_checkpoint_never_waits_for_a_writer(tmp_path):
    path = str(tmp_path / "busy.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    results = []
    checkpointer = threading.Thread(target=lambda: results.append(sqlite_wal.checkpoint(path, timeout_s=60)))
    checkpointer.start()
    checkpointer.join(20)  # PASSIVE copies what it can and returns; a blocking mode would wait the 60 s
    assert not checkpointer.is_alive() and results and results[0] is not None
    writer.execute("COMMIT")
    writer.close()
