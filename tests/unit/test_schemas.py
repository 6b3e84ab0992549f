"""The contract's JSON Schemas, generated from the models, accept what the contract shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import contract_examples
import jsonschema
import pytest
from pydantic import ValidationError

from assigner.cli import run
from assigner.schemas.command import COMMAND, ReassignGroup
from assigner.schemas.event import EVENT, CommandRejected, DeclarationAssigned
from assigner.schemas.kinds import json_schema

CONTRACT_DECLARATION = contract_examples.DECLARATION
CONTRACT_COMMAND = contract_examples.COMMAND
MALFORMED_TIMES = contract_examples.MALFORMED_TIMES
WELL_FORMED_TIMES = contract_examples.WELL_FORMED_TIMES


def validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class TestDeclarationSchema:
    @pytest.mark.parametrize("channel", ["yellow", 2, "2"])
    def test_the_contract_example_is_valid_with_names_or_vnaccs_codes(self, channel: Any) -> None:
        validator("declaration").validate(CONTRACT_DECLARATION | {"channel": channel, "vendor_field": 1})

    def test_a_missing_required_field_is_invalid(self) -> None:
        message = {k: v for k, v in CONTRACT_DECLARATION.items() if k != "registered_at"}
        assert not validator("declaration").is_valid(message)

    @pytest.mark.parametrize("registered_at", MALFORMED_TIMES)
    def test_a_time_the_model_refuses_the_schema_refuses_too(self, registered_at: Any) -> None:
        assert not validator("declaration").is_valid(CONTRACT_DECLARATION | {"registered_at": registered_at})

    @pytest.mark.parametrize("registered_at", WELL_FORMED_TIMES)
    def test_a_time_the_model_accepts_the_schema_accepts_too(self, registered_at: str) -> None:
        validator("declaration").validate(CONTRACT_DECLARATION | {"registered_at": registered_at})


class TestCommandSchema:
    def test_the_contract_example_is_valid_and_parses(self) -> None:
        validator("command").validate(CONTRACT_COMMAND)
        assert COMMAND.validate_python(CONTRACT_COMMAND).to_officer_id == "off.0042"  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        "changes",
        [{"command": "fire_everyone"}, {"to_officer_id": None}, {"declaration_number": "1054"}, {"extra": 1}],
    )
    def test_a_malformed_command_is_refused(self, changes: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            COMMAND.validate_python(CONTRACT_COMMAND | changes)

    @pytest.mark.parametrize("until", MALFORMED_TIMES)
    def test_a_time_that_is_not_iso_8601_with_offset_is_refused(self, until: Any) -> None:
        absent = {"command_id": "c1", "command": "officer_absent", "issued_by": "sup.01b1", "officer_id": "off.1"}
        COMMAND.validate_python(absent | {"until": "2026-12-01T07:30:00+07:00"})
        with pytest.raises(ValidationError, match="ISO 8601"):
            COMMAND.validate_python(absent | {"until": until})
        assert not validator("command").is_valid(absent | {"until": until})

    def test_a_reassignment_says_why_with_a_code_and_other_needs_words(self) -> None:
        without = {key: value for key, value in CONTRACT_COMMAND.items() if key != "reason_code"}
        with pytest.raises(ValidationError, match="reason_code"):
            COMMAND.validate_python(without)
        for code in ("branch_declaration", "shared_container", "officer_absent", "workload", "conflict_of_interest"):
            assert COMMAND.validate_python(without | {"reason_code": code, "reason": None}).reason_code == code
        with pytest.raises(ValidationError, match="reason_code other needs a reason"):
            COMMAND.validate_python(without | {"reason_code": "other", "reason": None})
        assert COMMAND.validate_python(without | {"reason_code": "other"}).reason == "officer on sick leave"
        with pytest.raises(ValidationError):
            COMMAND.validate_python(without | {"reason_code": "favour"})
        assert validator("command").is_valid(CONTRACT_COMMAND)
        assert not validator("command").is_valid(without)

    def test_a_group_key_must_fit_its_group(self) -> None:
        base = {"command_id": "c1", "command": "reassign_group", "issued_by": "sup.01b1", "to_officer_id": "off.1"}
        base["reason_code"] = "shared_container"
        assert isinstance(COMMAND.validate_python(base | {"group": "container", "key": "csqu 305438 3"}), ReassignGroup)
        for bad in ({"group": "container", "key": "CSQU3054384"}, {"group": "branch", "key": "F"}):
            with pytest.raises(ValidationError):
                COMMAND.validate_python(base | bad)


class TestEventSchema:
    def test_an_assigned_event_validates_and_routes_by_name_office_and_department(self) -> None:
        event = DeclarationAssigned(
            event="declaration.assigned",
            event_id="e1",
            occurred_at=datetime(2025, 6, 1, tzinfo=UTC),
            declaration_number="105432198760",
            customs_office="01B1",
            department="00",
            officer_id="off.1",
            mode="auto",
            after_hours=True,
            turn=7,
        )
        payload = json.loads(event.model_dump_json())
        validator("event").validate(payload)
        assert EVENT.validate_python(payload) == event
        assert event.routing_key() == "declaration.assigned.01B1.00"

    def test_a_rejected_command_event_needs_its_reason(self) -> None:
        rejected = {
            "event": "command.rejected",
            "event_id": "e2",
            "occurred_at": "2025-06-01T00:00:00Z",
            "command_id": "c",
        }
        assert not validator("event").is_valid(rejected)
        assert (
            CommandRejected.model_validate(rejected | {"reason": "not a supervisor"}).routing_key()
            == "command.rejected"
        )


class TestSchemaCommand:
    @pytest.mark.parametrize("kind", ["declaration", "command", "event"])
    def test_schema_prints_a_json_schema(self, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(["schema", kind]) == 0
        printed = json.loads(capsys.readouterr().out)
        jsonschema.Draft202012Validator.check_schema(printed)
        assert printed["$schema"].endswith("2020-12/schema")

    def test_an_unknown_kind_is_a_one_line_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(["schema", "invoice"]) == 2
        assert capsys.readouterr().err.count("\n") == 1
