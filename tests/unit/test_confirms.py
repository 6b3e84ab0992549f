"""Publisher confirms: what is outstanding is a set of delivery tags, settled in any order."""

from __future__ import annotations

from assigner.broker.publishing import Confirms, Outgoing, Returned


def published(count: int) -> Confirms:
    confirms = Confirms()
    for _ in range(count):
        confirms.published()
    return confirms


class TestConfirms:
    def test_tags_are_numbered_from_1_as_the_broker_numbers_them(self) -> None:
        confirms = Confirms()
        assert [confirms.published() for _ in range(3)] == [1, 2, 3]

    def test_single_acks_out_of_order_settle_exactly_the_tags_named(self) -> None:
        # An event routed to no queue is confirmed first; one stored on two queues, last.
        confirms = published(4)
        confirms.ack(3, multiple=False)
        confirms.ack(1, multiple=False)
        assert confirms.outstanding == {2, 4}
        confirms.ack(4, multiple=False)
        confirms.ack(2, multiple=False)
        assert not confirms.outstanding

    def test_a_single_ack_of_the_last_tag_does_not_settle_the_earlier_ones(self) -> None:
        confirms = published(3)
        confirms.ack(3, multiple=False)
        assert confirms.outstanding == {1, 2}

    def test_a_multiple_ack_settles_every_tag_up_to_it_and_no_later_one(self) -> None:
        confirms = published(5)
        confirms.ack(4, multiple=False)
        confirms.ack(3, multiple=True)
        assert confirms.outstanding == {5}

    def test_a_nack_settles_the_tag_as_refused(self) -> None:
        confirms = published(4)
        confirms.nack(2, multiple=False)
        confirms.nack(4, multiple=True)
        assert not confirms.outstanding
        assert confirms.nacked == {1, 2, 3, 4}

    def test_an_ack_repeated_or_for_an_earlier_batch_changes_nothing(self) -> None:
        confirms = published(2)
        confirms.ack(1, multiple=False)
        confirms.ack(1, multiple=False)
        confirms.published()
        confirms.ack(2, multiple=True)
        assert confirms.outstanding == {3}
        assert not confirms.nacked


class TestMandatory:
    def test_a_message_to_a_queue_by_name_must_reach_it_an_event_need_not(self) -> None:
        assert Outgoing(b"x", "assigner.declarations.dlq").mandatory
        assert not Outgoing(b"x", "declaration.assigned.01B1.00", exchange="assigner.events").mandatory

    def test_a_returned_message_is_known_by_where_it_went_and_its_body(self) -> None:
        back = Returned("", "assigner.declarations.dlq", b"x", "Basic.return: (312) NO_ROUTE")
        assert back.is_of(Outgoing(b"x", "assigner.declarations.dlq", headers={"x-assigner-error": "why"}))
        assert not back.is_of(Outgoing(b"y", "assigner.declarations.dlq"))
        assert not back.is_of(Outgoing(b"x", "assigner.commands.dlq"))
        assert not back.is_of(Outgoing(b"x", "assigner.declarations.dlq", exchange="other"))
