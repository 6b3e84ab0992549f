"""`assigner command ...`: checked here first (one-line errors), then signed and queued on the embedded broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from integration.helpers import in_process_cli
from kombu import Connection

from assigner.broker import embedded, topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.domain.authentication import is_signed_by
from assigner.schemas.command import parse_command

KEY = "k" * 64


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `assigner ARGS...` in-process on the embedded broker in a fresh home; returns (code, out, err)."""
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ASSIGNER_BROKER_URL", raising=False)
    monkeypatch.delenv("ASSIGNER_SUPERVISOR", raising=False)
    monkeypatch.setenv("ASSIGNER_COMMAND_KEYS", json.dumps({"sup.01b1": KEY}))

    return in_process_cli(capsys)


def queued_commands(home: Path) -> list[tuple[bytes, dict[str, object]]]:
    """The command messages waiting on the embedded broker: (body, headers)."""
    found = []
    with Connection(embedded.URL, transport_options=embedded.transport_options(home)) as connection:
        queue = topology.queue(topology.COMMANDS, "classic")(connection.default_channel)
        queue.declare()
        while (message := queue.get(no_ack=True)) is not None:
            body = message.body if isinstance(message.body, bytes) else message.body.encode()
            found.append((body, dict(message.headers)))
    return found


TO = ["--to", "off.1", "--by", "sup.01b1"]


class TestCommandCli:
    def test_a_command_is_signed_with_the_supervisors_key_and_queued(self, cli, tmp_path: Path) -> None:
        code, out, err = cli(
            "command",
            "reassign",
            "105432198760",
            "--to",
            "off.0042",
            "--by",
            "sup.01b1",
            "--reason",
            "sick leave",
            "--reason-code",
            "officer_absent",
            "--id",
            "c-1",
        )
        assert code == 0, err
        assert "command c-1 (reassign) published" in out
        [(body, headers)] = queued_commands(tmp_path / "home")
        assert is_signed_by(body, str(headers[SIGNATURE_HEADER]), KEY)
        payload = json.loads(body)
        assert payload["issued_at"] and payload["reason"] == "sick leave"
        command = parse_command(payload)
        assert (command.header.command_id, command.header.issued_by) == ("c-1", "sup.01b1")

    def test_absent_names_its_units_and_until(self, cli, tmp_path: Path) -> None:
        code, _, err = cli(
            "command",
            "absent",
            "off.0042",
            "--by",
            "sup.01b1",
            "--unit",
            "01B1/01",
            "--until",
            "2026-12-01T07:30:00+07:00",
            "--no-redistribute",
        )
        assert code == 0, err
        [(body, _)] = queued_commands(tmp_path / "home")
        payload = json.loads(body)
        assert payload["units"] == [{"customs_office": "01B1", "department": "01"}]
        assert payload["redistribute"] is False

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (["reassign", "12345", *TO, "--reason-code", "workload"], "not a 12-digit declaration number"),
            (["reassign-group", "container", "CSQU3054384", *TO, "--reason-code", "workload"], "check digit"),
            (["reassign-group", "lot", "105432198760", *TO, "--reason-code", "workload"], "group"),
            (["reassign", "105432198760", *TO], "--reason-code"),
            (["reassign", "105432198760", *TO, "--reason-code", "favour"], "--reason-code"),
            (["reassign", "105432198760", *TO, "--reason-code", "other"], "other needs a reason"),
            (["absent", "off.1", "--until", "tomorrow", "--by", "sup.01b1"], "until"),
            (["absent", "off.1", "--unit", "01B1", "--by", "sup.01b1"], "department"),
            (["complete", "105432198760"], "--by"),
            (["complete", "105432198760", "--by", "sup.other"], "no command key for 'sup.other'"),
        ],
    )
    def test_bad_input_is_one_line_and_queues_nothing(self, cli, tmp_path: Path, args: list[str], says: str) -> None:
        code, out, err = cli("command", *args)
        assert code != 0
        assert err.startswith("error: ") and says in err and err.count("\n") == 1, err
        assert "Traceback" not in err + out
        assert queued_commands(tmp_path / "home") == []

    def test_key_prints_a_fresh_key_line(self, cli) -> None:
        code, first, _ = cli("command", "key", "sup.01b1")
        _, second, _ = cli("command", "key", "sup.01b1")
        assert code == 0 and first.startswith('"sup.01b1" = "') and first != second
        assert len(first.split('"')[3]) == 64
