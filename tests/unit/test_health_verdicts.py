"""The health verdicts, pure: when the worker and last-message checks fail, and when dead letters do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assigner.domain.health_checks import Beat, Limits, consumer_checks, dead_letter_check, draw_key_check
from assigner.domain.reports import spread
from assigner.domain.working_hours import HoursBook, WorkingHours

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
LIMITS = Limits(max_silence=10, max_age=300)


def beat(seen: float, last_message: float | None = None, stopped: bool = False, name: str = "h:1:q") -> Beat:
    """A consumer last seen `seen` seconds ago, its last message `last_message` seconds ago."""
    ago = lambda seconds: NOW - timedelta(seconds=seconds)  # noqa: E731
    return Beat(
        name,
        "assigner.declarations",
        ago(3600),
        ago(seen),
        None if last_message is None else ago(last_message),
        10,
        ago(seen) if stopped else None,
    )


class TestConsumerChecks:
    def test_a_consumer_seen_within_the_limit_is_alive(self) -> None:
        worker, last = consumer_checks([beat(2, last_message=5)], 0, NOW, LIMITS)
        assert (worker.ok, worker.value) == (True, 1)
        assert "1 declarations consumer(s) alive, last seen 2 s ago" == worker.detail
        assert last.ok and last.detail == "processed 5 s ago; 0 waiting"

    def test_a_consumer_silent_past_the_limit_fails(self) -> None:
        [worker, _] = consumer_checks([beat(11), beat(30, stopped=True, name="h:2:q")], None, NOW, LIMITS)
        assert not worker.ok
        assert worker.detail == "no declarations consumer seen for 11 s (limit 10 s); 1 stopped cleanly"

    def test_every_consumer_stopped_fails_and_says_when(self) -> None:
        [worker, _] = consumer_checks([beat(40, stopped=True)], 0, NOW, LIMITS)
        assert not worker.ok and worker.detail == "every declarations consumer has stopped (the last 40 s ago)"

    def test_no_worker_ever(self) -> None:
        worker, last = consumer_checks([], 3, NOW, LIMITS)
        assert worker.detail == "no worker has ever run on this database" and not worker.ok
        assert not last.ok and last.detail == "none processed yet; 3 waiting"

    def test_messages_waiting_longer_than_max_age_since_the_last_one_processed_is_a_stall(self) -> None:
        [_, last] = consumer_checks([beat(1, last_message=301)], 7, NOW, LIMITS)
        assert not last.ok and last.detail.endswith(": stalled (limit 300 s)")
        [_, idle] = consumer_checks([beat(1, last_message=301)], 0, NOW, LIMITS)
        assert idle.ok  # nothing waits: an old last message is no stall


class TestDeadLetterCheck:
    def test_dead_letters_warn_and_fail_only_above_the_limit(self) -> None:
        assert dead_letter_check("q", 0, LIMITS).status == "ok"
        assert dead_letter_check("q", 3, LIMITS).status == "warn"
        assert dead_letter_check("q", 3, Limits(max_dead_letters=3)).status == "warn"
        assert dead_letter_check("q", 4, Limits(max_dead_letters=3)).status == "fail"


class TestReportRules:
    def test_the_spread_is_max_minus_min_and_none_without_officers(self) -> None:
        assert spread([3, 4, 4]) == 1 and spread(iter([7])) == 0 and spread([]) is None

    def test_the_report_days_are_in_the_office_time_zone_or_the_default_for_several(self) -> None:
        book = HoursBook(WorkingHours("Asia/Ho_Chi_Minh"), {"02CI": WorkingHours("UTC")})
        assert book.timezone_for("02CI") == "UTC"
        assert book.timezone_for("01B1") == "Asia/Ho_Chi_Minh"
        assert book.timezone_for(None) == "Asia/Ho_Chi_Minh"


class TestDrawKeys:
    def key(self, day: str, ends_at: datetime, revealed: bool) -> dict[str, object]:
        starts = (ends_at - timedelta(days=1)).isoformat()
        return {"day": day, "starts_at": starts, "ends_at": ends_at.isoformat(), "key": "ab" * 32 if revealed else None}

    def test_no_key_ever_made_is_no_check(self) -> None:
        assert draw_key_check([], NOW) is None

    def test_keys_revealed_when_due_pass(self) -> None:
        keys = [self.key("d1", NOW - timedelta(hours=3), True), self.key("d2", NOW + timedelta(hours=1), False)]
        check = draw_key_check(keys, NOW)
        assert check is not None and check.ok and check.detail == "1 days revealed, 1 to reveal after their day"

    def test_a_key_still_secret_an_hour_after_its_day_fails_and_says_what_to_do(self) -> None:
        keys = [self.key("2025-06-01", NOW - timedelta(minutes=61), False), self.key("d2", NOW, False)]
        check = draw_key_check(keys, NOW)
        assert check is not None and not check.ok and check.value == 1
        assert "2025-06-01" in check.detail and "assigner audit keys --reveal" in check.detail
        assert draw_key_check(keys, NOW - timedelta(minutes=2)).ok  # type: ignore[union-attr]
