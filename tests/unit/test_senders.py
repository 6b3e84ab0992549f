"""Who may reach each queue: declaration_senders (and the reason a declaration from anyone else is refused), and
the exchanges a command may come through."""

from __future__ import annotations

from pathlib import Path

import pytest

from assigner.domain.authentication import sender_refusal
from assigner.settings import Settings
from workers.delivery import route_refusal


class TestSenderRefusal:
    def test_an_empty_list_lets_anyone_send_with_or_without_a_user_id(self) -> None:
        assert sender_refusal("anyone", []) is None
        assert sender_refusal(None, ()) is None

    def test_a_named_sender_may_send(self) -> None:
        assert sender_refusal("vnaccs.gateway", {"vnaccs.gateway", "backup"}) is None

    def test_another_sender_is_refused_with_its_name_and_the_setting(self) -> None:
        assert sender_refusal("sup.01b1", ["vnaccs.gateway"]) == (
            "user_id 'sup.01b1': not among the senders of declarations (declaration_senders)"
        )

    @pytest.mark.parametrize("user_id", [None, ""])
    def test_no_user_id_is_refused_once_senders_are_named(self, user_id: str | None) -> None:
        assert sender_refusal(user_id, ["vnaccs.gateway"]) == (
            "no user_id: not among the senders of declarations (declaration_senders)"
        )

    def test_a_hostile_user_id_is_quoted_escaped_and_bounded(self) -> None:
        reason = sender_refusal("x\x00\n\x1b[31m\ud800" + "y" * 10_000, ["vnaccs.gateway"])
        assert reason is not None
        assert len(reason) < 200
        assert all(character.isprintable() for character in reason)
        assert "\\x00" in reason and "\\x0a" in reason and "\\ud800" in reason
        assert reason.endswith(": not among the senders of declarations (declaration_senders)")

    def test_the_setting_is_empty_by_default_and_read_from_the_environment(
        self,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        for name in ("ASSIGNER_CONFIG", "ASSIGNER_DECLARATION_SENDERS"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path / "home"))
        assert Settings().declaration_senders == []
        monkeypatch.setenv("ASSIGNER_DECLARATION_SENDERS", '["vnaccs.gateway", "ecus"]')
        assert Settings().declaration_senders == ["vnaccs.gateway", "ecus"]


class TestRouteRefusal:
    @pytest.mark.parametrize("exchange", ["", "assigner.commands", None])
    def test_a_command_through_the_default_or_the_commands_exchange_is_taken(self, exchange: str | None) -> None:
        assert route_refusal(exchange) is None

    def test_a_message_bound_in_from_the_events_exchange_is_not_a_command(self) -> None:
        assert route_refusal("assigner.events") == (
            "published to exchange 'assigner.events', not to assigner.commands or the default exchange: not a command"
        )

    def test_a_hostile_exchange_name_is_escaped_and_bounded(self) -> None:
        reason = route_refusal("x\x00" * 500)
        assert reason is not None and len(reason) < 200 and reason.isprintable()
