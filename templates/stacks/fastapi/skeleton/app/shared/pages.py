"""Server-rendered HTML pages: every value is escaped here, so slices cannot forget to."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[object]]


def _cell(value: object) -> str:
    return "" if value is None else escape(str(value))


def render_table(table: Table) -> str:
    head = "".join(f"<th>{escape(column)}</th>" for column in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>"
        for row in table.rows
    )
    empty = "" if table.rows else "<p>Nothing here yet.</p>"
    return (
        f"<h2>{escape(table.title)}</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{empty}"
    )


def render_page(title: str, tables: Sequence[Table]) -> str:
    sections = "".join(render_table(table) for table in tables)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{sections}</body></html>"
    )
