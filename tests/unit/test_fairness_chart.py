"""The fairness chart draws what the tests found: each officer's bar, the expected count and what chance allows,
and a flagged officer marked in red, hatched and in words (drawn on a real matplotlib panel, read back)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from unit.test_fairness import rotation

from assigner.cli.output.fairness_chart import FAIR, FLAGGED, draw_unit, write_fairness_chart
from assigner.domain.errors import InvalidInput
from assigner.domain.fairness import Draw, UnitFairness, fairness
from assigner.domain.reports import Period, Scope

DAY = Period(date(2025, 7, 1), date(2025, 7, 1), "Asia/Ho_Chi_Minh")


def planted() -> UnitFairness:
    """A strict rotation of 400 over a, b, c, d, then a fifth of the others' work moved to a by hand."""
    draws = rotation(400)
    moved = [d if i % 5 or d.holder == "a" else Draw(**{**d.__dict__, "holder": "a"}) for i, d in enumerate(draws)]
    [unit] = fairness(moved)
    return unit


def drawn(unit: UnitFairness) -> Any:
    panel = Figure().subplots()
    draw_unit(panel, unit)
    return panel


def bars(panel: Any) -> list[tuple[int, float, str, str | None]]:
    """Each bar drawn, in place order: (place, height, colour, hatch)."""
    found = [
        (round(p.get_x() + p.get_width() / 2), p.get_height(), to_hex(p.get_facecolor()), p.get_hatch())
        for p in panel.patches
    ]
    return sorted(found)


class TestTheFairnessChart:
    def test_the_flagged_officers_bar_alone_is_red_hatched_and_labelled(self) -> None:
        unit = planted()
        assert [o.officer_id for o in unit.officers if o.flagged] == ["a"]
        panel = drawn(unit)
        assert bars(panel) == [(0, 160, FLAGGED, "//"), (1, 80, FAIR, None), (2, 80, FAIR, None), (3, 80, FAIR, None)]
        assert [(t.get_text(), t.get_position()) for t in panel.texts] == [("flagged", (0, 160))]
        assert [label.get_text() for label in panel.get_xticklabels()] == ["a", "b", "c", "d"]
        assert "flagged: 1 of 4 officers" in panel.get_title()

    def test_each_officer_has_its_expected_count_and_a_whisker_from_the_lowest_to_the_highest_count_allowed(
        self,
    ) -> None:
        unit = planted()
        [whiskers] = [c for c in drawn(unit).containers if isinstance(c, ErrorbarContainer)]
        marks, (lows, highs), _ = whiskers.lines
        assert list(marks.get_ydata()) == pytest.approx([o.expected for o in unit.officers])
        assert list(lows.get_ydata()) == pytest.approx([o.chance_allows[0] for o in unit.officers])
        assert list(highs.get_ydata()) == pytest.approx([o.chance_allows[1] for o in unit.officers])

    def test_a_fair_unit_marks_nobody(self) -> None:
        [unit] = fairness(rotation(400))
        panel = drawn(unit)
        assert {colour for _, _, colour, _ in bars(panel)} == {FAIR} and list(panel.texts) == []
        assert [text.get_text() for text in panel.get_legend().get_texts()][0] == "declarations now"

    def test_nothing_to_chart_is_said_and_no_file_is_written(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="no turn in this period: no fairness test to chart"):
            write_fairness_chart([], Scope("01B1", "00"), DAY, tmp_path / "f.png")
        assert not (tmp_path / "f.png").exists()
