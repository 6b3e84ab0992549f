"""The report's table on a narrow terminal: no number or unit name is ever cut."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from rich.console import Console

from assigner.cli.output.report_formats import print_table
from assigner.domain.check_times import CheckFigures, CompletionTimes
from assigner.domain.model import Unit
from assigner.domain.reports import OfficerFigures, Period, Report, Scope, UnitFigures

CHECKS = CheckFigures(120_345, 2_345, 678, CompletionTimes(timedelta(hours=1.25), timedelta(hours=1_234.5)))


def report() -> Report:
    units = []
    for office, department in (("01B1", "01"), ("02CI", "02")):
        officers = [
            OfficerFigures(
                f"off.{office}{i}", f"Nguyen Thi Officer {i}", True, 123_456, 1_234, 122_222, 123_000, 456, CHECKS
            )
            for i in range(3)
        ]
        units.append(
            UnitFigures(
                Unit(office, department),
                {"yellow": 1_234_567, "green": 2_345_678, "red": 98_765},
                1_234_567,
                654_321,
                1_230_000,
                4_567,
                190_123,
                12_345,
                {"unknown_department": 7},
                officers,
                CHECKS,
            )
        )
    return Report(Scope(), Period(date(2025, 6, 1), date(2025, 6, 30), "Asia/Ho_Chi_Minh"), units)


def printed(width: int) -> str:
    out = io.StringIO()
    print_table(report(), Console(file=out, width=width, color_system=None))
    return out.getvalue()


class TestNarrowTable:
    def test_on_80_columns_every_figure_and_unit_name_is_printed_whole(self) -> None:
        out = printed(80)
        assert max(len(line) for line in out.splitlines()) <= 80
        assert "…" not in out
        for whole in (
            "1,234,567",
            "2,345,678",
            "98,765",
            "2,469,134",
            "4,691,356",
            "190,123 (15.4%)",
            "01B1/01",
            "02CI/02",
            "off.01B10",
            "123,456",
            "122,222",
            "33.3%",
            "120,345",
            "240,690",  # the total's in time
            "1.25",
            "1,234.50",
        ):
            assert re.search(rf"(^|\s){re.escape(whole)}(\s|$)", out, re.M), whole

    def test_a_wide_console_keeps_the_unit_table_in_one_piece(self) -> None:
        assert "continued" not in printed(160) and "continued" in printed(80)
