"""The database's migrations: Alembic revisions bmadgen writes, one per change of the tables."""
