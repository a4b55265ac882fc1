"""Alembic runs inside korus-watch: archive.db.migrate hands it an open connection."""

from alembic import context

from archive.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
