"""The chaos run's checks fail on what they look for: each is fed a record with the defect it must catch."""

from __future__ import annotations

import random
from typing import Any

import pytest

from assigner.broker import topology
from assigner.devtools.chaos import verdict
from assigner.devtools.chaos.faults import Fault, schedule
from assigner.devtools.chaos.hostile import FORGED_REASON
from assigner.devtools.chaos.plan import POISON_KINDS, Plan, make_plan
from assigner.devtools.chaos.poison import CONTRACT_KINDS, contract_poison
from assigner.devtools.chaos.record import Assignment, Record, Stored
from assigner.devtools.chaos.supervisors import Sent
from assigner.domain.model import Unit
from assigner.schemas.declaration import InvalidMessage
from workers.delivery import read_declaration, too_large

UNIT = Unit("03CC", "00")  # a unit without absences: its spread is checked


def plan_of(*keys: str, expected: str = "assigned") -> Plan:
    plan = Plan()
    for key in keys:
        plan.expected[key] = expected
        plan.units[key] = UNIT
    return plan


def record(
    declarations: dict[str, Stored],
    assignments: list[Assignment] | None = None,
    outbox: dict[str, dict[str, Any]] | None = None,
) -> Record:
    return Record(declarations, assignments or [], outbox or {})


def auto(key: str, officer: str, turn: int) -> Assignment:
    return Assignment(key, UNIT, officer, "auto", turn, None)


def by_name(verdicts: list[verdict.Verdict]) -> dict[str, bool]:
    return {v.name: v.ok for v in verdicts}


class TestStoredAndDecided:
    def test_a_declaration_missing_from_the_database_is_lost(self) -> None:
        checks = by_name(
            verdict.stored_and_decided(
                plan_of("k1", "k2"), record({"k1": Stored("assigned", "d1", None)}, [auto("k1", "d1", 1)])
            )
        )
        assert checks["nothing lost"] is False

    def test_two_automatic_assignments_of_one_declaration_are_doubled(self) -> None:
        checks = by_name(
            verdict.stored_and_decided(
                plan_of("k1"),
                record({"k1": Stored("assigned", "d2", None)}, [auto("k1", "d1", 1), auto("k1", "d2", 2)]),
            )
        )
        assert checks == {"nothing lost": True, "nothing doubled": False, "outcomes": True}

    def test_a_held_declaration_without_its_reason_is_a_wrong_outcome(self) -> None:
        checks = by_name(
            verdict.stored_and_decided(
                plan_of("k1", expected="held"), record({"k1": Stored("held", None, "no_eligible_officer")})
            )
        )
        assert checks["outcomes"] is False


class TestNothingElseStored:
    SENT = (Sent("chaos-1", "reassign", {}),)

    def test_only_the_valid_declarations_and_the_commands_sent_pass(self) -> None:
        stored = Record({"k1": Stored("assigned", "d1", None)}, [], {}, {"chaos-1"})
        assert verdict.nothing_else_stored(plan_of("k1"), stored, list(self.SENT)).ok

    @pytest.mark.parametrize(
        "stored",
        [
            Record({"k1": Stored("assigned", "d1", None), "19000000007": Stored("held", None, None)}, [], {}, set()),
            Record({"k1": Stored("assigned", "d1", None)}, [], {}, {"chaos-1", "chaos-poison-7\x00x"}),
        ],
    )
    def test_a_poison_declaration_or_command_stored_fails(self, stored: Record) -> None:
        assert not verdict.nothing_else_stored(plan_of("k1"), stored, list(self.SENT)).ok


class TestRotation:
    def test_a_turn_used_twice_or_skipped_is_found(self) -> None:
        checks = by_name(verdict.rotation(record({}, [auto("k1", "d1", 1), auto("k2", "d2", 3)])))
        assert checks["turns contiguous"] is False

    def test_an_officer_two_turns_ahead_breaks_the_spread(self) -> None:
        turns = [auto(f"k{n}", "d1", n) for n in (1, 2, 3)] + [auto("k4", "d2", 4)]
        checks = by_name(verdict.rotation(record({}, turns)))
        assert checks == {"turns contiguous": True, "spread of turns": False}


