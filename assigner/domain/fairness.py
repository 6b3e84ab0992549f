"""Fairness tested by statistics: who ended up with the declarations a unit decided by turns, against what a
fair draw among the officers eligible at each turn predicts.

The reference is a fair lottery: each declaration decided by a turn goes to one of the officers eligible then,
each with probability 1/(how many were eligible). A strict rotation is fairer than that lottery (counts differ
by at most one), so a unit that follows the rules is flagged at most as often as chance allows (ALPHA per unit and
test); what moves declarations off the rotation's
course afterwards (reassignments by hand) or times them (an enterprise that always meets the same officer)
shows up against it.

- Per officer: X, the period's declarations the officer has now (the taker of the turn that took each in,
  moved by hand since), against the lottery's Poisson-binomial law with chances 1/|eligible| over the turns
  the officer was eligible for: expectation E, and z = (X - E)/sqrt(V) shown; the test is exact (twice the
  smaller tail, up to EXACT_LIMIT turns), Bonferroni over the unit's officers: flagged when p < ALPHA. The
  counts it would not flag (what chance allows) are kept with it, for a chart or a page to draw.
- Per enterprise (tax code) in a unit, with at least MIN_DECLARATIONS: the busiest officer's count m against
  the exact upper tail P(X_i >= m) of each officer's Poisson-binomial law, Bonferroni over the officers and
  the unit's tested enterprises: flagged when that p-value < ALPHA.
- Thin turns: every turn taken when only one or two officers were eligible, listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist

ALPHA = 0.01  # the family-wise error rate of a flag
MIN_DECLARATIONS = 5  # an enterprise with fewer is not tested
THIN = 2  # a turn with this many eligible officers or fewer is listed
EXACT_LIMIT = 2000  # beyond this many declarations, a tail is taken by the normal approximation


@dataclass(frozen=True)
class Draw:
    """One declaration decided by a turn: its unit, when, who was eligible, who took the turn, who has it now,
    and its enterprise."""

    unit: str
    declaration_key: str
    at: datetime
    eligible: tuple[str, ...]
    taker: str
    holder: str | None
    enterprise: str | None = None
    away: tuple[tuple[str, str], ...] = ()  # the roster's others, not eligible then, with why (absent, inactive)


@dataclass(frozen=True)
class OfficerTest:
    """One officer's declarations against a fair draw among the eligible."""

    officer_id: str
    actual: int
    expected: float
    z: float
    p_value: float  # two-sided, Bonferroni-corrected over the unit's officers (at most 1)
    flagged: bool
    chance_allows: tuple[int, int]  # the counts this test does not flag, lowest to highest


@dataclass(frozen=True)
class EnterpriseTest:
    """How concentrated one enterprise's declarations in a unit are on its busiest officer."""

    enterprise: str
    declarations: int
    officer_id: str
    count: int
    expected: float  # that officer's expected count among these declarations
    p_value: float  # P(some officer gets at least `count`), Bonferroni over the officers (at most 1)
    flagged: bool


@dataclass
class UnitFairness:
    """A unit's tests over the period."""

    unit: str
    turns: int = 0
    officers: list[OfficerTest] = field(default_factory=list)
    enterprises: list[EnterpriseTest] = field(default_factory=list)
    thin: list[Draw] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """Whether anything in the unit is off beyond chance."""
        return any(o.flagged for o in self.officers) or any(e.flagged for e in self.enterprises)


def fairness(draws: Iterable[Draw]) -> list[UnitFairness]:
    """Each unit's tests, in unit order."""
    by_unit: dict[str, list[Draw]] = {}
    for draw in draws:
        by_unit.setdefault(draw.unit, []).append(draw)
    return [_unit(unit, by_unit[unit]) for unit in sorted(by_unit)]


def _unit(unit: str, draws: Sequence[Draw]) -> UnitFairness:
    found = UnitFairness(unit, len(draws))
    officers = sorted({o for d in draws for o in d.eligible} | {d.holder for d in draws if d.holder})
    found.officers = [_officer(officer, draws, len(officers)) for officer in officers]
    enterprises: dict[str, list[Draw]] = {}
    for draw in draws:
        if draw.enterprise:
            enterprises.setdefault(draw.enterprise, []).append(draw)
    tested = [(name, group) for name, group in sorted(enterprises.items()) if len(group) >= MIN_DECLARATIONS]
    found.enterprises = [_enterprise(name, group, len(tested)) for name, group in tested]
    found.thin = [d for d in draws if len(d.eligible) <= THIN]
    return found


