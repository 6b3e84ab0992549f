"""A kept roster as of each batch's `now`, and the cache's keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assigner.domain.rotation import Eligibility, RosterSlot
from assigner.storage.roster_cache import KeptRoster, RosterCache

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
SLOTS = (
    RosterSlot("a", 1),
    RosterSlot("b", 2),
    RosterSlot("c", 3, Eligibility.INACTIVE),
)


def eligibility(slots: tuple[RosterSlot, ...]) -> dict[str, Eligibility]:
    return {slot.officer_id: slot.eligibility for slot in slots}


class TestKeptRoster:
    def test_without_absences_the_slots_are_the_kept_ones(self) -> None:
        assert KeptRoster(SLOTS).at(NOW) is SLOTS

    def test_an_absence_counts_until_its_until_then_no_longer(self) -> None:
        kept = KeptRoster(SLOTS, (("b", NOW + timedelta(hours=1)),))
        assert eligibility(kept.at(NOW))["b"] is Eligibility.ABSENT
        assert eligibility(kept.at(NOW + timedelta(hours=1)))["b"] is Eligibility.ELIGIBLE

    def test_an_absence_without_until_counts_whenever(self) -> None:
        kept = KeptRoster(SLOTS, (("a", None),))
        assert eligibility(kept.at(NOW + timedelta(days=400)))["a"] is Eligibility.ABSENT

    def test_an_inactive_officer_stays_inactive_when_also_absent(self) -> None:
        kept = KeptRoster(SLOTS, (("c", None),))
        assert eligibility(kept.at(NOW))["c"] is Eligibility.INACTIVE

    def test_the_same_absences_give_the_same_slots_without_building_them_again(self) -> None:
        kept = KeptRoster(SLOTS, (("a", None), ("b", NOW + timedelta(hours=2))))
        first = kept.at(NOW)
        assert kept.at(NOW + timedelta(minutes=5)) is first
        assert kept.at(NOW + timedelta(hours=3)) is not first


class TestRosterCache:
    def test_a_roster_is_found_at_its_key_only(self) -> None:
        cache = RosterCache()
        kept = KeptRoster(SLOTS)
        cache.put(7, (3, 1), kept)
        assert cache.get(7, (3, 1)) is kept
        assert cache.get(7, (4, 1)) is None
        assert cache.get(7, (3, 2)) is None
        assert cache.get(8, (3, 1)) is None
        assert (cache.hits, cache.misses) == (1, 3)

    def test_clear_forgets_every_roster(self) -> None:
        cache = RosterCache()
        cache.put(7, (0, 0), KeptRoster(SLOTS))
        cache.clear()
        assert len(cache) == 0 and cache.get(7, (0, 0)) is None
