"""Re-deriving every turn from the audit entries alone (RotationReplay)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from assigner.domain.audit_replay import RotationReplay

T0 = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
UNIT = "01B1/00"
OTHER_UNIT = "01B1/01"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def roster_import(
    unit: str,
    roster: list[str],
    before: list[str] | None = None,
    officers: list[dict[str, Any]] | None = None,
    minutes: float = 0,
) -> dict[str, Any]:
    change = {"unit": unit, "created": before is None, "roster_before": before or [], "roster": roster}
    if officers is None:
        officers = [{"officer_id": o, "created": True, "active": True} for o in roster] if before is None else []
    return {"action": "roster_import", "occurred_at": at(minutes), "details": {"units": [change], "officers": officers}}


def turn(
    number: int,
    officer_id: str,
    position: int,
    cursor_from: int,
    skipped: Sequence[tuple[str, str]] = (),
    unit: str = UNIT,
    key: str | None = None,
    minutes: float = 1,
    action: str = "assigned",
) -> dict[str, Any]:
    """An entry that took turn `number`, as the audit log records it."""
    office, department = unit.split("/")
    return {
        "action": action,
        "occurred_at": at(minutes),
        "customs_office": office,
        "department": department,
        "declaration_key": key or f"1000000{number:04d}",
        "officer_id": officer_id,
        "details": {
            "turn": number,
            "position": position,
            "cursor_from": cursor_from,
            "skipped": [{"officer_id": o, "reason": r} for o, r in skipped],
        },
    }


def absent(
    officer_id: str, until: datetime | None = None, units: Sequence[str] = (), minutes: float = 1
) -> dict[str, Any]:
    """The entry of an officer_absent command, with the command's body as its details."""
    command: dict[str, Any] = {"command": "officer_absent", "officer_id": officer_id}
    if until is not None:
        command["until"] = until.isoformat()
    if units:
        command["units"] = [{"customs_office": u.split("/")[0], "department": u.split("/")[1]} for u in units]
    return {
        "action": "officer_absent",
        "occurred_at": at(minutes),
        "officer_id": officer_id,
        "details": {"command": command},
    }


def available(officer_id: str, minutes: float = 1) -> dict[str, Any]:
    return {
        "action": "officer_available",
        "occurred_at": at(minutes),
        "officer_id": officer_id,
        "details": {"command": {"command": "officer_available", "officer_id": officer_id}},
    }


def follow(key: str, follows: str, officer_id: str, action: str = "assigned") -> dict[str, Any]:
    return {
        "action": action,
        "occurred_at": at(1),
        "customs_office": "01B1",
        "department": "00",
        "declaration_key": key,
        "officer_id": officer_id,
        "details": {"group": "branch", "follows": follows},
    }


def replay(*entries: dict[str, Any]) -> list[str | None]:
    """Each entry's problem, in order."""
    state = RotationReplay()
    return [state.apply(entry) for entry in entries]


def first_problem(*entries: dict[str, Any]) -> str | None:
    return next((problem for problem in replay(*entries) if problem is not None), None)


class TestConsistentLog:
    def test_turns_round_the_roster_pass(self) -> None:
        entries = [
            roster_import(UNIT, ["a", "b", "c"]),
            turn(1, "a", 1, 0),
            turn(2, "b", 2, 1),
            turn(3, "c", 3, 2),
            turn(4, "a", 1, 3),
        ]
        assert replay(*entries) == [None] * 5

    def test_units_rotate_independently(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                roster_import(OTHER_UNIT, ["x", "y"]),
                turn(1, "a", 1, 0),
                turn(1, "x", 1, 0, unit=OTHER_UNIT),
                turn(2, "b", 2, 1),
                turn(2, "y", 2, 1, unit=OTHER_UNIT),
            )
            is None
        )

    def test_a_roster_reimport_moves_the_cursor_after_the_same_officer(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b", "c"]),
                turn(1, "a", 1, 0),
                turn(2, "b", 2, 1),
                roster_import(UNIT, ["c", "a", "b"], before=["a", "b", "c"]),
                turn(3, "c", 1, 3),
            )
            is None
        )

    def test_entries_without_a_turn_are_not_checked(self) -> None:
        held = {
            "action": "held",
            "occurred_at": at(1),
            "customs_office": "01B1",
            "department": "00",
            "declaration_key": "10000000001",
            "officer_id": None,
            "details": {"hold_reason": "no_eligible_officer"},
        }
        assert replay(roster_import(UNIT, ["a"]), held, turn(1, "a", 1, 0)) == [None, None, None]


