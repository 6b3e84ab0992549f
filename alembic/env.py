"""Alembic environment: the target is assigner's metadata, the database its settings' one."""

from sqlalchemy import Connection

from alembic import context
from assigner.settings import Settings
from assigner.storage.engine import make_engine
from assigner.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url()
    engine = make_engine(url)
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
