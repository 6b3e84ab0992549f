"""Declarations, their versions, containers, assignments and holds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, delete, select, update
from sqlalchemy.orm import Session

from assigner.domain.decision_records import DecisionRecord, Fields
from assigner.domain.groups import GroupBook, GroupKind, GroupLink, group_keys
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.storage.bulk import insert_rows
from assigner.storage.holdings import containers_of
from assigner.storage.lookups import one_of
from assigner.storage.tables import AssignmentRow, Base, ContainerRow, DeclarationRow, HoldRow, VersionRow


class DeclarationStore:
    """Reads what is known of declarations and writes what the decisions taken about them change."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, keys: Iterable[str]) -> dict[str, KnownDeclaration]:
        """What is stored for these identities (first 11 digits)."""
        wanted = set(keys)
        if not wanted:
            return {}
        query = select(*_KNOWN_COLUMNS).where(one_of(self.session, DeclarationRow.declaration_key, wanted))
        return {row.declaration_key: _known(row) for row in self.session.execute(query)}

    def registered(
        self, start: datetime, end: datetime, office: str | None = None, department: str | None = None
    ) -> dict[str, str | None]:
        """The declarations registered in [start, end) (in one office or unit), each with its enterprise (tax
        code)."""
        query = select(DeclarationRow.declaration_key, DeclarationRow.enterprise_tax_code).where(
            DeclarationRow.registered_at >= start, DeclarationRow.registered_at < end
        )
        if office is not None:
            query = query.where(DeclarationRow.customs_office == office)
        if department is not None:
            query = query.where(DeclarationRow.department == department)
        return {key: code for key, code in self.session.execute(query)}

    def held_in(self, units: Iterable[Unit]) -> dict[Unit, list[Declaration]]:
        """Each unit's held declarations, oldest hold first."""
        wanted = set(units)
        if not wanted:
            return {}
        query = (  # by office, then the departments here (see RotationStore.unit_rows)
            select(DeclarationRow, HoldRow.customs_office, HoldRow.department)
            .join(HoldRow, HoldRow.declaration_key == DeclarationRow.declaration_key)
            .where(HoldRow.customs_office.in_(sorted({unit.customs_office for unit in wanted})))
            .order_by(HoldRow.id)
        )
        rows = [row for row, office, department in self.session.execute(query) if Unit(office, department) in wanted]
        containers = containers_of(self.session, [row.declaration_key for row in rows])
        held: dict[Unit, list[Declaration]] = {}
        for row in rows:
            unit = Unit(row.customs_office, row.department)
            held.setdefault(unit, []).append(_declaration(row, containers.get(row.declaration_key, [])))
        return held

    def group_owners(self, declarations: Iterable[Declaration]) -> GroupBook:
        """Who has the open declarations of these declarations' groups, in their units (oldest assignment first)."""
        lots: set[tuple[str, str, str]] = set()
        containers: set[tuple[str, str, str]] = set()
        for declaration in declarations:
            unit = declaration.unit
            for kind, key in group_keys(declaration):
                wanted = lots if kind is GroupKind.BRANCH else containers
                wanted.add((unit.customs_office, unit.department, key))
        book = GroupBook()
        open_rows = (DeclarationRow.status == Status.ASSIGNED.value, DeclarationRow.officer_id.is_not(None))
        columns = (
            DeclarationRow.customs_office,
            DeclarationRow.department,
            DeclarationRow.declaration_key,
            DeclarationRow.officer_id,
        )
        # Looked up by lot or container number alone (indexed), the unit checked here: a condition on the
        # unit lets PostgreSQL scan every declaration the unit ever had, which grows with the history.
        if lots:
            query = (
                select(*columns, DeclarationRow.branch_lot)
                .where(one_of(self.session, DeclarationRow.branch_lot, {lot for _, _, lot in lots}), *open_rows)
                .order_by(DeclarationRow.assigned_at, DeclarationRow.declaration_key)
            )
            for office, department, key, officer_id, lot in self.session.execute(query):
                if (office, department, lot) in lots:
                    link = GroupLink(GroupKind.BRANCH, str(lot), key, str(officer_id))
                    book.owners.setdefault((Unit(office, department), GroupKind.BRANCH, link.key), link)
        if containers:
            query = (
                select(*columns, ContainerRow.container_number)
                .join(ContainerRow, ContainerRow.declaration_key == DeclarationRow.declaration_key)
                .where(
                    one_of(self.session, ContainerRow.container_number, {number for _, _, number in containers}),
                    *open_rows,
                )
                .order_by(DeclarationRow.assigned_at, DeclarationRow.declaration_key)
            )
            for office, department, key, officer_id, number in self.session.execute(query):
                if (office, department, number) in containers:
                    link = GroupLink(GroupKind.CONTAINER, number, key, str(officer_id))
                    book.owners.setdefault((Unit(office, department), GroupKind.CONTAINER, number), link)
        return book

    def save(self, records: Sequence[DecisionRecord]) -> None:
        """Write what a batch's decisions change: rows inserted or updated, versions, containers, assignments,
        holds taken or released."""
        writes = _Writes()
        for record in records:
            writes.add(record)
        writes.flush(self.session)


