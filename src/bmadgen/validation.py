"""Checks on text a person or a model sends, shared by every service."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable

from bmadgen.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def clean_text(value: str | None, what: str, *, max_len: int, required: bool = True) -> str:
    """Strip surrounding space and refuse empty (when required), over-long or binary text."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > max_len:
        raise InvalidInput(f"{what} is {len(text)} characters long; the limit is {max_len}")
    if _CONTROL.search(text):
        raise InvalidInput(f"{what} contains control characters")
    return text


MAX_PAGE = 500  # the most items one list or search page returns


def page_bounds(limit: int, offset: int, *, max_limit: int = MAX_PAGE) -> None:
    """Refuse a page size outside 1..max_limit or a negative offset."""
    if not 1 <= limit <= max_limit:
        raise InvalidInput(f"limit must be between 1 and {max_limit}, got {limit}")
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, got {offset}")


def choice(value: str | None, what: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidInput(f"invalid {what} {value!r}; choose one of: {', '.join(allowed)}")
    return value


def identifier(
    value: str, what: str, *, max_len: int = 64, error: Callable[[str], Exception] = InvalidInput
) -> str:
    """A name that becomes a Python package or a path: lowercase identifier, not a keyword.

    `error` is what a refusal raises: `InvalidInput` for a face's argument, `ValueError` inside
    a pydantic validator (so the problem joins the model's list of problems)."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise error(
            f"{what} {value!r} is not valid: use lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    if len(value) > max_len:
        raise error(f"{what} {value!r} is longer than {max_len} characters")
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise error(f"{what} {value!r} is a Python keyword")
    return value
