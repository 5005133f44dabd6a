"""One exception family for every error a user can cause, and the exit codes the faces use.

Faces (CLI, TUI, MCP) turn a `BmadgenError` into a one-line message plus its hint; they never
show a traceback for one. Exit codes are documented in docs/cli.md and must stay stable.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bmadgen.models import NextAction


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug: an exception that is not a BmadgenError
    USAGE = 2  # bad command-line syntax (click's own code)
    INVALID_INPUT = 3  # a value that fails validation (name, text, answers file, app spec ...)
    NOT_FOUND = 4  # an id, name, phase, document or slice that does not exist
    CONFLICT = 5  # the action does not fit the current state (phase not awaiting approval, merge conflict)
    STORE = 6  # the database is corrupt, not SQLite, or from a newer bmadgen
    ENVIRONMENT = 7  # something outside bmadgen is missing (Docker engine, image, git)
    GATES_FAILED = 8  # a required quality gate failed and is not waived
    INTERRUPTED = 130


class BmadgenError(Exception):
    """An error the user can act on. `code` picks the exit code; `hint` says what to do."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT

    def __init__(self, message: str, *, hint: str | None = None, details: list[str] | None = None,
                 action: NextAction | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details or []
        # What to do about it, as data; a face words it (the CLI as a command) when `hint`
        # does not already say it.
        self.action = action

    def one_line(self) -> str:
        text = self.message
        if self.details:
            text += ": " + "; ".join(self.details)
        if self.hint:
            text += f" (hint: {self.hint})"
        return text.replace("\n", " ")

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "code": int(self.exit_code),
            "message": self.message,
            "details": self.details,
            "hint": self.hint,
            "action": self.action.model_dump(mode="json") if self.action is not None else None,
        }


class InvalidInput(BmadgenError):
    exit_code = ExitCode.INVALID_INPUT


class NotFound(BmadgenError):
    exit_code = ExitCode.NOT_FOUND


class Conflict(BmadgenError):
    exit_code = ExitCode.CONFLICT


class StoreError(BmadgenError):
    exit_code = ExitCode.STORE


class EnvironmentUnavailable(BmadgenError):
    exit_code = ExitCode.ENVIRONMENT


class GatesFailed(BmadgenError):
    exit_code = ExitCode.GATES_FAILED