class _Writes:
    """Rows to write for a batch, grouped by table so each is one statement; the latest decision wins."""

    def __init__(self) -> None:
        self.new: list[Fields] = []
        self.changed: list[Fields] = []
        self.versions: list[Fields] = []
        self.assignments: list[Fields] = []
        self.containers: dict[str, list[Fields]] = {}
        self.holds: dict[str, Fields] = {}
        self.amended: set[str] = set()  # stored containers replaced by the amendment's
        self.unheld: set[str] = set()  # stored holds dropped (assigned, or held again in another unit)
        self.late: dict[tuple[str, int], Fields] = {}  # earlier amendments arriving after later ones

    def add(self, record: DecisionRecord) -> None:
        key = record.key
        if record.late_version is not None:
            self.late[(key, record.late_version["amendment"])] = record.late_version
        if record.declaration is not None:
            (self.new if record.first else self.changed).append(record.declaration)
        if record.version is not None:
            self.versions.append(record.version)
        if record.containers is not None:
            self.containers[key] = record.containers
            if not record.first:
                self.amended.add(key)
        if record.leaves_hold:
            self.unheld.add(key)
            self.holds.pop(key, None)
        if record.assignment is not None:
            self.assignments.append(record.assignment)
        if record.hold is not None:
            self.holds[key] = record.hold

    def flush(self, session: Session) -> None:
        if self.new:
            insert_rows(session, DeclarationRow, self.new)
        if self.changed:
            session.execute(update(DeclarationRow), self.changed)
        if self.amended:
            session.execute(delete(ContainerRow).where(ContainerRow.declaration_key.in_(sorted(self.amended))))
        if self.unheld:
            session.execute(delete(HoldRow).where(HoldRow.declaration_key.in_(sorted(self.unheld))))
        containers = [row for rows in self.containers.values() for row in rows]
        self.versions.extend(_missing(session, self.late))
        inserts: list[tuple[type[Base], list[Fields]]] = [
            (VersionRow, self.versions),
            (ContainerRow, containers),
            (AssignmentRow, self.assignments),
            (HoldRow, list(self.holds.values())),
        ]
        for table, rows in inserts:
            if rows:
                insert_rows(session, table, rows)


def _missing(session: Session, late: dict[tuple[str, int], Fields]) -> list[Fields]:
    """The late versions not stored yet (a re-sent one is already there)."""
    if not late:
        return []
    query = select(VersionRow.declaration_key, VersionRow.amendment).where(
        VersionRow.declaration_key.in_(sorted({key for key, _ in late}))  # by the key's index, not a tuple scan
    )
    stored = {(key, amendment) for key, amendment in session.execute(query)}
    return [row for pair, row in late.items() if pair not in stored]


_KNOWN_COLUMNS = (
    DeclarationRow.declaration_key,
    DeclarationRow.declaration_number,
    DeclarationRow.customs_office,
    DeclarationRow.department,
    DeclarationRow.status,
    DeclarationRow.officer_id,
    DeclarationRow.due_at,
)


def _known(row: Row[str, str, str, str, str, str | None, datetime | None]) -> KnownDeclaration:
    unit = Unit(row.customs_office, row.department)
    status = Status(row.status)
    return KnownDeclaration(row.declaration_key, row.declaration_number, unit, status, row.officer_id, row.due_at)


def _declaration(row: DeclarationRow, containers: list[str]) -> Declaration:
    return Declaration(
        declaration_number=row.declaration_number,
        unit=Unit(row.customs_office, row.department),
        channel=Channel(row.channel),
        registered_at=row.registered_at,
        declaration_type=row.declaration_type,
        enterprise_tax_code=row.enterprise_tax_code,
        first_declaration_number=row.first_declaration_number,
        branch_index=row.branch_index,
        branch_count=row.branch_count,
        container_numbers=tuple(sorted(containers)),
        documents_received_at=row.documents_received_at,
    )
