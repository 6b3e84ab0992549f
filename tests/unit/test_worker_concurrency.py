"""How many processes `assigner worker` runs, and what the supervisor names them."""

from __future__ import annotations

import pytest

from assigner.cli.worker import processes_of
from assigner.settings import Settings
from workers.supervisor import child_command, child_names, cpu_count

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"


class TestProcesses:
    def test_by_default_one_per_cpu_on_rabbitmq(self) -> None:
        assert processes_of(Settings(broker_url=RABBITMQ), None) == cpu_count() >= 1

    def test_one_on_the_embedded_broker_whose_sqlite_takes_one_writer(self) -> None:
        assert processes_of(Settings(broker_url=None), None) == 1

    @pytest.mark.parametrize(("setting", "given", "wanted"), [(3, None, 3), (3, 1, 1), (0, 4, 4), (1, None, 1)])
    def test_the_option_wins_over_the_setting(self, setting: int, given: int | None, wanted: int) -> None:
        settings = Settings(broker_url=RABBITMQ, worker_concurrency=setting)
        assert processes_of(settings, given) == wanted

    def test_the_setting_is_bounded(self) -> None:
        with pytest.raises(ValueError, match="worker_concurrency"):
            Settings(worker_concurrency=-1)


class TestChildren:
    def test_a_given_name_numbers_its_children_on_the_same_host(self) -> None:
        assert child_names("assigner-1@h1", 3) == ["assigner-1-1@h1", "assigner-1-2@h1", "assigner-1-3@h1"]

    def test_without_a_name_each_child_takes_its_own_pid_name(self) -> None:
        assert child_names(None, 2) == [None, None]

    def test_a_child_runs_one_process_with_its_name(self) -> None:
        command = child_command("w-2@h", "INFO")
        assert command[-6:] == ["--concurrency", "1", "--loglevel", "INFO", "--hostname", "w-2@h"]
        assert "--hostname" not in child_command(None, "INFO")
