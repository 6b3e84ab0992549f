"""The console's sign-in throttle as plain logic: waits, locks, forgiveness, and its bounded memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assigner.console.throttle import Throttle, ThrottlePolicy

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
KEYS = ("account:sup.a", "client:10.0.0.1")


class TestThrottle:
    def test_the_wait_doubles_after_the_free_failures_up_to_its_cap(self) -> None:
        policy = ThrottlePolicy()
        waits = [policy.wait_after(failures).total_seconds() for failures in range(10)]
        assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
        assert policy.wait_after(10_000) == policy.longest_wait

    def test_attempts_sent_together_are_counted_as_they_are_admitted(self) -> None:
        throttle = Throttle()
        admitted = [throttle.admit(KEYS, NOW) for _ in range(5)]  # none has failed yet: all are in flight
        assert admitted == [0, 0, 0, 2, 2]

    def test_a_success_forgives_the_clients_attempt_and_forgets_the_account(self) -> None:
        throttle = Throttle()
        for _ in range(3):
            throttle.admit(KEYS, NOW)
        throttle.succeeded(*KEYS, admitted_at=NOW)
        assert throttle.admit(("account:sup.a", "client:10.0.0.2"), NOW) == 0
        assert throttle.admit(("account:sup.b", "client:10.0.0.1"), NOW) == 0  # the client is at 2 + 1
        assert throttle.admit(("account:sup.c", "client:10.0.0.1"), NOW) == 2

    def test_a_lock_lasts_its_time_and_failures_leave_the_window(self) -> None:
        throttle = Throttle(ThrottlePolicy(free_failures=100, lock_failures=3))
        for _ in range(3):
            assert throttle.admit(KEYS, NOW) == 0
        assert throttle.admit(KEYS, NOW + timedelta(minutes=5)) == 600
        assert throttle.admit(KEYS, NOW + timedelta(minutes=15)) == 0

    def test_it_remembers_at_most_its_maximum_of_keys_the_least_recent_forgotten_first(self) -> None:
        throttle = Throttle(ThrottlePolicy(max_keys=100))
        for _ in range(3):
            throttle.admit(("account:first",), NOW)
        for number in range(1000):
            throttle.admit((f"account:{number}", f"client:{number}"), NOW)
        for _ in range(2):
            throttle.admit(("account:last",), NOW)
        assert len(throttle) == 100
        assert throttle.admit(("account:last",), NOW) == 0 and throttle.admit(("account:last",), NOW) > 0
        assert throttle.admit(("account:first",), NOW) == 0  # forgotten: its three failures with it
