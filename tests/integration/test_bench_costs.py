"""`assigner bench compare`'s cost cases, small, on SQLite: what each case holds and stores, never how fast."""

from __future__ import annotations

from sqlalchemy import func, select

from assigner.bootstrap import Runtime
from assigner.devtools.bench.costs import HISTORY_UNITS, OFFICERS_PER_UNIT, measure, measure_costs
from assigner.devtools.bench.history import import_units, load_history
from assigner.settings import Settings
from assigner.storage.tables import AssignmentRow, DeclarationRow

COUNT, BATCH, HISTORY = 60, 20, 500


class TestMeasureCosts:
    def test_each_pair_assigns_and_stores_the_declarations_asked(self) -> None:
        lines: list[str] = []
        pairs = measure_costs(None, COUNT, BATCH, HISTORY, lines.append, large_roster=40, many_units=30)
        names = [(small.case, large.case) for small, large in pairs]
        assert names == [
            ("1 unit of 10 officers", "1 unit of 40 officers"),
            ("1 unit", "30 units"),
            ("empty history", "500 stored"),
        ]
        for cost in [cost for pair in pairs for cost in pair]:
            assert (cost.declarations, cost.assigned) == (COUNT, COUNT)
            assert cost.seconds > 0 and cost.per_assignment_ms > 0
        assert any("500 declarations loaded" in line for line in lines)

    def test_the_timed_declarations_are_new_to_the_history(self, sqlite_database: str) -> None:
        runtime = Runtime(Settings(database_url=sqlite_database))
        import_units(runtime, HISTORY_UNITS, OFFICERS_PER_UNIT)
        load_history(runtime, HISTORY, HISTORY_UNITS, OFFICERS_PER_UNIT)
        cost = measure(runtime, "history", HISTORY_UNITS, COUNT, BATCH)
        assert cost.assigned == COUNT
        with runtime.engine.connect() as connection:
            stored = connection.scalar(select(func.count()).select_from(DeclarationRow))
        assert stored == HISTORY + BATCH + COUNT


class TestLoadHistory:
    def test_every_declaration_is_assigned_or_completed_with_its_assignments(self, sqlite_database: str) -> None:
        runtime = Runtime(Settings(database_url=sqlite_database))
        import_units(runtime, HISTORY_UNITS, OFFICERS_PER_UNIT)
        load_history(runtime, HISTORY, HISTORY_UNITS, OFFICERS_PER_UNIT)
        with runtime.engine.connect() as connection:
            statuses = dict(
                connection.execute(select(DeclarationRow.status, func.count()).group_by(DeclarationRow.status)).all()
            )
            units = connection.execute(
                select(DeclarationRow.customs_office, DeclarationRow.department).distinct()
            ).all()
            automatic = connection.scalar(select(func.count()).where(AssignmentRow.mode == "auto"))
            months = connection.scalars(select(DeclarationRow.registered_at)).all()
        assert set(statuses) == {"assigned", "completed"} and sum(statuses.values()) == HISTORY
        assert len(units) == len(HISTORY_UNITS)
        assert automatic == HISTORY
        assert len({at.month for at in months}) == 12
