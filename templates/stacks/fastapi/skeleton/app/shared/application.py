"""Build the FastAPI application from slice routers (main.py and each slice's tests use it)."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from app.shared.database import Database
from app.shared.errors import install_error_handlers
from app.shared.settings import load_settings


def create_app(
    title: str, routers: Sequence[APIRouter], *, database_url: str | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(database_url or load_settings().database_url)
        database.create_tables()
        app.state.database = database
        yield
        database.dispose()

    app = FastAPI(title=title, lifespan=lifespan)
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
