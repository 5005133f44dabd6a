"""The project memory: one SQLite database shared by every face and every process."""

from bmadgen.store.db import Store, default_db_path, open_store

__all__ = ["Store", "default_db_path", "open_store"]
