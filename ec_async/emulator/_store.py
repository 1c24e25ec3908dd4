"""The SQLite store behind the emulator: one connection, serialised by a lock.

Handlers run on the event loop and tests may call the admin API from another
thread, so every access goes through ``transaction``; SQLite calls on an
in-memory database are short enough not to stall the loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Generator

from ec_async.emulator._schema import SCHEMA, SCHEMA_VERSION

__all__ = ["Store", "new_id"]

logger = logging.getLogger("ec_async.emulator")

# Kapua's ids are random positive 63-bit integers; 1 is kapua-sys.
_ID_BITS = 63
_MAX_ID_ATTEMPTS = 5


def new_id(db: sqlite3.Connection, table: str) -> int:
    """Return a random 63-bit id not yet used in ``table``, as Kapua draws them."""
    for _ in range(_MAX_ID_ATTEMPTS):
        candidate = secrets.randbits(_ID_BITS)
        taken = db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (candidate,))
        if candidate > 1 and taken.fetchone() is None:
            return candidate

    msg = f"could not draw a free id for {table}"
    raise RuntimeError(msg)


class Store:
    """An SQLite database holding the emulated server's entities."""

    def __init__(self, database: str | os.PathLike[str] = ":memory:") -> None:
        self._connection = sqlite3.connect(
            database, check_same_thread=False, isolation_level=None
        )
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._configure()

    def _stored_version(self) -> str | None:
        try:
            row = self._connection.execute(
                "SELECT value FROM meta WHERE key = 'schema'"
            ).fetchone()
        except sqlite3.OperationalError:  # a new database: no meta table yet
            return None

        return None if row is None else str(row["value"])

    def _configure(self) -> None:
        db = self._connection
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        version = self._stored_version()
        if version not in {None, SCHEMA_VERSION}:
            self._connection.close()
            msg = f"database schema {version} is not this emulator's ({SCHEMA_VERSION})"
            raise RuntimeError(msg)
        db.executescript(SCHEMA)
        with self.transaction():
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                (SCHEMA_VERSION,),
            )

    @contextlib.contextmanager
    def transaction(self) -> Generator[sqlite3.Connection, None, None]:
        """Hold the store for one transaction, committed unless the block raises."""
        with self._lock:
            self._connection.execute("BEGIN")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def is_seeded(self) -> bool:
        """Return whether the database already holds the kapua-sys account."""
        with self.transaction() as db:
            row = db.execute("SELECT 1 FROM accounts WHERE id = 1").fetchone()

        return row is not None

    def get_meta(self, key: str) -> str | None:
        """Return a stored setting of the emulator itself."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()

        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the emulator itself."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )

    def snapshot(self) -> bytes:
        """Return every table's content as an SQLite image, for ``restore``."""
        with self._lock:
            return self._connection.serialize()

    def restore(self, snapshot: bytes) -> None:
        """Replace the whole content by a ``snapshot`` image, in one step.

        The image is copied in with SQLite's backup API, so a file database
        is rewritten in place and the connection stays the same.
        """
        source = sqlite3.connect(":memory:")
        try:
            source.deserialize(snapshot)
            with self._lock:
                source.backup(self._connection)
        finally:
            source.close()

    def close(self) -> None:
        """Close the database; a file database keeps its data for the next run."""
        with self._lock:
            self._connection.close()
        logger.debug("emulator store closed")
