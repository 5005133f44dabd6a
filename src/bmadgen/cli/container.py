"""CLI over the generated app's container image: `app build|run|stop`."""

from __future__ import annotations

from pathlib import Path

import typer

from bmadgen.cli import common
from bmadgen.cli.common import JSON_OPTION, PROJECT_OPTION

app_app = typer.Typer(
    help=(
        "The generated app's container image on the local Docker engine: build it without a "
        "registry, run it and print its URL, stop it. Exit 3: a bad --env, --env-file line or "
        "database URL; 4: no app, no image or no env file; 5: the port is in use; 7: no Docker "
        "engine, no base image or wheelhouse, the build failed or the app stopped at startup."
    ),
    no_args_is_help=True,
)

DIR_OPTION = typer.Option(
    None, "--dir", "-C",
    help="The app folder (default: the project's folder, else the working directory).",
)


ENV_OPTION = typer.Option(
    None, "--env", "-e", metavar="KEY[=VALUE]",
    help="A variable for the container (repeatable); KEY alone passes this shell's value.",
)
ENV_FILE_OPTION = typer.Option(
    None, "--env-file", metavar="FILE", dir_okay=False,
    help="KEY=VALUE lines for the container (compose's .env format: # comments, quotes).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(app_app, name="app")


def _say(as_json: bool):
    err = common.err_console()
    return lambda text: None if as_json else err.print(text, markup=False, soft_wrap=True)


@app_app.command("build")
def build(
    app_dir: Path | None = DIR_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Build the app's image offline: FROM the local base image bmadgen/base:bookworm (made by
    `bmadgen sandbox image build`), dependencies from the wheelhouse in the cache folder,
    `--network none`. The app's own Dockerfile (FROM python:X-slim) is for a machine with a
    registry; this is its offline twin with the same runtime layout."""
    from bmadgen.services import app_image

    with common.session(project, app_dir) as session:
        info = app_image.build(session, say=_say(as_json))
    if as_json:
        common.print_json(info)
        return
    print(f"built {info.image} ({info.id}, {info.size_mb:.0f} MB) in {info.build_s:.1f} s")


@app_app.command("run")
def run(
    port: int = typer.Option(8000, "--port", min=1, max=65535,
                             help="Port on 127.0.0.1 that reaches the app."),
    database_url: str | None = typer.Option(
        None, "--database-url", metavar="URL",
        help="The app's DATABASE_URL, e.g. postgresql+psycopg://app:PASSWORD@"
        "host.docker.internal:5432/app (postgres:// and postgresql:// are taken as psycopg). "
        "Default: SQLite in the volume. Shown with its password masked; to keep the password "
        "off the command line, export DATABASE_URL and pass --env DATABASE_URL."),
    env: list[str] | None = ENV_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
    app_dir: Path | None = DIR_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Start the built image detached (container bmadgen-app-NAME, replacing a previous one),
    wait until /health answers, print the URL. It runs with APP_ENV=production, SECRET_KEY from
    the environment or kept in .bmadgen/tmp/ (gitignored), SQLite in the volume
    bmadgen-app-NAME-data; CORS_ORIGINS and LOG_LEVEL are passed on when set. --env-file, then
    --env, then --database-url add or override variables (a later one wins). The app upgrades
    its database to the newest migration at start. A PostgreSQL server on this machine is
    reached from the container as host.docker.internal (mapped to the host's address on the
    Docker bridge); it must listen there (listen_addresses) and let 172.17.0.0/16 in
    (pg_hba.conf). A URL naming localhost is refused: inside the container that is the
    container."""
    from bmadgen.services import app_image

    with common.session(project, app_dir) as session:
        started = app_image.run(session, port=port, env=env or [], env_file=env_file,
                                database_url=database_url, say=_say(as_json))
    if as_json:
        common.print_json(started)
        return
    print(f"{started.app} is running at {started.url} (healthy after {started.healthy_s:.1f} s; "
          f"database {started.database}; stop it with: bmadgen app stop)")
    if started.first_admin:
        print(f"first admin (the app signs people in; no default account): {started.first_admin}")


@app_app.command("stop")
def stop(
    app_dir: Path | None = DIR_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Stop and remove the app's container; its data volume stays."""
    from bmadgen.services import app_image

    with common.session(project, app_dir) as session:
        stopped = app_image.stop(session)
    if as_json:
        common.print_json({"stopped": stopped})
        return
    print(f"stopped {stopped}" if stopped else "no container of this app is running")
