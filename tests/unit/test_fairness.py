"""The fairness statistics on streams whose answer is known: a fair rotation is not flagged, a planted bias is."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from assigner.domain.fairness import ALPHA, Draw, fairness, upper_tail

START = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
TEAM = ("a", "b", "c", "d")


def rotation(count: int, absent: dict[str, range] | None = None, seed: int = 7) -> list[Draw]:
    """A strict rotation over TEAM: each turn to the next eligible officer; `absent` officers are not eligible on
    those turn numbers; enterprises drawn at random (as their declarations come), 6 of them."""
    rng = random.Random(seed)
    absent = absent or {}
    draws, cursor = [], -1
    for index in range(count):
        eligible = tuple(o for o in TEAM if index not in absent.get(o, range(0)))
        for step in range(1, len(TEAM) + 1):
            candidate = TEAM[(cursor + step) % len(TEAM)]
            if candidate in eligible:
                cursor = TEAM.index(candidate)
                break
        taker = TEAM[cursor]
        enterprise = f"010000000{rng.randrange(6)}"
        draws.append(Draw("01B1/00", f"k{index}", START + timedelta(minutes=index), eligible, taker, taker, enterprise))
    return draws


class TestAFairRotation:
    def test_is_not_flagged_and_each_officer_gets_what_the_eligible_time_predicts(self) -> None:
        [unit] = fairness(rotation(400))
        assert unit.turns == 400 and not unit.flagged and unit.thin == []
        assert [(o.officer_id, o.actual, round(o.expected)) for o in unit.officers] == [
            (officer, 100, 100) for officer in TEAM
        ]
        assert all(abs(o.z) < 0.1 and o.p_value == 1.0 for o in unit.officers)

    def test_with_an_absence_the_absent_officer_expects_fewer_and_is_not_flagged(self) -> None:
        [unit] = fairness(rotation(400, {"c": range(100, 300)}))
        c = next(o for o in unit.officers if o.officer_id == "c")
        assert c.actual == pytest.approx(c.expected, abs=1.5) and c.actual < 80
        assert not unit.flagged

    @pytest.mark.parametrize("seed", range(5))
    def test_enterprises_meeting_officers_as_the_rotation_gives_them_are_not_flagged(self, seed: int) -> None:
        [unit] = fairness(rotation(300, seed=seed))
        assert len(unit.enterprises) == 6 and not any(e.flagged for e in unit.enterprises)


class TestNoFalseAlarm:
    def test_one_turn_in_a_unit_of_twenty_is_not_flagged(self) -> None:
        team = tuple(f"o{i:02d}" for i in range(20))
        [unit] = fairness([Draw("01B1/00", "k0", START, team, "o00", "o00")])
        assert not unit.flagged and all(o.p_value == 1.0 for o in unit.officers)

    def test_many_small_enterprises_in_a_strict_rotation_are_not_flagged(self) -> None:
        rng = random.Random(5)
        team = ("a", "b", "c")
        names = [f"{n:010d}" for n in range(1500) for _ in range(6)]
        rng.shuffle(names)
        draws = [Draw("01B1/00", f"k{i}", START, team, team[i % 3], team[i % 3], name) for i, name in enumerate(names)]
        [unit] = fairness(draws)
        assert len(unit.enterprises) == 1500 and not any(e.flagged for e in unit.enterprises)

    def test_an_officer_never_eligible_yet_holding_is_off_beyond_chance(self) -> None:
        draws = [Draw("01B1/00", f"k{i}", START, ("a", "b"), "a", "x" if i == 0 else "a") for i in range(10)]
        [unit] = fairness(draws)
        x = next(o for o in unit.officers if o.officer_id == "x")
        assert x.expected == 0 and x.z == math.inf and x.flagged


class TestAPlantedBias:
    def test_a_supervisor_giving_one_officer_a_fifth_more_by_hand_is_flagged(self) -> None:
        draws = rotation(400)
        moved = [d if i % 5 or d.holder == "a" else Draw(**{**d.__dict__, "holder": "a"}) for i, d in enumerate(draws)]
        [unit] = fairness(moved)
        a = next(o for o in unit.officers if o.officer_id == "a")
        assert a.actual > a.expected + 40 and a.flagged and a.p_value < ALPHA and unit.flagged

    def test_an_enterprise_that_always_meets_the_same_officer_is_flagged(self) -> None:
        draws = rotation(300)
        timed = [
            Draw(d.unit, f"x{i}", d.at, d.eligible, "b", "b", "0999999999") for i, d in enumerate(draws[:12])
        ]  # twelve declarations, each timed to reach b
        [unit] = fairness(draws + timed)
        [found] = [e for e in unit.enterprises if e.enterprise == "0999999999"]
        assert (found.officer_id, found.count, found.declarations) == ("b", 12, 12)
        assert found.flagged and found.p_value < 1e-5
        assert found.expected == pytest.approx(3.0)

    def test_turns_with_one_or_two_officers_eligible_are_listed(self) -> None:
        draws = rotation(40, {"a": range(10, 20), "b": range(10, 20), "c": range(15, 20)})
        [unit] = fairness(draws)
        assert [d.declaration_key for d in unit.thin] == [f"k{i}" for i in range(10, 20)]
        assert {len(d.eligible) for d in unit.thin} == {1, 2}


class TestUpperTail:
    @pytest.mark.parametrize(("n", "p", "k"), [(10, 0.3, 4), (20, 0.25, 10), (5, 0.5, 0), (5, 0.5, 6), (30, 0.1, 1)])
    def test_equal_chances_give_the_binomial_tail(self, n: int, p: float, k: int) -> None:
        binomial = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(max(k, 0), n + 1))
        assert upper_tail([p] * n, k) == pytest.approx(min(1.0, binomial), abs=1e-12)

    def test_mixed_chances_are_exact(self) -> None:
        # two trials, 0.5 and 0.25: P(S >= 1) = 1 - 0.5 * 0.75; P(S >= 2) = 0.125
        assert upper_tail([0.5, 0.25], 1) == pytest.approx(0.625)
        assert upper_tail([0.5, 0.25], 2) == pytest.approx(0.125)

    def test_many_trials_use_the_normal_approximation_close_to_the_exact_law(self) -> None:
        exact = upper_tail([0.25] * 2000, 540)
        approx = upper_tail([0.25] * 2001, 540)
        assert exact == pytest.approx(approx, abs=0.02)


def binomial_test(k: int, n: int, p: float, officers: int) -> float:
    """The officers' test of count k, computed from the binomial law itself (every officer always eligible)."""
    law = [math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)]
    return min(1.0, 2 * min(sum(law[max(k, 0) :]), sum(law[: k + 1])) * officers)


