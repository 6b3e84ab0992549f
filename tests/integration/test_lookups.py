"""one_of: a column among a batch's values, as one array parameter on PostgreSQL and an IN on SQLite."""

from __future__ import annotations

from integration.helpers import UNIT, assign, declaration, load_roster, numbers, roster
from sqlalchemy import select
from sqlalchemy.orm import Session

from assigner.bootstrap import Runtime
from assigner.domain.model import declaration_key
from assigner.storage.lookups import one_of
from assigner.storage.tables import DeclarationRow


class TestOneOf:
    def test_it_finds_the_stored_values_among_many_repeated_and_unknown_ones(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        stored = numbers(3)
        assign(runtime, [declaration(n) for n in stored])
        wanted = [declaration_key(n) for n in numbers(1000)] + [declaration_key(stored[0])] * 3
        with Session(runtime.engine) as session:
            query = select(DeclarationRow.declaration_number).where(
                one_of(session, DeclarationRow.declaration_key, wanted)
            )
            assert sorted(session.scalars(query)) == stored

    def test_a_batch_sees_what_is_known_and_who_has_a_container(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=["CSQU3054383"])])
        again = assign(runtime, [declaration(first), declaration(second, container_numbers=["CSQU3054383"])])
        assert [d.outcome.value for d in again.decisions] == ["duplicate", "assigned"]
        assert [d.officer_id for d in again.decisions] == ["a", "a"]  # the container's group: no turn used
