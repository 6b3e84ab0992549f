"""What a database error is, said in one place: the worker, the services and the CLI act on this answer.

- OUTAGE: the database is away or not ready (connection lost, refused, shut down, not migrated): wait for it.
- TRANSIENT: another transaction got in the way (serialization failure, deadlock, a lost insert race): the
  whole transaction may be run again at once.
- REFUSED: the data itself cannot be stored (a constraint, a value the column cannot hold): the message
  that brought it is refused.
- None: not a database error; whoever runs the work decides (the worker counts it against the message).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from assigner.storage.migrate import DatabaseNotReady


class DatabaseError(Enum):
    """The kinds of database error, by what to do about them."""

    OUTAGE = "outage"
    TRANSIENT = "transient"
    REFUSED = "refused"


# Serialization failure, deadlock. A unique violation is transient only on the declarations' key (the
# same declaration sent under two units at once is locked under two names, and one insert loses), on the
# commands' key (the same command delivered twice at once: the retry finds it done), and on the dead
# letters' (two copies of one poison message claimed at once: the retry finds it claimed).
_TRANSIENT_SQLSTATES = {"40001", "40P01"}
_UNIQUE_VIOLATION = "23505"
_RACED_CONSTRAINTS = ("pk_declarations", "pk_commands", "pk_dead_letters")
_TRANSIENT_SQLITE = (
    "database is locked",
    "database is busy",
    "UNIQUE constraint failed: declarations.declaration_key",
    "UNIQUE constraint failed: commands.command_id",
    "UNIQUE constraint failed: dead_letters.fingerprint",
)
# SQLSTATE classes of a server away or unable to work now: connection (08), resources (53), operator
# intervention such as a shutdown (57), system errors (58), a table missing before the migration (42P01).
# An outage is waited out as long as it lasts; whatever else goes wrong is counted against the messages.
_OUTAGE_CLASSES = ("08", "53", "57", "58")
# A standby that is read-only (25006) after a failover, until the new primary is reached.
_OUTAGE_SQLSTATES = {"42P01", "25006"}
_SQLITE_OUTAGES = ("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_NOTADB")


class KeyRevealed(RuntimeError):
    """A transaction would draw with a day's key already revealed (its `now` was taken before the day ended and
    it waited past the reveal): transient, since tried again it draws with the next day's key."""


class KeyNotCommitted(RuntimeError):
    """A transaction would draw on a day whose key no one committed (no worker ran the day before): transient,
    since the unit of work, rolled back, commits the key in a transaction of its own before the retry. A draw
    never reads a key committed in its own transaction (its commitment would prove nothing)."""

    def __init__(self, day: date, now: datetime) -> None:
        super().__init__(f"no key was committed for {day} before this draw")
        self.day, self.now = day, now


def classify(error: BaseException) -> DatabaseError | None:
    """What kind of database error `error` is; None when it is none of the three (or no database error)."""
    if isinstance(error, (KeyRevealed, KeyNotCommitted)):
        return DatabaseError.TRANSIENT
    if isinstance(error, (DatabaseNotReady, PoolTimeout)):
        return DatabaseError.OUTAGE
    if not isinstance(error, DBAPIError):
        return None
    sqlstate = getattr(error.orig, "sqlstate", None)
    if _is_transient(error, sqlstate):
        return DatabaseError.TRANSIENT
    if isinstance(error, (DataError, IntegrityError)):
        return DatabaseError.REFUSED
    if sqlstate is not None:
        if sqlstate in _OUTAGE_SQLSTATES or sqlstate[:2] in _OUTAGE_CLASSES:
            return DatabaseError.OUTAGE
        return None
    sqlite_error = getattr(error.orig, "sqlite_errorname", None)
    if sqlite_error is not None:  # SQLite: its file cannot be opened, read or written, or has no schema yet
        if sqlite_error.startswith(_SQLITE_OUTAGES) or "no such table" in str(error.orig):
            return DatabaseError.OUTAGE
        return None
    # No SQLSTATE from PostgreSQL's driver: it lost or never had the connection.
    if isinstance(error, (OperationalError, InterfaceError)):
        return DatabaseError.OUTAGE
    return None


def is_outage(error: BaseException) -> bool:
    """Whether the database is away or not ready: work waits for it, messages kept in hand."""
    return classify(error) is DatabaseError.OUTAGE


def refusal_reason(error: BaseException) -> str | None:
    """Why the database refused the data, in one line; None unless it did."""
    if classify(error) is not DatabaseError.REFUSED:
        return None
    text = str(getattr(error, "orig", error)).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _is_transient(error: DBAPIError, sqlstate: str | None) -> bool:
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    if sqlstate == _UNIQUE_VIOLATION:
        return getattr(getattr(error.orig, "diag", None), "constraint_name", None) in _RACED_CONSTRAINTS
    text = str(error.orig)
    return any(marker in text for marker in _TRANSIENT_SQLITE)