class TestWhatChanceAllows:
    def test_is_every_count_the_officers_test_would_not_flag(self) -> None:
        [unit] = fairness(rotation(400))  # each officer's count: Binomial(400, 1/4), Bonferroni over four
        low, high = unit.officers[0].chance_allows
        assert all(o.chance_allows == (low, high) for o in unit.officers) and low < 100 < high
        assert binomial_test(low, 400, 0.25, 4) >= ALPHA > binomial_test(low - 1, 400, 0.25, 4)
        assert binomial_test(high, 400, 0.25, 4) >= ALPHA > binomial_test(high + 1, 400, 0.25, 4)

    def test_a_flagged_officer_is_outside_it_and_the_others_inside(self) -> None:
        draws = rotation(400)
        moved = [d if i % 5 or d.holder == "a" else Draw(**{**d.__dict__, "holder": "a"}) for i, d in enumerate(draws)]
        [unit] = fairness(moved)
        for o in unit.officers:
            low, high = o.chance_allows
            assert o.flagged is not (low <= o.actual <= high), o

    def test_an_officer_never_eligible_is_allowed_nothing(self) -> None:
        draws = [Draw("01B1/00", f"k{i}", START, ("a", "b"), "a", "x" if i == 0 else "a") for i in range(10)]
        [unit] = fairness(draws)
        assert {o.officer_id: o.chance_allows for o in unit.officers}["x"] == (0, 0)
