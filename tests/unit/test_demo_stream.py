"""The demo stream: three pilot-like days of raw messages; every count is taken from the messages themselves."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from stdnum import iso6346

from assigner.devtools.demo.stream import DemoStream, pilot_stream
from assigner.domain.model import Channel, Declaration, Unit
from assigner.domain.roster import Role
from assigner.domain.working_hours import WorkingHours
from assigner.files.roster_csv import read_roster
from assigner.resources import shipped
from assigner.schemas.declaration import InvalidMessage, parse_declaration

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_UNITS = {Unit("01B1", "01"), Unit("01B1", "02"), Unit("02CI", "01"), Unit("02CI", "02")}
MALFORMED_KINDS = {"not JSON", "JSON array", "missing field", "tax code", "container", "registered_at"}


@dataclass(frozen=True)
class Published:
    """A stream read as a worker would: each valid message with its place, and why the others failed."""

    valid: list[tuple[int, Declaration]]
    failures: list[tuple[bytes, str]]

    def distinct(self) -> dict[str, Declaration]:
        """Declarations by their first 11 digits, as first received."""
        first: dict[str, Declaration] = {}
        for _, declaration in self.valid:
            first.setdefault(declaration.key, declaration)
        return first

    def yellow(self) -> list[Declaration]:
        return [d for d in self.distinct().values() if d.channel == Channel.YELLOW]


def read(stream: DemoStream) -> Published:
    valid: list[tuple[int, Declaration]] = []
    failures: list[tuple[bytes, str]] = []
    for index, message in enumerate(stream.messages):
        try:
            valid.append((index, parse_declaration(json.loads(message))))
        except json.JSONDecodeError:
            failures.append((message, "not JSON"))
        except InvalidMessage as error:
            failures.append((message, str(error)))
    return Published(valid, failures)


def failure_kind(message: bytes, reason: str) -> str:
    if reason == "not JSON":
        return reason
    if isinstance(json.loads(message), list):
        return "JSON array"
    if "Field required" in reason:
        return "missing field"
    for kind in ("tax code", "container", "registered_at"):
        if kind in reason:
            return kind
    return reason


def after_hours(declaration: Declaration) -> bool:
    local = declaration.registered_at.astimezone(HANOI)
    return not WorkingHours().is_working_time(local.date(), local.time())


@pytest.fixture(scope="module")
def stream() -> DemoStream:
    return pilot_stream()


@pytest.fixture(scope="module")
def published(stream: DemoStream) -> Published:
    return read(stream)


class TestMessages:
    def test_only_the_malformed_messages_fail_each_in_a_different_way(
        self, stream: DemoStream, published: Published
    ) -> None:
        kinds = [failure_kind(message, reason) for message, reason in published.failures]
        assert len(kinds) == stream.malformed == 6
        assert set(kinds) == MALFORMED_KINDS

    def test_every_other_message_is_a_valid_declaration(self, stream: DemoStream, published: Published) -> None:
        assert len(published.valid) == len(stream.messages) - stream.malformed

    def test_first_copies_are_published_in_registration_order(self, published: Published) -> None:
        firsts = [d for _, d in published.valid if d.amendment == 0]
        seen: set[str] = set()
        times = []
        for declaration in firsts:
            if declaration.key not in seen:
                seen.add(declaration.key)
                times.append(declaration.registered_at)
        assert times == sorted(times)

    def test_registrations_fall_on_three_consecutive_weekdays(self, published: Published) -> None:
        days = {d.registered_at.astimezone(HANOI).date() for d in published.distinct().values()}
        assert days == {date(2025, 6, 2), date(2025, 6, 3), date(2025, 6, 4)}

    def test_numbers_are_12_digits_imports_10_exports_30_originals_ending_0(self, published: Published) -> None:
        for declaration in published.distinct().values():
            number = declaration.declaration_number
            assert len(number) == 12 and number[:2] in {"10", "30"} and number[11] == "0"


class TestCounts:
    def test_720_distinct_yellow_declarations(self, stream: DemoStream, published: Published) -> None:
        assert len(published.yellow()) == stream.yellow == 720

    def test_61_yellow_declarations_registered_after_hours(self, stream: DemoStream, published: Published) -> None:
        late = [d for d in published.yellow() if after_hours(d)]
        assert len(late) == stream.after_hours_yellow == 61

    def test_green_and_red_match_and_keep_the_published_shares(self, stream: DemoStream, published: Published) -> None:
        declarations = list(published.distinct().values())
        green = sum(1 for d in declarations if d.channel == Channel.GREEN)
        red = sum(1 for d in declarations if d.channel == Channel.RED)
        assert (green, red) == (stream.green, stream.red)
        assert 0.60 <= green / len(declarations) <= 0.65
        assert 0.05 <= red / len(declarations) <= 0.07

    def test_resent_messages_are_the_same_bytes_as_an_earlier_one(self, stream: DemoStream) -> None:
        seen: set[bytes] = set()
        resent = 0
        for message in stream.messages:
            resent += message in seen
            seen.add(message)
        assert resent == stream.resent == 3

    def test_unknown_department_declarations_are_yellow_units_off_the_demo_roster(
        self, stream: DemoStream, published: Published
    ) -> None:
        off_roster = [d for d in published.distinct().values() if d.unit not in DEMO_UNITS]
        assert len(off_roster) == stream.unknown_department == 2
        assert all(d.channel == Channel.YELLOW for d in off_roster)

    def test_declarations_go_to_every_demo_unit(self, stream: DemoStream, published: Published) -> None:
        assert {Unit(*unit) for unit in stream.units} == DEMO_UNITS
        assert {d.unit for d in published.yellow()} >= DEMO_UNITS


class TestAmendments:
    def test_amendments_keep_11_digits_raise_the_12th_and_come_after_the_original(
        self, stream: DemoStream, published: Published
    ) -> None:
        originals: dict[str, Declaration] = {}
        amendments = 0
        for _, declaration in published.valid:
            original = originals.setdefault(declaration.key, declaration)
            if declaration.declaration_number != original.declaration_number:
                assert declaration.amendment > original.amendment
                amendments += 1
        assert amendments == stream.amendments == 5


class TestBranchLots:
    def test_each_lot_is_consecutive_first_f_then_the_first_number(
        self, stream: DemoStream, published: Published
    ) -> None:
        at = dict(published.valid)
        lots = 0
        members = 0
        for index, first in published.valid:
            if first.first_declaration_number != "F":
                continue
            lots += 1
            count = first.branch_count or 0
            assert first.branch_index == 1 and 2 <= count <= 4 and first.channel == Channel.YELLOW
            previous = first
            for branch_index in range(2, count + 1):
                member = at[index + branch_index - 1]
                assert member.first_declaration_number == first.declaration_number
                assert (member.branch_index, member.branch_count) == (branch_index, count)
                assert (member.unit, member.channel) == (first.unit, Channel.YELLOW)
                assert 0 < (member.registered_at - previous.registered_at).total_seconds() < 60
                previous = member
                members += 1
        referring = [d for _, d in published.valid if d.first_declaration_number not in (None, "F")]
        assert lots == stream.branch_lots and lots >= 3
        assert len(referring) == members


class TestContainerGroups:
    def test_declarations_sharing_a_container_are_yellow_in_one_unit(
        self, stream: DemoStream, published: Published
    ) -> None:
        sharing: dict[str, list[Declaration]] = defaultdict(list)
        for declaration in published.distinct().values():
            for container in declaration.container_numbers:
                sharing[container].append(declaration)
        groups = {container: group for container, group in sharing.items() if len(group) > 1}
        assert len(groups) == stream.container_groups and len(groups) >= 3
        for container, group in groups.items():
            assert iso6346.is_valid(container) and 2 <= len(group) <= 3
            assert {(d.unit, d.channel) for d in group} == {(group[0].unit, Channel.YELLOW)}


class TestDeterminism:
    def test_same_seed_gives_the_same_bytes(self, stream: DemoStream) -> None:
        assert pilot_stream(2025) == stream

    def test_another_seed_gives_another_stream_with_the_same_shape(self, stream: DemoStream) -> None:
        other = pilot_stream(7)
        published = read(other)
        assert other.messages != stream.messages
        assert len(published.yellow()) == 720
        assert sum(1 for d in published.yellow() if after_hours(d)) == 61
        assert len(published.failures) == 6


class TestDemoRoster:
    entries = read_roster(shipped("samples") / "demo-roster.csv")

    def test_names_exactly_the_four_demo_units_with_checkers(self) -> None:
        units = {entry.unit for entry in self.entries if entry.role == Role.CHECKER}
        assert units == DEMO_UNITS

    def test_every_unit_has_a_supervisor(self) -> None:
        supervised = {entry.unit for entry in self.entries if entry.role == Role.SUPERVISOR}
        assert supervised == DEMO_UNITS

    def test_a_dozen_checkers(self) -> None:
        checkers = {entry.officer.officer_id for entry in self.entries if entry.role == Role.CHECKER}
        assert len(checkers) == 12
