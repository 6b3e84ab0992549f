"""Declarations spread by unit over partitions: which process consumes which, and whose word a forward carries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assigner.broker import topology
from assigner.broker.partitions import (
    SLOT_ENV,
    TO_FORWARD,
    Slot,
    partition_of,
    partition_queues,
    partitioned,
    sender_of,
)
from assigner.settings import Settings

RABBITMQ = "amqp://assigner:secret@127.0.0.1:5672/%2F"


class Forwarded:
    """What sender_of reads of a delivered message: its properties, headers and delivery_info (from a partition,
    unless said otherwise)."""

    def __init__(self, user_id: object = None, queue: str = topology.partition_queue(3), **headers: object) -> None:
        self.properties = {} if user_id is None else {"user_id": user_id}
        self.headers = headers
        self.delivery_info: dict[str, object] = {"routing_key": queue, "exchange": ""}


class TestSlots:
    @given(count=st.integers(1, 64), total=st.integers(1, 64))
    def test_the_processes_of_a_worker_consume_every_partition_once(self, count: int, total: int) -> None:
        taken = [number for index in range(count) for number in Slot(index, count).partitions(total)]
        assert sorted(taken) == list(range(total))

    def test_process_two_of_four_consumes_every_fourth_partition_from_the_second(self) -> None:
        assert Slot(1, 4).partitions(16) == [1, 5, 9, 13]

    @pytest.mark.parametrize(
        "value, slot",
        [("1/4", Slot(1, 4)), ("", Slot()), ("4/4", Slot()), ("x/2", Slot()), ("-1/2", Slot()), ("0/0", Slot())],
    )
    def test_the_slot_is_the_supervisors_word_or_the_only_process(
        self, monkeypatch: pytest.MonkeyPatch, value: str, slot: Slot
    ) -> None:
        monkeypatch.setenv(SLOT_ENV, value)
        assert Slot.from_environment() == slot


class TestPartitionOfAUnit:
    def test_the_same_in_every_process_and_release(self) -> None:
        # crc32, not Python's hash (salted per process): pinned, since every host must agree.
        pinned = [partition_of("01B1", "00", 16), partition_of("02CI", "00", 16), partition_of("01B1", "01", 16)]
        assert pinned == [11, 6, 13]

    @given(office=st.text(max_size=8), department=st.text(max_size=4), total=st.integers(1, 64))
    def test_within_the_partitions(self, office: str, department: str, total: int) -> None:
        assert 0 <= partition_of(office, department, total) < total

    def test_office_and_department_are_not_run_together(self) -> None:
        assert partition_of("01B", "100", 1 << 30) != partition_of("01B1", "00", 1 << 30)


class TestPartitionedWhere:
    def test_on_rabbitmq_when_set(self) -> None:
        settings = Settings(broker_url=RABBITMQ, declaration_partitions=16)
        assert partitioned(settings)
        assert partition_queues(settings)[:2] == [topology.partition_queue(0), topology.partition_queue(1)]
        assert len(partition_queues(settings)) == settings.declaration_partitions

    def test_not_by_default_nor_on_the_embedded_broker(self) -> None:
        assert not partitioned(Settings(broker_url=RABBITMQ))
        assert not partitioned(Settings(declaration_partitions=16))
        assert partition_queues(Settings(broker_url=RABBITMQ, declaration_partitions=0)) == []


class TestSenderOfAForward:
    def test_the_original_sender_when_the_worker_forwarded_it(self) -> None:
        forwarded = Forwarded("assigner", **{topology.SENDER_HEADER: "vnaccs.gateway"})
        assert sender_of(forwarded, "assigner") == "vnaccs.gateway"  # type: ignore[arg-type]

    def test_nobody_when_the_original_had_no_user_id(self) -> None:
        forwarded = Forwarded("assigner", **{topology.SENDER_HEADER: ""})
        assert sender_of(forwarded, "assigner") is None  # type: ignore[arg-type]

    @pytest.mark.parametrize("user_id", ["mallory", None, "", b"assigner"])
    def test_the_header_of_anyone_else_is_not_believed(self, user_id: object) -> None:
        forged = Forwarded(user_id, **{topology.SENDER_HEADER: "vnaccs.gateway"})
        assert sender_of(forged, "assigner") == user_id  # type: ignore[arg-type]

    def test_the_header_is_believed_on_a_partition_s_messages_only(self) -> None:
        on_the_contract_queue = Forwarded("assigner", topology.DECLARATIONS, **{topology.SENDER_HEADER: "vnaccs"})
        assert sender_of(on_the_contract_queue, "assigner") == "assigner"  # type: ignore[arg-type]
        left_over = Forwarded("assigner", topology.partition_queue(40), **{topology.SENDER_HEADER: "vnaccs"})
        left_over.delivery_info[TO_FORWARD] = True  # from a partition beyond a lowered count: forwarded again
        assert sender_of(left_over, "assigner") == "vnaccs"  # type: ignore[arg-type]

    def test_nor_on_a_message_routed_by_another_exchange(self) -> None:
        bound = Forwarded("assigner", **{topology.SENDER_HEADER: "vnaccs"})
        bound.delivery_info["exchange"] = "amq.direct"
        assert sender_of(bound, "assigner") == "assigner"  # type: ignore[arg-type]

    def test_no_header_is_believed_without_partitions(self) -> None:
        forwarded = Forwarded("assigner", **{topology.SENDER_HEADER: "vnaccs"})
        assert sender_of(forwarded, None) == "assigner"  # type: ignore[arg-type]

    def test_without_the_header_the_user_id_itself(self) -> None:
        assert sender_of(Forwarded("assigner"), "assigner") == "assigner"  # type: ignore[arg-type]
        assert sender_of(Forwarded("vnaccs.gateway"), None) == "vnaccs.gateway"  # type: ignore[arg-type]
