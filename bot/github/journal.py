"""The queue's jobs on disk (SQLite), so a killed service resumes what it had accepted.

A job is written when it is queued, updated when it is re-queued for later, and removed when it
ends; at start-up the queue takes back every job still in the file.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

from bot.github.queue import Job

_SCHEMA = """CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, head TEXT NOT NULL,
    delivery TEXT NOT NULL, task TEXT NOT NULL, not_before REAL NOT NULL,
    attempt INTEGER NOT NULL, runs INTEGER NOT NULL DEFAULT 0)"""


class SqliteJournal:
    """Jobs kept in one SQLite file (one service process per file)."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        with contextlib.suppress(sqlite3.OperationalError):  # a file from before `runs`
            self._db.execute("ALTER TABLE jobs ADD COLUMN runs INTEGER NOT NULL DEFAULT 0")

    def add(self, job: Job) -> Job:
        """Store a new job; returns it with its id."""
        cur = self._db.execute(
            "INSERT INTO jobs (key, head, delivery, task, not_before, attempt, runs) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job.key, job.head, job.delivery, json.dumps(dict(job.task)), job.not_before,
             job.attempt, job.runs))
        return replace(job, id=int(cur.lastrowid or 0))

    def update(self, job: Job) -> None:
        """Record a re-queued job's new time, attempt and runs (and head, when its work moved
        on)."""
        self._db.execute("UPDATE jobs SET not_before = ?, attempt = ?, runs = ?, head = ?, "
                         "task = ? WHERE id = ?", (job.not_before, job.attempt, job.runs,
                                                   job.head, json.dumps(dict(job.task)),
                                                   job.id))

    def remove(self, job: Job) -> None:
        """The job ended (or was superseded)."""
        self._db.execute("DELETE FROM jobs WHERE id = ?", (job.id,))

    def pending(self) -> list[Job]:
        """Every job still stored, oldest first."""
        rows = self._db.execute("SELECT id, key, head, delivery, task, not_before, attempt, "
                                "runs FROM jobs ORDER BY id").fetchall()
        return [Job(key, head, delivery, json.loads(task), not_before, attempt, id=i, runs=r)
                for i, key, head, delivery, task, not_before, attempt, r in rows]

    def close(self) -> None:
        """Close the file."""
        self._db.close()
