"""Python source fragments in exactly the shape `ruff format` (line length 100) keeps.

The generated app must pass `ruff format --check`, and generation must not depend on ruff being
installed, so the few places where a line's length depends on the app spec (names, user text)
are laid out here the way ruff would lay them out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cmp_to_key
from typing import Any

LINE_LENGTH = 100


def width(text: str) -> int:
    """Display width as ruff counts it: East Asian wide and full-width characters count two."""
    if text.isascii():
        return len(text)
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


def tuple_assign(target: str, items: list[str], indent: int = 0) -> str:
    """`target = (a, b)` on one line if it fits, else one item a line with a trailing comma
    (a one-item tuple keeps its comma)."""
    pad = " " * indent
    inner = ", ".join(items) + ("," if len(items) == 1 else "")
    one_line = f"{pad}{target} = ({inner})"
    if width(one_line) <= LINE_LENGTH:
        return one_line
    exploded = "".join(f"{pad}    {item},\n" for item in items)
    return f"{pad}{target} = (\n{exploded}{pad})"


def import_from(module: str, names: list[str]) -> str:
    """`from module import a, b` as ruff's isort writes it (wrapped one a line when long)."""
    one_line = f"from {module} import {', '.join(names)}"
    if width(one_line) <= LINE_LENGTH:
        return one_line
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{body})"


def _digit(text: str, index: int) -> int | None:
    return ord(text[index]) - 48 if index < len(text) and "0" <= text[index] <= "9" else None


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _digit_runs(left: str, i: int, right: str, j: int, first: int) -> tuple[int, int, int]:
    """Compare the digit runs starting at left[i] and right[j], whose first digits compare as
    `first`: left-aligned when one starts with 0 (015 < 12), else as numbers (15 < 123).
    Returns the verdict and the positions after the runs."""
    aligned_left = left[i] == "0" or right[j] == "0"
    if aligned_left and first:
        return first, i, j
    while True:
        i, j = i + 1, j + 1
        ld, rd = _digit(left, i), _digit(right, j)
        if ld is None or rd is None:
            if ld is not None or rd is not None:
                return (1 if ld is not None else -1), i, j
            return first, i, j
        if not first:
            first = _sign(ld - rd)
            if aligned_left and first:
                return first, i, j


def natural_compare(left: str, right: str) -> int:
    """-1, 0 or 1: the natural order ruff's isort sorts names in (the `natord` crate, after
    Martin Pool's strnatcmp): runs of digits compare as numbers (th2 < th10), a run with a
    leading zero compares digit by digit from the left (f01 < f1), whitespace is skipped."""
    i = j = 0
    while True:
        while i < len(left) and left[i].isspace():
            i += 1
        while j < len(right) and right[j].isspace():
            j += 1
        if i >= len(left) or j >= len(right):
            return (i < len(left)) - (j < len(right))
        ld, rd = _digit(left, i), _digit(right, j)
        if ld is not None and rd is not None:
            verdict, i, j = _digit_runs(left, i, right, j, _sign(ld - rd))
            if verdict:
                return verdict
            continue
        if left[i] != right[j]:
            return -1 if left[i] < right[j] else 1
        i, j = i + 1, j + 1


_natural = cmp_to_key(natural_compare)


def _name_key(name: str) -> tuple[Any, Any]:
    """Case-insensitive natural order, then case-sensitive natural order (ruff's default)."""
    return _natural(name.lower()), _natural(name)


def isort_modules(names: Iterable[str]) -> list[str]:
    """Module names in the order ruff's isort gives their imports (a.th2 before a.th10)."""
    return sorted(set(names), key=_name_key)


def isort_names(names: Iterable[str]) -> list[str]:
    """The order ruff's isort gives the names of one import: CONSTANTS, Classes, functions,
    each in `isort_modules` order."""

    def key(name: str) -> tuple[int, Any]:
        if len(name) > 1 and name.isupper():
            return 0, _name_key(name)
        return (1 if name[:1].isupper() else 2), _name_key(name)

    return sorted(set(names), key=key)