class TestWrongTurn:
    def test_a_wrong_officer_fails_saying_who_the_rules_give(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a", "b"]), turn(1, "b", 1, 0))
        assert problem == "officer_id is 'b'; the rotation rules give 'a'"

    def test_a_wrong_cursor_fails(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a", "b"]), turn(1, "a", 1, 0), turn(2, "b", 2, 0))
        assert problem == "cursor_from is 0; the rotation rules give 1"

    def test_a_wrong_turn_number_fails(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a", "b"]), turn(1, "a", 1, 0), turn(3, "b", 2, 1))
        assert problem == "turn is 3; the rotation rules give 2"

    def test_a_wrong_position_fails(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a", "b"]), turn(1, "a", 2, 0))
        assert problem is not None and problem.startswith("position is 2")

    def test_skipped_officers_must_be_the_ones_the_rules_skip(self) -> None:
        start = roster_import(UNIT, ["a", "b"])
        missing = first_problem(start, absent("a"), turn(1, "b", 2, 0))
        invented = first_problem(start, turn(1, "b", 2, 0, [("a", "absent")]))
        wrong_reason = first_problem(start, absent("a"), turn(1, "b", 2, 0, [("a", "inactive")]))
        assert missing is not None and missing.startswith("skipped is []")
        assert invented is not None and invented.startswith("officer_id is 'b'")
        assert wrong_reason is not None and wrong_reason.startswith("skipped is")

    def test_a_turn_in_a_unit_no_import_created_fails(self) -> None:
        assert first_problem(turn(1, "a", 1, 0)) == "a turn in unit 01B1/00, which no roster import created"

    def test_a_turn_while_nobody_is_eligible_fails(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a"]), absent("a"), turn(1, "a", 1, 0))
        assert problem == "a turn in unit 01B1/00 while nobody was eligible"

    def test_a_roster_import_that_does_not_start_from_the_logged_roster_fails(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a", "b"]), roster_import(UNIT, ["b"], before=["a", "c"]))
        assert problem == "roster of 01B1/00 before the import is not the one the log built"

    def test_a_failed_turn_does_not_move_the_replayed_cursor(self) -> None:
        assert replay(roster_import(UNIT, ["a", "b"]), turn(1, "b", 2, 0), turn(1, "a", 1, 0))[1:] == [
            "officer_id is 'b'; the rotation rules give 'a'",
            None,
        ]


class TestInactiveOfficers:
    def test_an_officer_created_inactive_is_skipped_as_inactive(self) -> None:
        officers = [
            {"officer_id": "a", "created": True, "active": False},
            {"officer_id": "b", "created": True, "active": True},
        ]
        start = roster_import(UNIT, ["a", "b"], officers=officers)
        assert first_problem(start, turn(1, "b", 2, 0, [("a", "inactive")])) is None

    def test_an_officer_made_inactive_by_a_later_import_is_skipped(self) -> None:
        change = [{"officer_id": "a", "active": [True, False]}]
        deactivated = roster_import(UNIT, ["a", "b"], before=["a", "b"], officers=change)
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                turn(1, "a", 1, 0),
                deactivated,
                turn(2, "b", 2, 1),
                turn(3, "b", 2, 2, [("a", "inactive")]),
            )
            is None
        )


class TestAbsences:
    def test_an_absence_without_until_lasts(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                absent("a"),
                turn(1, "b", 2, 0, [("a", "absent")], minutes=10_000),
                turn(2, "b", 2, 2, [("a", "absent")], minutes=20_000),
            )
            is None
        )

    def test_an_absence_ends_at_its_until(self) -> None:
        until = at(60)
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                absent("a", until),
                turn(1, "b", 2, 0, [("a", "absent")], minutes=59),
                turn(2, "a", 1, 2, minutes=60),
            )
            is None
        )

    def test_an_absence_still_counted_after_until_fails(self) -> None:
        problem = first_problem(
            roster_import(UNIT, ["a", "b"]), absent("a", at(60)), turn(1, "b", 2, 0, [("a", "absent")], minutes=61)
        )
        assert problem == "officer_id is 'b'; the rotation rules give 'a'"

    def test_officer_available_ends_the_absence(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                absent("a"),
                turn(1, "b", 2, 0, [("a", "absent")], minutes=2),
                available("a", minutes=3),
                turn(2, "a", 1, 2, minutes=4),
            )
            is None
        )

    def test_officer_available_ends_an_absence_with_until_early(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                absent("a", at(600)),
                available("a", minutes=2),
                turn(1, "a", 1, 0, minutes=3),
            )
            is None
        )

    def test_an_absence_in_one_unit_leaves_the_officer_in_the_others(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                roster_import(OTHER_UNIT, ["a", "x"]),
                absent("a", units=[UNIT]),
                turn(1, "b", 2, 0, [("a", "absent")]),
                turn(1, "a", 1, 0, unit=OTHER_UNIT),
            )
            is None
        )

    def test_a_new_absence_replaces_the_earlier_one(self) -> None:
        assert (
            first_problem(
                roster_import(UNIT, ["a", "b"]),
                absent("a"),
                absent("a", at(60), minutes=2),
                turn(1, "a", 1, 0, minutes=61),
            )
            is None
        )

    def test_the_skip_reason_for_an_absent_officer_is_absent(self) -> None:
        problem = first_problem(roster_import(UNIT, ["a", "b"]), absent("a"), turn(1, "a", 1, 0))
        assert problem == "officer_id is 'a'; the rotation rules give 'b'"


