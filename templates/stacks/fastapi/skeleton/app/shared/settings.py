"""Settings read from the environment (pydantic-settings), with defaults that run anywhere in
development and nothing guessed in production.

APP_ENV        development (default) or production
DATABASE_URL   default: an SQLite file, app.db, in the working directory
SECRET_KEY     required in production (32 characters at least); in development a random key
               is made for the life of the process
CORS_ORIGINS   origins allowed to call the API from a browser, comma-separated; none by default
LOG_LEVEL      DEBUG, INFO (default), WARNING or ERROR
"""

import secrets
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./app.db"
MIN_SECRET_KEY_LENGTH = 32
# One key per process, so every call to load_settings() agrees on it in development.
EPHEMERAL_SECRET_KEY = secrets.token_urlsafe(MIN_SECRET_KEY_LENGTH)


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    app_env: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = Field(default="", repr=False)
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def ephemeral_secret_key(self) -> bool:
        """True when no SECRET_KEY was given and a random one stands in (development only)."""
        return self.secret_key == EPHEMERAL_SECRET_KEY


def load_settings() -> Settings:
    """The settings from the environment, or SettingsError naming the variable at fault."""
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None
    if settings.secret_key:
        if settings.production and len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters in production"
            )
        return settings
    if settings.production:
        raise SettingsError(
            "SECRET_KEY is required when APP_ENV=production "
            '(make one with: python -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
    return settings.model_copy(update={"secret_key": EPHEMERAL_SECRET_KEY})
