"""The `bmadgen` command: a thin Typer face over the services.

Every subcommand module imports only typer at load time; services and heavy libraries are
imported inside the command that needs them, so `bmadgen --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from bmadgen import __version__
from bmadgen.cli import common
from bmadgen.errors import BmadgenError, EnvironmentUnavailable, ExitCode

app = typer.Typer(
    name="bmadgen",
    help=(
        "From an idea to a running, tested application: five phases (vision, requirements, "
        "prototype, architecture, development) with role agents, a local SQLite project memory, "
        "VSA generation, and quality gates in local sandboxes.\n\n"
        "Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 not found, "
        "5 conflict with the current state, 6 store unreadable, 7 environment missing "
        "(Docker, git), 8 required gates failed, 130 interrupted."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"bmadgen {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    project: str | None = common.PROJECT_OPTION,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """The root options; `--project` is read by `common.session` from this command's context."""


@app.command("tui")
def tui(
    project: str | None = common.PROJECT_OPTION,
    serve: bool = typer.Option(False, "--serve", help="Serve the wizard to a browser on "
                               "127.0.0.1 (textual-serve; no authentication, loopback only)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port for --serve."),
) -> None:
    """Open the terminal wizard: projects, the five phases, slices, gates, memory and tasks.

    Bare `bmadgen` in a terminal opens it too; in a pipe or CI it prints this help instead.
    With --project it opens that project's view. Keys show in the footer; ctrl+p lists every
    action, ? explains the screen.
    """
    chosen = project or common.root_project()
    if serve:
        from bmadgen.tui.serve import serve as serve_wizard

        serve_wizard(port=port, project=chosen, say=lambda text: typer.echo(text, err=True))
        return
    from bmadgen.tui.app import run

    run(project=chosen)


def wants_wizard(argv: list[str]) -> bool:
    """Bare `bmadgen` opens the wizard when a person is at a terminal: standard input and
    output are terminals and this is not CI."""
    if argv:
        return False
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty()


def _register() -> None:
    # The order here is the order of `bmadgen --help`: the journey first (workflow, generation,
    # gates, sharing), then the project memory, the model settings, then the MCP server.
    from bmadgen.cli import (
        container,
        foundation,
        gates,
        generation,
        llm,
        mcp_commands,
        share,
        workflow,
    )

    for module in (workflow, generation, container, gates, share, foundation, llm, mcp_commands):
        module.register(app)


_register()


class _Stdout:
    """Standard output as the commands see it: a write that fails (the descriptor was closed
    with `>&-`, a redirection onto a full disk or /dev/full) ends the command with one line and
    exit 7 instead of a traceback. A closed pipe keeps its own quiet handling below."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _failed(self, exc: OSError | None) -> EnvironmentUnavailable:
        if exc is None:
            return EnvironmentUnavailable(
                "standard output is closed; nothing was written",
                hint="redirect it to a file (> FILE), or give -o FILE where the command has it")
        return EnvironmentUnavailable(f"cannot write to standard output: {exc.strerror or exc}")

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._failed(None)
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def isatty(self) -> bool:
        return self._stream is not None and bool(self._stream.isatty())

    def __getattr__(self, name: str) -> Any:
        if self._stream is not None:
            return getattr(self._stream, name)
        if name in ("encoding", "errors"):
            return {"encoding": "utf-8", "errors": "strict"}[name]
        raise AttributeError(name)  # so a caller's getattr(..., default) takes its default


def _occupy_closed_descriptors() -> None:
    """Put /dev/null on a closed standard descriptor (0, 1 or 2), so that no file bmadgen
    opens (the store!) becomes "standard output" for a child process such as git."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.close(opened)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn user errors into one line and an exit code."""
    _occupy_closed_descriptors()
    if sys.stderr is None:  # started with 2>&-: errors go nowhere rather than to stdout
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    saved_stdout = sys.stdout
    sys.stdout = _Stdout(saved_stdout)
    try:
        _run(argv)
    finally:
        sys.stdout = saved_stdout


def _run(argv: list[str] | None) -> None:
    given = list(sys.argv[1:] if argv is None else argv)
    if not given:  # bare `bmadgen`: the wizard for a person, the help (exit 0) for a pipe
        argv = ["tui"] if wants_wizard(given) else ["--help"]
    try:
        result = app(args=argv, standalone_mode=False)
        sys.stdout.flush()  # a full disk behind a redirection is reported here, not at exit
        if isinstance(result, int) and result:
            if result == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into this code, silently
                print("interrupted", file=sys.stderr)
            sys.exit(result)
    except BmadgenError as exc:
        if "--json" in (argv if argv is not None else sys.argv):
            try:
                common.print_json(exc.to_dict())
            except BmadgenError:
                pass  # standard output is what failed; the line on stderr says so
        from bmadgen.cli.wording import error_line

        print(f"error: {error_line(exc)}", file=sys.stderr)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(int(ExitCode.INTERRUPTED))
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            print(f"error: {exc}", file=sys.stderr)
        sys.exit(int(getattr(exc, "exit_code", ExitCode.USAGE)))
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)

