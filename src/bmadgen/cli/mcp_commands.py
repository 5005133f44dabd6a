"""`bmadgen mcp`: serve the project memory and the workflow over MCP, its HTTP token, and the
snippet that registers it in a client.

Only `serve` imports the `mcp` SDK (inside the command); `token` and `config` are as fast as
any other command.
"""

from __future__ import annotations

import sys

import typer

from bmadgen.cli import common

mcp_app = typer.Typer(
    help="Serve the project memory and the workflow over MCP (stdio or HTTP).",
    no_args_is_help=True,
)
CLIENT_HELP = "claude-desktop, claude-code, cursor or vscode."


def register(app: typer.Typer) -> None:
    app.add_typer(mcp_app, name="mcp")


@mcp_app.command("serve")
def serve(
    http: bool = typer.Option(False, "--http", help="Serve streamable HTTP instead of stdio "
                              "(needs the token from `bmadgen mcp token`)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind with --http."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port with --http."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow a non-loopback "
                                      "--host (the token is still required)."),
    project: str | None = common.PROJECT_OPTION,
) -> None:
    """Serve MCP on stdin/stdout (the default; logs go to stderr), or over HTTP with a bearer
    token."""
    from bmadgen.services import mcp_access

    if http:
        mcp_access.check_bind(host, allow_remote=allow_remote)
    try:
        from bmadgen.mcp_server.server import serve_http, serve_stdio
    except ImportError as exc:
        from bmadgen.errors import EnvironmentUnavailable

        raise EnvironmentUnavailable(f"the MCP SDK cannot be loaded: {exc}",
                                     hint="pip install 'mcp>=2.3'") from exc
    if not http:
        serve_stdio(project=project or common.root_project())
        return
    secret = mcp_access.token()

    print(f"bmadgen MCP on http://{host}:{port}/mcp (bearer token: `bmadgen mcp token`)",
          file=sys.stderr)
    serve_http(token=secret.token, host=host, port=port,
               project=project or common.root_project())


@mcp_app.command("token")
def token(
    rotate: bool = typer.Option(False, "--rotate", help="Make a new token; the old one stops "
                                "working (restart a running server)."),
    as_json: bool = common.JSON_OPTION,
) -> None:
    """Print the HTTP server's bearer token (made on first use, kept with mode 0600)."""
    from bmadgen.services import mcp_access

    info = mcp_access.token(rotate=rotate)
    if as_json:
        common.print_json(info)
    else:
        print(info.token)


@mcp_app.command("config")
def config(
    client: str = typer.Option(..., "--client", help=CLIENT_HELP),
    project: str | None = common.PROJECT_OPTION,
    as_json: bool = common.JSON_OPTION,
) -> None:
    """Print the snippet that registers the stdio server in an MCP client."""
    from bmadgen.services import mcp_access

    found = mcp_access.client_config(client, project=project)
    if as_json:
        common.print_json(found)
        return
    print(f"# {found.where}", file=sys.stderr)
    print(found.snippet)
