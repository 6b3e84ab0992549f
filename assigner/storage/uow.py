"""The unit of work: one transaction, rolled back unless commit() was called."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from assigner.domain.events import Event, new_event_id, sealed_event
from assigner.storage.absences import AbsenceStore
from assigner.storage.audit import AuditLog
from assigner.storage.beats import BeatStore
from assigner.storage.commands import CommandStore
from assigner.storage.dead_letters import DeadLetterStore
from assigner.storage.declarations import DeclarationStore
from assigner.storage.draw_keys import DrawKeyStore
from assigner.storage.errors import DatabaseError, KeyNotCommitted, classify, refusal_reason
from assigner.storage.holdings import HoldingStore
from assigner.storage.open_work import OpenWorkQueries
from assigner.storage.outbox import OutboxStore
from assigner.storage.reports import ReportQueries
from assigner.storage.roster import RosterStore
from assigner.storage.roster_cache import RosterCache
from assigner.storage.rotations import RotationStore


class SqlUnitOfWork:
    """Repositories over one session; nothing is written unless commit() is called."""

    session: Session
    rotations: RotationStore
    declarations: DeclarationStore
    roster: RosterStore
    audit: AuditLog
    outbox: OutboxStore
    holdings: HoldingStore
    open_work: OpenWorkQueries
    absences: AbsenceStore
    commands: CommandStore
    reports: ReportQueries
    beats: BeatStore
    dead_letters: DeadLetterStore
    draw_keys: DrawKeyStore

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        rosters: RosterCache | None = None,
        on_sealed: Callable[[Event], None] | None = None,
        key_zone: ZoneInfo | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._rosters = rosters  # the process's kept rosters (None: read every time)
        self._on_sealed = on_sealed  # told of each audit.sealed event once committed, to publish it at once
        self._key_zone = key_zone or ZoneInfo("UTC")  # whose days the drawn turns' keys serve (UTC by default)
        self._committed = False

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._session_factory()
        self.audit = AuditLog(self.session)
        self.outbox = OutboxStore(self.session)
        self.draw_keys = DrawKeyStore(self.session, self.audit, self.outbox, self._key_zone)
        self.rotations = RotationStore(self.session, self._rosters, self.draw_keys)
        self.declarations = DeclarationStore(self.session)
        self.roster = RosterStore(self.session)
        self.holdings = HoldingStore(self.session)
        self.open_work = OpenWorkQueries(self.session)
        self.absences = AbsenceStore(self.session)
        self.commands = CommandStore(self.session)
        self.reports = ReportQueries(self.session)
        self.beats = BeatStore(self.session)
        self.dead_letters = DeadLetterStore(self.session)
        self._committed = False
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()
        if isinstance(error, KeyNotCommitted):  # rolled back: the key is committed alone, for the retry to draw
            self._commit_key(error)

    def _commit_key(self, missing: KeyNotCommitted) -> None:
        alone = SqlUnitOfWork(self._session_factory, self._rosters, self._on_sealed, self._key_zone)
        with alone:
            alone.draw_keys.commit(missing.day, missing.now)
            alone.commit()

    def commit(self) -> None:
        """Seal the transaction's audit entries into the chain (its audit.sealed event in the outbox with them),
        then make its writes permanent; the event is handed to `on_sealed` once they are."""
        seal, event = self.audit.seal(), None
        if seal is not None:
            event = sealed_event(seal, new_event_id())
            self.outbox.add([event], seal["sealed_at"])
        self.session.commit()
        self._committed = True
        if event is not None and self._on_sealed is not None:
            self._on_sealed(event)

    @staticmethod
    def is_transient(error: BaseException) -> bool:
        """Whether retrying the whole transaction may succeed (lock, deadlock, lost race)."""
        return classify(error) is DatabaseError.TRANSIENT

    @staticmethod
    def refusal(error: BaseException) -> str | None:
        """Why the database refused the data (a constraint, a value it cannot hold); None for other errors."""
        return refusal_reason(error)
