"""Reading a roster CSV file: entries in file order, or one error naming the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assigner.domain.errors import InvalidRoster
from assigner.domain.model import Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.files.roster_csv import read_roster

HEADER = "officer_id,name,customs_office,department,role\n"


def roster_file(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(InvalidRoster) as raised:
        read_roster(path)
    return str(raised.value)


class TestReadRoster:
    def test_good_file_gives_entries_in_file_order(self, tmp_path: Path) -> None:
        path = roster_file(
            tmp_path,
            HEADER
            + "off.0003,Le Van Cuong,01B1,00,checker\n"
            + "off.0001,Nguyen Van An,01B1,00,checker\n"
            + "off.0001,Nguyen Van An,01B1,01,checker\n"
            + "sup.01b1,Tran Thi Binh,01B1,00,supervisor\n",
        )
        assert read_roster(path) == [
            RosterEntry(Officer("off.0003", "Le Van Cuong"), Unit("01B1", "00"), Role.CHECKER),
            RosterEntry(Officer("off.0001", "Nguyen Van An"), Unit("01B1", "00"), Role.CHECKER),
            RosterEntry(Officer("off.0001", "Nguyen Van An"), Unit("01B1", "01"), Role.CHECKER),
            RosterEntry(Officer("sup.01b1", "Tran Thi Binh"), Unit("01B1", "00"), Role.SUPERVISOR),
        ]

    def test_an_officer_may_be_checker_and_supervisor_of_the_same_unit(self, tmp_path: Path) -> None:
        path = roster_file(tmp_path, HEADER + "off.1,An,01B1,00,checker\noff.1,An,01B1,00,supervisor\n")
        assert [entry.role for entry in read_roster(path)] == [Role.CHECKER, Role.SUPERVISOR]

    def test_values_are_stripped_of_surrounding_spaces(self, tmp_path: Path) -> None:
        path = roster_file(tmp_path, HEADER + " off.1 , Nguyen Van An , 01B1 , 00 , checker \n")
        assert read_roster(path) == [RosterEntry(Officer("off.1", "Nguyen Van An"), Unit("01B1", "00"), Role.CHECKER)]

    def test_active_value_is_stripped_of_surrounding_spaces(self, tmp_path: Path) -> None:
        text = "officer_id,name,customs_office,department,role,active\n" + "off.1,An,01B1,00,checker, false\n"
        assert read_roster(roster_file(tmp_path, text))[0].officer.active is False

    def test_file_with_a_byte_order_mark_is_read(self, tmp_path: Path) -> None:
        path = tmp_path / "roster.csv"
        path.write_text(HEADER + "off.1,An,01B1,00,checker\n", encoding="utf-8-sig")
        assert [entry.officer.officer_id for entry in read_roster(path)] == ["off.1"]

    def test_active_column_false_makes_the_officer_inactive(self, tmp_path: Path) -> None:
        path = roster_file(
            tmp_path,
            "officer_id,name,customs_office,department,role,active\n"
            + "off.1,An,01B1,00,checker,false\n"
            + "off.2,Binh,01B1,00,checker,true\n"
            + "off.3,Cuong,01B1,00,checker,\n",
        )
        assert [entry.officer.active for entry in read_roster(path)] == [False, True, True]

    def test_officers_are_active_without_an_active_column(self, tmp_path: Path) -> None:
        path = roster_file(tmp_path, HEADER + "off.1,An,01B1,00,checker\n")
        assert read_roster(path)[0].officer.active is True


class TestInvalidRoster:
    @pytest.mark.parametrize(
        ("row", "field"),
        [
            ("off.1,An,01B,00,checker", "customs_office"),
            ("off.1,An,01B1,0A,checker", "department"),
            ("off.1,An,01B1,00,boss", "role"),
            ("off.1, ,01B1,00,checker", "name"),
            ("off 1,An,01B1,00,checker", "officer_id"),
        ],
    )
    def test_bad_value_names_the_file_line_and_field(self, tmp_path: Path, row: str, field: str) -> None:
        path = roster_file(tmp_path, HEADER + "off.0,Good,01B1,00,checker\n" + row + "\n")
        assert error_of(path).startswith(f"roster.csv line 3: {field}:")

    def test_bad_active_value_names_the_line_and_field(self, tmp_path: Path) -> None:
        text = "officer_id,name,customs_office,department,role,active\noff.1,An,01B1,00,checker,maybe\n"
        assert error_of(roster_file(tmp_path, text)).startswith("roster.csv line 2: active:")

    def test_missing_column_is_named(self, tmp_path: Path) -> None:
        path = roster_file(tmp_path, "officer_id,name,customs_office,role\noff.1,An,01B1,checker\n")
        message = error_of(path)
        assert message.startswith("roster.csv: missing column(s) department;")

    def test_row_with_too_few_fields_names_the_line_and_the_empty_fields(self, tmp_path: Path) -> None:
        message = error_of(roster_file(tmp_path, HEADER + "off.1,An,01B1\n"))
        assert message.startswith("roster.csv line 2: department:")
        assert "role:" in message

    def test_duplicate_officer_in_the_same_unit_and_role_names_both_lines(self, tmp_path: Path) -> None:
        text = HEADER + "off.1,An,01B1,00,checker\noff.2,Binh,01B1,00,checker\noff.1,An,01B1,00,checker\n"
        message = error_of(roster_file(tmp_path, text))
        assert message == "roster.csv line 4: officer_id off.1 is already a checker of 01B1/00 (line 2)"

    def test_blank_lines_count_in_line_numbers(self, tmp_path: Path) -> None:
        text = HEADER + "off.1,An,01B1,00,checker\n\n\noff.1,An,01B1,00,boss\n"
        assert error_of(roster_file(tmp_path, text)).startswith("roster.csv line 5: role:")

    def test_same_officer_id_with_a_different_name_is_rejected(self, tmp_path: Path) -> None:
        text = HEADER + "off.1,An,01B1,00,checker\noff.1,Binh,01B1,01,checker\n"
        message = error_of(roster_file(tmp_path, text))
        assert message.startswith("roster.csv line 3: name 'Binh'")
        assert "off.1" in message

    def test_row_with_extra_fields_is_rejected(self, tmp_path: Path) -> None:
        path = roster_file(tmp_path, HEADER + "off.1,An,01B1,00,checker\noff.2,Binh,01B1,00,checker,yes\n")
        assert error_of(path) == "roster.csv line 3: more fields than columns"

    def test_empty_file_is_rejected(self, tmp_path: Path) -> None:
        assert error_of(roster_file(tmp_path, "")).startswith("roster.csv: missing column(s) officer_id,")

    def test_file_with_only_a_header_is_rejected(self, tmp_path: Path) -> None:
        assert error_of(roster_file(tmp_path, HEADER)) == "roster.csv: no officers in the file"

    def test_missing_file_is_rejected(self, tmp_path: Path) -> None:
        assert "cannot read" in error_of(tmp_path / "absent.csv")

    def test_file_that_is_not_utf8_is_rejected(self, tmp_path: Path) -> None:
        path = tmp_path / "roster.csv"
        path.write_bytes((HEADER + "off.1,Nguyễn,01B1,00,checker\n").encode("utf-16"))
        assert error_of(path).endswith("not UTF-8 text")

    def test_same_officer_id_active_in_one_row_and_inactive_in_another_is_rejected(self, tmp_path: Path) -> None:
        text = "officer_id,name,customs_office,department,role,active\n"
        text += "off.1,An,01B1,00,checker,true\noff.1,An,01B1,01,checker,false\n"
        assert (
            error_of(roster_file(tmp_path, text)) == "roster.csv line 3: active differs from an earlier row for off.1"
        )

    def test_a_name_longer_than_200_characters_is_rejected_naming_the_line(self, tmp_path: Path) -> None:
        text = HEADER + f"off.1,{'N' * 201},01B1,00,checker\n"
        assert error_of(roster_file(tmp_path, text)).startswith("roster.csv line 2: name:")

    def test_a_column_named_twice_in_the_header_is_rejected(self, tmp_path: Path) -> None:
        text = "officer_id,name,customs_office,department,role,name\noff.1,An,01B1,00,checker,An\n"
        assert error_of(roster_file(tmp_path, text)) == "roster.csv: column(s) name appear more than once in the header"
