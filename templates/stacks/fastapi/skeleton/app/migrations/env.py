"""Alembic's entry point: runs the revisions on the connection app.shared.migrate hands over."""

from alembic import context

from app.shared.database import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
