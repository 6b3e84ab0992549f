"""The declaration message of docs/contract.md, checked at the edge."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import contract_examples
import pytest

from assigner.domain.model import Channel, Declaration, Unit
from assigner.schemas.declaration import DeclarationMessage, InvalidMessage, parse_declaration
from assigner.schemas.raw import parse_declaration_bytes
from assigner.schemas.validation_errors import describe_error

CONTRACT_EXAMPLE = contract_examples.DECLARATION


def message(**changes: Any) -> dict[str, Any]:
    payload = dict(CONTRACT_EXAMPLE)
    payload.update(changes)
    return payload


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def error_of(payload: Any) -> str:
    with pytest.raises(InvalidMessage) as raised:
        parse_declaration(payload)
    return str(raised.value)


class TestParseDeclaration:
    def test_contract_example_parses(self) -> None:
        declaration = parse_declaration(message())
        assert declaration == Declaration(
            declaration_number="105432198760",
            unit=Unit("01B1", "00"),
            channel=Channel.YELLOW,
            registered_at=datetime(2025, 6, 1, 21, 14, 5, tzinfo=timezone(timedelta(hours=7))),
            declaration_type="A11",
            enterprise_tax_code="0101234565",
            container_numbers=("CSQU3054383",),
        )
        assert declaration.key == "10543219876"
        assert declaration.amendment == 0

    def test_only_the_required_fields_are_needed(self) -> None:
        required = {k: CONTRACT_EXAMPLE[k] for k in ("declaration_number", "customs_office", "department")}
        declaration = parse_declaration({**required, "channel": "red", "registered_at": "2025-06-01T14:14:05Z"})
        assert (declaration.channel, declaration.container_numbers, declaration.enterprise_tax_code) == (
            Channel.RED,
            (),
            None,
        )

    @pytest.mark.parametrize(
        ("given", "channel"),
        [(1, Channel.GREEN), (2, Channel.YELLOW), ("2", Channel.YELLOW), (3, Channel.RED), ("3", Channel.RED)],
    )
    def test_vnaccs_channel_codes_are_accepted_as_numbers_or_strings(self, given: Any, channel: Channel) -> None:
        assert parse_declaration(message(channel=given)).channel is channel

    def test_unknown_channel_is_rejected(self) -> None:
        assert error_of(message(channel="blue")).startswith("channel:")
        assert error_of(message(channel=4)).startswith("channel:")

    def test_unknown_extra_fields_are_kept_in_the_payload(self) -> None:
        payload = message(priority="high", source={"system": "VNACCS"})
        declaration = parse_declaration(payload)
        assert declaration.payload["priority"] == "high"
        assert declaration.payload["source"] == {"system": "VNACCS"}
        assert declaration.payload == payload

    def test_valid_13_digit_branch_tax_code_is_accepted(self) -> None:
        declaration = parse_declaration(message(enterprise_tax_code="0314409058-002"))
        assert declaration.enterprise_tax_code == "0314409058-002"

    def test_first_declaration_number_f_marks_the_first_branch(self) -> None:
        declaration = parse_declaration(message(first_declaration_number="F", branch_index=1, branch_count=3))
        assert (declaration.first_declaration_number, declaration.branch_index, declaration.branch_count) == (
            "F",
            1,
            3,
        )

    def test_later_branches_carry_the_first_declaration_number(self) -> None:
        payload = message(declaration_number="105432198770", first_declaration_number="105432198760")
        declaration = parse_declaration(payload | {"branch_index": 3, "branch_count": 3})
        assert declaration.first_declaration_number == "105432198760"

    def test_message_model_gives_the_same_declaration(self) -> None:
        payload = message()
        assert DeclarationMessage.model_validate(payload).to_domain(payload) == parse_declaration(payload)


class TestInvalidDeclaration:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("declaration_number", "10543219876"),
            ("declaration_number", "1054321987601"),
            ("declaration_number", "10543219876A"),
            ("customs_office", "01B"),
            ("customs_office", "01b1"),
            ("department", "0A"),
            ("department", "000"),
            ("registered_at", "2025-06-01T21:14:05"),
            ("registered_at", "2025-06-01T25:14:05+07:00"),
            ("registered_at", "yesterday"),
            ("enterprise_tax_code", "0101234566"),
            ("enterprise_tax_code", "0314409059-002"),
            ("declaration_type", "A1"),
            ("first_declaration_number", "G"),
            ("first_declaration_number", "10543219876"),
            ("branch_index", 0),
        ],
    )
    def test_invalid_field_is_rejected_naming_the_field(self, field: str, value: Any) -> None:
        assert error_of(message(**{field: value})).startswith(f"{field}:")

    @pytest.mark.parametrize(
        "field", ["declaration_number", "customs_office", "department", "channel", "registered_at"]
    )
    def test_missing_required_field_is_rejected_naming_the_field(self, field: str) -> None:
        payload = message()
        del payload[field]
        assert error_of(payload) == f"{field}: Field required"

    def test_container_with_a_bad_check_digit_is_rejected_naming_the_field(self) -> None:
        description = error_of(message(container_numbers=["CSQU3054383", "CSQU3054384"]))
        assert description.startswith("container_numbers.1:")
        assert "CSQU3054384" in description

    def test_branch_index_greater_than_branch_count_is_rejected(self) -> None:
        description = error_of(message(first_declaration_number="105432198760", branch_index=4, branch_count=3))
        assert "branch_index 4 is greater than branch_count 3" in description

    def test_bad_tax_code_description_is_one_line_with_the_value(self) -> None:
        description = error_of(message(enterprise_tax_code="0101234566"))
        assert "\n" not in description
        assert "0101234566" in description

    @pytest.mark.parametrize("registered_at", [*contract_examples.MALFORMED_TIMES, "2025-06-02T10:00:00+07:00\n"])
    def test_a_registered_at_that_is_not_iso_8601_with_offset_is_malformed(self, registered_at: Any) -> None:
        assert error_of(message(registered_at=registered_at)).startswith("registered_at: ")

    @pytest.mark.parametrize("registered_at", contract_examples.WELL_FORMED_TIMES)
    def test_iso_8601_as_java_and_dotnet_write_it_is_accepted(self, registered_at: str) -> None:
        assert parse_declaration(message(registered_at=registered_at)).registered_at.utcoffset() is not None

    def test_several_errors_are_described_on_one_line(self) -> None:
        description = error_of(message(customs_office="01B", department="0A"))
        assert "\n" not in description
        assert description.startswith("customs_office:")
        assert "; department:" in description


class TestDescribeError:
    def test_an_error_without_details_is_its_text(self) -> None:
        assert describe_error(ValueError("not JSON")) == "not JSON"


class TestUnstorableMessages:
    @pytest.mark.parametrize(
        "changes, reason",
        [
            ({"registered_at": "0001-01-01T00:00:00+07:00"}, "registered_at"),
            ({"registered_at": "2999-01-01T00:00:00+07:00"}, "registered_at"),
            ({"branch_index": 10**30, "branch_count": 10**30}, "branch_index"),
            ({"note": float("nan")}, "NaN is not a JSON number"),
            ({"note": 1e308 * 10}, "Infinity is not a JSON number"),
            ({"note": "a\x00b"}, "NUL character"),
            ({"note": "\ud800"}, "lone surrogate"),
            ({"note": deep(40)}, "nested deeper"),
        ],
    )
    def test_values_no_database_can_store_are_rejected_at_the_edge(self, changes: dict[str, Any], reason: str) -> None:
        body = json.dumps(message(**changes)).encode()
        with pytest.raises(InvalidMessage) as raised:
            parse_declaration_bytes(body)
        assert reason in str(raised.value)

    @pytest.mark.parametrize(
        "body, reason",
        [
            (b'{"declaration_number": "105432198760", "a": 1e400}', "beyond a float's range"),
            (b'{"declaration_number": "105432198760", "declaration_number": "105432198770"}', "given twice"),
            (b'{"a": ' + b"9" * 5000 + b"}", "not JSON"),
            (b"\x00", "not JSON"),
        ],
    )
    def test_json_that_parsers_would_read_differently_is_rejected(self, body: bytes, reason: str) -> None:
        with pytest.raises(InvalidMessage) as raised:
            parse_declaration_bytes(body)
        assert reason in str(raised.value)

    def test_a_message_that_is_not_an_object_is_rejected(self) -> None:
        assert error_of([1, 2]) == "not a JSON object"


class TestCharsets:
    def test_a_charset_that_turns_plain_text_into_a_lone_surrogate_is_still_checked(self) -> None:
        body = b'{"declaration_number": "105432198760", "note": "\\ud800"}'  # in raw_unicode_escape: no JSON escape
        with pytest.raises(InvalidMessage, match="lone surrogate"):
            parse_declaration_bytes(body, "raw_unicode_escape")

    def test_a_charset_whose_codec_decodes_nothing_is_refused_as_not_text(self) -> None:
        # Python's "undefined" codec is a text codec that raises UnicodeError (not UnicodeDecodeError) on any input
        with pytest.raises(InvalidMessage, match="not undefined text"):
            parse_declaration_bytes(b"\x00", "UNDEFINED")