def _officer(officer_id: str, draws: Sequence[Draw], officers: int) -> OfficerTest:
    chances = [1 / len(d.eligible) for d in draws if officer_id in d.eligible]
    expected = sum(chances)
    variance = sum(p * (1 - p) for p in chances)
    actual = sum(1 for d in draws if d.holder == officer_id)
    if variance == 0:  # always or never eligible alone: any other count is impossible under the draw
        z = 0.0 if actual == expected else math.copysign(math.inf, actual - expected)
    else:
        z = (actual - expected) / math.sqrt(variance)
    tails = upper_tails(chances)
    p_value = _two_sided(tails, actual, officers)
    allowed = [count for count in range(len(chances) + 1) if _two_sided(tails, count, officers) >= ALPHA]
    return OfficerTest(officer_id, actual, expected, z, p_value, p_value < ALPHA, (min(allowed), max(allowed)))


def _two_sided(tails: Sequence[float], count: int, officers: int) -> float:
    """The officers' test of `count` (`tails` from upper_tails): exact, twice the smaller tail, Bonferroni over
    the unit's `officers`."""
    at_least = tails[count] if count < len(tails) else 0.0
    at_most = 1 - (tails[count + 1] if count + 1 < len(tails) else 0.0)
    return min(1.0, 2 * min(at_least, at_most) * officers)


def _enterprise(enterprise: str, draws: Sequence[Draw], tested: int) -> EnterpriseTest:
    """`tested`: how many enterprises of the unit are tested (the Bonferroni factor with the officers)."""
    officers = sorted({o for d in draws for o in d.eligible})
    counts = {officer: sum(1 for d in draws if d.holder == officer) for officer in officers}
    busiest = max(officers, key=lambda o: (counts[o], o))
    count = counts[busiest]
    tails = [upper_tail([1 / len(d.eligible) if o in d.eligible else 0.0 for d in draws], count) for o in officers]
    p_value = min(1.0, sum(tails) * tested)
    expected = sum(1 / len(d.eligible) for d in draws if busiest in d.eligible)
    return EnterpriseTest(enterprise, len(draws), busiest, count, expected, p_value, p_value < ALPHA)


def upper_tail(chances: Sequence[float], at_least: int) -> float:
    """P(S >= at_least) for S the number of successes of independent trials with these chances (the Poisson-
    binomial law): exact up to EXACT_LIMIT trials, by the normal approximation (with continuity) beyond."""
    if at_least <= 0:
        return 1.0
    if at_least > len(chances):
        return 0.0
    if len(chances) > EXACT_LIMIT:
        return _normal_tails(chances, [at_least])[0]
    return min(1.0, max(0.0, sum(_law(chances)[at_least:])))


def upper_tails(chances: Sequence[float]) -> list[float]:
    """upper_tail for every count from 0 to len(chances), the law computed once."""
    counts = range(1, len(chances) + 1)
    if len(chances) > EXACT_LIMIT:
        return [1.0, *_normal_tails(chances, counts)]
    law = _law(chances)
    return [1.0, *(min(1.0, max(0.0, sum(law[k:]))) for k in counts)]


def _law(chances: Sequence[float]) -> list[float]:
    """P(S = k) for each k from 0 to len(chances)."""
    law = [1.0]  # law[k]: P(k successes so far)
    for p in chances:
        law = [a * (1 - p) + b * p for a, b in zip([*law, 0.0], [0.0, *law])]
    return law


def _normal_tails(chances: Sequence[float], counts: Iterable[int]) -> list[float]:
    """P(S >= k) for each of `counts` (each at least 1) by the normal approximation, with continuity."""
    mean = sum(chances)
    sd = math.sqrt(sum(p * (1 - p) for p in chances))
    normal = NormalDist(mean, sd or 1e-12)
    return [1.0 if sd == 0 and k <= mean else 1 - normal.cdf(k - 0.5) for k in counts]
