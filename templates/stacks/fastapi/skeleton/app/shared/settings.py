"""Settings read from the environment, with defaults that run anywhere."""

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./app.db"


@dataclass(frozen=True)
class Settings:
    database_url: str


def load_settings() -> Settings:
    return Settings(database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