class TestEvents:
    def test_an_event_stored_and_never_received_or_received_unlike_its_stored_body_fails(self) -> None:
        stored = {
            "e1": {"body": {"event_id": "e1", "event": "declaration.recorded"}, "routing_key": "r"},
            "e2": {"body": {"event_id": "e2", "event": "declaration.recorded"}, "routing_key": "r"},
        }
        checks = by_name(verdict.events(record({}, outbox=stored), [stored["e1"]["body"]], {}))
        assert checks["events delivered"] is False
        changed = [stored["e1"]["body"], {**stored["e2"]["body"], "officer_id": "x"}]
        assert by_name(verdict.events(record({}, outbox=stored), changed, {}))["events delivered"] is False

    def test_one_decision_under_two_event_ids_fails_and_a_redelivery_under_one_does_not(self) -> None:
        def assigned(event_id: str) -> dict[str, object]:
            return {
                "event_id": event_id,
                "event": "declaration.assigned",
                "mode": "auto",
                "declaration_number": "103000000010",
            }

        stored = {i: {"body": assigned(i), "routing_key": "declaration.assigned.03CC.00"} for i in ("e1", "e2")}
        assert (
            by_name(verdict.events(record({}, outbox=stored), [assigned("e1"), assigned("e2")], {}))[
                "one event_id per decision"
            ]
            is False
        )
        once = {"e1": stored["e1"]}
        result = by_name(verdict.events(record({}, outbox=once), [assigned("e1"), assigned("e1")], {"03CC": []}))
        assert result["one event_id per decision"] and result["events delivered"]
        assert result["queue of office 03CC"] is False  # its office queue never got it


class TestDeadLetters:
    def plan(self) -> Plan:
        plan = Plan()
        plan.poison = {"p1": "not JSON", "p2": "not UTF-8"}
        plan.dead_letter_queues = {"p1": topology.DECLARATIONS_DLQ, "p2": topology.DECLARATIONS_DLQ}
        return plan

    def test_every_poison_once_with_its_reason_passes(self) -> None:
        letters = [verdict.Letter("p1", "not JSON", 100.0), verdict.Letter("p2", "not UTF-8 text", 101.0)]
        assert verdict.dead_letters(self.plan(), letters, []).ok

    @pytest.mark.parametrize(
        "letters",
        [
            [verdict.Letter("p1", "not JSON", 1.0)],  # one missing
            [verdict.Letter("p1", "not JSON", 1.0), verdict.Letter("p2", None, 1.0)],  # no reason
            [verdict.Letter("p1", "not JSON", 1.0), verdict.Letter("p2", FORGED_REASON, 1.0)],  # the sender's reason
            [verdict.Letter("p1", "x", 1.0), verdict.Letter("p2", "x", 1.0), verdict.Letter("valid-1", "x", 1.0)],
        ],
    )
    def test_a_missing_unexplained_or_stray_letter_fails(self, letters: list[verdict.Letter]) -> None:
        assert not verdict.dead_letters(self.plan(), letters, []).ok

    def test_a_command_poison_passes_on_the_commands_dead_letter_queue_only(self) -> None:
        plan = self.plan()
        plan.poison["c1"] = "a command body of NUL bytes"
        plan.dead_letter_queues["c1"] = topology.COMMANDS_DLQ
        letters = [verdict.Letter("p1", "x", 1.0), verdict.Letter("p2", "x", 1.0)]
        right = verdict.Letter("c1", "not JSON", 1.0, topology.COMMANDS_DLQ)
        assert verdict.dead_letters(plan, [*letters, right], []).ok
        wrong = verdict.Letter("c1", "not JSON", 1.0, topology.DECLARATIONS_DLQ)
        assert not verdict.dead_letters(plan, [*letters, wrong], []).ok
        assert plan.dead_letters_expected() == {topology.DECLARATIONS_DLQ: 2, topology.COMMANDS_DLQ: 1}

    def test_a_second_copy_passes_only_if_its_first_was_in_flight_when_a_fault_struck(self) -> None:
        letters = [verdict.Letter("p1", "x", 1000.0), verdict.Letter("p1", "x", 1020.0), verdict.Letter("p2", "x", 5.0)]
        restart = Fault("broker", 0.5, started=1003.0, back=1015.0)
        assert verdict.dead_letters(self.plan(), letters, [restart]).ok
        assert not verdict.dead_letters(self.plan(), letters, []).ok
        later = Fault("kill", 0.6, target=1, started=2000.0, back=2000.5)
        assert not verdict.dead_letters(self.plan(), letters, [later]).ok


