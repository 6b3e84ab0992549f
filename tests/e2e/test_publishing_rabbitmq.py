"""Publishing on RabbitMQ: a message sent to a queue by name that no queue takes is not confirmed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from e2e.support import amqp_url, client, guest_vhost
from kombu import Connection

from assigner.broker import topology
from assigner.broker.publishing import NotConfirmed, Outgoing, Publisher


@pytest.fixture(scope="module")
def own_vhost() -> Iterator[str]:
    """A vhost of these tests' own (they delete queues), deleted at their end."""
    with guest_vhost(f"assigner-publishing-{uuid.uuid4().hex[:8]}") as name:
        yield name


@pytest.fixture
def vhost(own_vhost: str) -> str:
    """The vhost with the contract's queues and exchange declared, and empty."""
    with Connection(amqp_url(own_vhost)) as connection:
        topology.declare(connection)
        for name in (topology.DECLARATIONS_DLQ, topology.COMMANDS_DLQ):
            connection.default_channel.queue_purge(name)
    return own_vhost


@pytest.fixture
def publisher(vhost: str) -> Iterator[Publisher]:
    with Connection(amqp_url(vhost)) as connection:
        publisher = Publisher(connection, confirm_timeout=10)
        yield publisher
        publisher.close()


def dead_letter(body: bytes) -> Outgoing:
    return Outgoing(body, topology.DECLARATIONS_DLQ, headers={topology.ERROR_HEADER: "not JSON"})


def event(body: bytes) -> Outgoing:
    return Outgoing(body, "declaration.assigned.01B1.00", exchange=topology.EVENTS)


def depth(vhost: str, queue: str) -> int:
    connection = client(amqp_url(vhost))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def delete_queue(vhost: str, queue: str) -> None:
    connection = client(amqp_url(vhost))
    try:
        connection.channel().queue_delete(queue)
    finally:
        connection.close()


class TestMandatoryDeadLetters:
    def test_a_dead_letter_with_its_queue_there_is_confirmed_and_stored(self, vhost: str, publisher: Publisher) -> None:
        publisher.publish([dead_letter(b"x1"), event(b"{}"), dead_letter(b"x2")])
        assert depth(vhost, topology.DECLARATIONS_DLQ) == 2

    def test_a_dead_letter_whose_queue_is_missing_is_not_confirmed_and_named(
        self, vhost: str, publisher: Publisher
    ) -> None:
        delete_queue(vhost, topology.DECLARATIONS_DLQ)
        with pytest.raises(NotConfirmed) as refused:
            publisher.publish([event(b"{}"), dead_letter(b"lost"), event(b"{}"), dead_letter(b"lost too")])
        assert refused.value.unconfirmed == [1, 3]
        assert str(refused.value) == (
            f"the broker returned 2 message(s) it could route to no queue, the first sent to "
            f"'{topology.DECLARATIONS_DLQ}' by exchange '' (Basic.return: (312) NO_ROUTE)"
        )

    def test_the_publisher_goes_on_after_a_return(self, vhost: str, publisher: Publisher) -> None:
        delete_queue(vhost, topology.COMMANDS_DLQ)
        with pytest.raises(NotConfirmed):
            publisher.publish([Outgoing(b"c", topology.COMMANDS_DLQ)])
        publisher.publish([event(b"{}")])  # an event reaching no queue is normal: confirmed
        publisher.publish([dead_letter(b"x")])
        assert depth(vhost, topology.DECLARATIONS_DLQ) == 1

    def test_events_nobody_is_bound_to_are_confirmed(self, publisher: Publisher) -> None:
        publisher.publish([event(b"{}") for _ in range(5)])


def read_all(vhost: str, queue: str) -> list[bytes]:
    connection = client(amqp_url(vhost))
    try:
        channel = connection.channel()
        bodies = []
        while True:
            method, _, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(body)
    finally:
        connection.close()


class TestJoinedWrites:
    """A batch's frames go to the socket in a few writes, not one per message: the same bytes, in order."""

    def counting_writes(self, publisher: Publisher) -> tuple[list[int], Callable[[], None]]:
        transport = publisher.connection.connection.transport
        sendall = transport._write
        sizes: list[int] = []

        def counted(data: bytes) -> None:
            sizes.append(len(data))
            sendall(data)

        transport._write = counted
        return sizes, lambda: setattr(transport, "_write", sendall)

    def test_a_batch_of_small_messages_is_one_write(self, vhost: str, publisher: Publisher) -> None:
        sizes, restore = self.counting_writes(publisher)
        try:
            publisher.publish([dead_letter(f"letter {n}".encode()) for n in range(500)])
        finally:
            restore()
        assert len(sizes) == 1
        assert read_all(vhost, topology.DECLARATIONS_DLQ) == [f"letter {n}".encode() for n in range(500)]

    def test_large_bodies_go_in_writes_of_bounded_size_in_order(self, vhost: str, publisher: Publisher) -> None:
        bodies = [bytes([65 + n]) * 200_000 for n in range(5)]  # 1 MB: several writes, one body over frame_max
        sizes, restore = self.counting_writes(publisher)
        try:
            publisher.publish([dead_letter(body) for body in bodies])
        finally:
            restore()
        assert 2 <= len(sizes) < 5 * 4
        assert read_all(vhost, topology.DECLARATIONS_DLQ) == bodies

    def test_the_socket_writes_one_by_one_again_after_a_publish(self, publisher: Publisher) -> None:
        transport = publisher.connection.connection.transport
        before = transport._write
        publisher.publish([event(b"{}")])
        assert transport._write == before
