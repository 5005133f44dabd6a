"""Python source fragments in exactly the shape `ruff format` (line length 100) keeps.

The generated app must pass `ruff format --check`, and generation must not depend on ruff being
installed, so the few places where a line's length depends on the app spec (names, user text)
are laid out here the way ruff would lay them out.
"""

from __future__ import annotations

import unicodedata

LINE_LENGTH = 100


def width(text: str) -> int:
    """Display width as ruff counts it: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def py_str(text: str) -> str:
    """A Python string literal for `text` that ruff keeps: double quotes unless the text holds
    more double than single quotes; backslashes, that quote and control characters escaped."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    escapes = {"\\": "\\\\", quote: "\\" + quote, "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for char in text:
        code = ord(char)
        if char in escapes:
            out.append(escapes[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or code in (0x2028, 0x2029, 0x85, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return quote + "".join(out) + quote


def py_literal(value: object) -> str:
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return py_str(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def fits(line: str) -> bool:
    return width(line) <= LINE_LENGTH


def call(head: str, args: list[str], indent: int = 0, tail: str = "") -> str:
    """`head(args)tail` at `indent`: on one line if it fits, else the arguments on one line of
    their own, else one argument a line with a trailing comma (ruff's three layouts)."""
    pad = " " * indent
    one_line = f"{pad}{head}({', '.join(args)}){tail}"
    if width(one_line) <= LINE_LENGTH or not args:
        return one_line
    inner = f"{pad}    {', '.join(args)}"
    if width(inner) <= LINE_LENGTH:
        return f"{pad}{head}(\n{inner}\n{pad}){tail}"
    exploded = "".join(f"{pad}    {arg},\n" for arg in args)
    return f"{pad}{head}(\n{exploded}{pad}){tail}"


def assign(target: str, value: str, indent: int = 0) -> str:
    """`target = value`, wrapped in parentheses when that (and only that) makes it fit."""
    pad = " " * indent
    one_line = f"{pad}{target} = {value}"
    if width(one_line) <= LINE_LENGTH:
        return one_line
    if width(f"{pad}    {value}") <= LINE_LENGTH:
        return f"{pad}{target} = (\n{pad}    {value}\n{pad})"
    return one_line


def import_from(module: str, names: list[str]) -> str:
    """`from module import a, b` as ruff's isort writes it (wrapped one a line when long)."""
    one_line = f"from {module} import {', '.join(names)}"
    if width(one_line) <= LINE_LENGTH:
        return one_line
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{body})"


def isort_names(names: set[str] | list[str]) -> list[str]:
    """The order ruff's isort gives the names of one import: CONSTANTS, Classes, functions."""

    def key(name: str) -> tuple[int, str]:
        if name.isupper() and len(name) > 1:
            return 0, name
        return (1 if name[:1].isupper() else 2), name

    return sorted(set(names), key=key)