class TestPlan:
    def test_every_kind_of_poison_is_refused_by_the_worker_as_the_contract_says(self) -> None:
        rng = random.Random(3)
        for number, kind in enumerate(CONTRACT_KINDS):
            poison = contract_poison(kind, number, rng)
            with pytest.raises(InvalidMessage):
                if reason := too_large(poison.body, 1_048_576):
                    raise InvalidMessage(reason)
                read_declaration(poison.body, poison.content_type, "utf-8")

    def test_the_stream_holds_its_shares_of_resends_poison_and_amendments(self) -> None:
        plan = make_plan(2000, seed=5)
        kinds = [m.kind for m in plan.messages]
        assert len(plan.expected) == 2000 and kinds.count("declaration") == 2000
        assert 0.04 * len(plan.messages) < kinds.count("resend") < 0.06 * len(plan.messages)
        assert len(plan.poison) == 20 and set(plan.poison.values()) <= set(POISON_KINDS)
        assert sum(plan.dead_letters_expected().values()) == 20
        assert kinds.count("amendment") > 20
        ids = {m.message_id for m in plan.messages if m.kind != "resend"}
        assert {m.message_id for m in plan.messages if m.kind == "resend"} <= ids, "a re-send is a copy"
        assert set(plan.expected.values()) == {"assigned", "held", "recorded"}

    def test_faults_are_spread_over_the_stream_each_kill_on_another_worker(self) -> None:
        faults = schedule(kills=3, broker_restarts=1, database_restarts=1, workers=4)
        shares = [fault.at_share for fault in faults]
        assert shares == sorted(shares) and 0.15 < shares[0] and shares[-1] < 0.85
        assert [f.target for f in faults if f.kind == "kill"] == [1, 2, 3]
        assert [f.kind for f in faults].count("commands") == 1

    def test_on_a_cluster_the_broker_faults_alternate_leader_stop_and_node_kill_and_the_database_fails_over(
        self,
    ) -> None:
        faults = schedule(kills=1, broker_restarts=3, database_restarts=1, workers=2, cluster=True)
        kinds = [f.kind for f in faults]
        assert [k for k in kinds if k in ("leader", "node")] == ["leader", "node", "leader"]
        assert kinds.count("failover") == 1 and kinds.count("kill") == 1
        assert "broker" not in kinds and "database" not in kinds


class TestAnnouncedAndHeld:
    def test_an_event_received_whose_decision_the_promoted_standby_lacks_fails(self) -> None:
        stored = {"e1": {"body": {"event_id": "e1"}, "routing_key": "r"}}
        assert verdict.announced_and_held(record({}, outbox=stored), [{"event_id": "e1"}, {"event_id": "e1"}]).ok
        lost = verdict.announced_and_held(record({}, outbox=stored), [{"event_id": "e1"}, {"event_id": "e2"}])
        assert not lost.ok and "1 events" in lost.detail and "e2" in lost.detail