class TestFollowingAGroup:
    def test_a_group_entry_going_to_the_holder_passes(self) -> None:
        assert (
            replay(
                roster_import(UNIT, ["a", "b"]),
                turn(1, "a", 1, 0, key="10000000001"),
                follow("10000000002", "10000000001", "a"),
            )[2]
            is None
        )

    def test_a_group_entry_going_to_someone_else_fails(self) -> None:
        problem = replay(
            roster_import(UNIT, ["a", "b"]),
            turn(1, "a", 1, 0, key="10000000001"),
            follow("10000000002", "10000000001", "b"),
        )[2]
        assert problem == "follows declaration 10000000001, held by 'a', yet went to 'b'"

    def test_following_a_declaration_the_log_never_assigned_fails(self) -> None:
        problem = replay(roster_import(UNIT, ["a"]), follow("10000000002", "10000000009", "a"))[1]
        assert problem == "follows declaration 10000000009, held by None, yet went to 'a'"

    def test_the_holder_is_whoever_it_was_reassigned_to_last(self) -> None:
        moved = {
            "action": "reassigned",
            "occurred_at": at(2),
            "customs_office": "01B1",
            "department": "00",
            "declaration_key": "10000000001",
            "officer_id": "b",
            "details": {"status_before": "assigned"},
        }
        problems = replay(
            roster_import(UNIT, ["a", "b"]),
            turn(1, "a", 1, 0, key="10000000001"),
            moved,
            follow("10000000002", "10000000001", "b"),
            follow("10000000003", "10000000001", "a"),
        )
        assert problems[3] is None
        assert problems[4] == "follows declaration 10000000001, held by 'b', yet went to 'a'"

    def test_a_redistributed_declaration_follows_one_moved_before_it(self) -> None:
        problems = replay(
            roster_import(UNIT, ["a", "b", "c"]),
            turn(1, "a", 1, 0, key="10000000001"),
            absent("a", minutes=2),
            turn(2, "b", 2, 1, [], key="10000000001", action="reassigned", minutes=2),
            follow("10000000002", "10000000001", "b", action="reassigned"),
        )
        assert problems == [None] * 5
