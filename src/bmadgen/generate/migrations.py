"""Alembic revisions of the generated app, derived from the difference between two app specs.

The tables the last revision produced are kept in `.bmadgen/migrations.json` (committed with the
code): the slices' table shapes and the id of the newest revision. A run whose spec gives other
tables writes the next revision, `app/migrations/versions/<NNNN>_<slug>.py`, holding the
operations from the old shapes to the new ones (and back, for downgrade), and the new snapshot.
Nothing here reads a clock or a random source: the same specs give the same bytes. Revision
files are never rewritten: they are not in the pristine-output manifest, and a run refuses to
write over a file that is already there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bmadgen.errors import InvalidInput
from bmadgen.generate import plan
from bmadgen.generate.pyfmt import fits, py_str
from bmadgen.generate.tables import ColumnShape, TableShape, checked, from_json, to_json

SNAPSHOT = ".bmadgen/migrations.json"
VERSIONS = "app/migrations/versions"
FORMAT = 1
_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 40

Shapes = dict[str, dict[str, TableShape]]  # slice -> table -> shape


@dataclass(frozen=True)
class Snapshot:
    head: str | None  # the newest revision's id
    shapes: Shapes


@dataclass(frozen=True)
class Revision:
    path: str
    content: str
    snapshot: str  # the new .bmadgen/migrations.json


@dataclass(frozen=True)
class Call:
    """A call expression, laid out the way `ruff format` lays it out at a given indent."""

    head: str
    args: tuple[Call | str, ...]

    @cached_property
    def text(self) -> str:
        return f"{self.head}({', '.join(_flat(a) for a in self.args)})"

    def flat(self) -> str:
        return self.text

    def layout(self, indent: int, tail: str = "") -> str:
        pad = " " * indent
        one_line = f"{pad}{self.flat()}{tail}"
        if fits(one_line) or not self.args:
            return one_line
        if len(self.args) == 1 and isinstance(self.args[0], Call):
            return f"{pad}{self.head}(\n{self.args[0].layout(indent + 4)}\n{pad}){tail}"
        inner = f"{pad}    {', '.join(_flat(a) for a in self.args)}"
        if fits(inner):
            return f"{pad}{self.head}(\n{inner}\n{pad}){tail}"
        exploded = "".join(_layout(a, indent + 4, ",") + "\n" for a in self.args)
        return f"{pad}{self.head}(\n{exploded}{pad}){tail}"


def _flat(arg: Call | str) -> str:
    return arg.flat() if isinstance(arg, Call) else arg


def _layout(arg: Call | str, indent: int, tail: str = "") -> str:
    return arg.layout(indent, tail) if isinstance(arg, Call) else " " * indent + arg + tail


def call(head: str, args: list[Call | str]) -> Call:
    return Call(head, tuple(args))


def load_snapshot(project: Path) -> Snapshot:
    """The tables the newest revision built (no head and no tables before the first one)."""
    text = plan.read_current(project, SNAPSHOT, SNAPSHOT)
    if text is None:
        return Snapshot(None, {})
    try:
        data = json.loads(text)
        head = data["head"]
        shapes = from_json(data["slices"])
        if not (isinstance(head, str) and re.fullmatch(r"\d{4,}", head)):
            raise ValueError(f"head {head!r} is not a revision id")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise InvalidInput(
            f"{SNAPSHOT} is not the table snapshot bmadgen wrote: {exc}",
            hint=f"restore it from git (git checkout -- {SNAPSHOT})",
        ) from exc
    return Snapshot(head, shapes)


def dump_snapshot(head: str, shapes: Shapes) -> str:
    data = {"format": FORMAT, "head": head, "slices": to_json(shapes)}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _tables(shapes: Shapes) -> dict[str, TableShape]:
    return {name: table for tables in shapes.values() for name, table in tables.items()}


def _ordered(tables: dict[str, TableShape]) -> list[TableShape]:
    """Referred tables before the tables that refer to them (by name where there is a cycle)."""
    done: list[TableShape] = []
    pending = dict(sorted(tables.items()))
    while pending:
        ready = [t for t in pending.values() if not (t.references() & set(pending)) - {t.name}]
        ready = ready or [next(iter(pending.values()))]
        for table in ready:
            done.append(table)
            del pending[table.name]
    return done


def _column_call(column: ColumnShape, *, backfill: bool = False) -> Call:
    args = [py_str(column.name), column.type]
    if column.primary_key:
        args.append("primary_key=True")
    args.append(f"nullable={column.nullable}")
    if backfill and not column.nullable and column.backfill is not None:
        args.append(f"server_default={column.backfill}")
    return call("sa.Column", list(args))


def _fk_name(table: str, column: str) -> str:
    return f"fk_{table}_{column}"


def _create_table(table: TableShape, deferred: set[str]) -> list[str]:
    """`op.create_table` with the table's constraints, except the foreign keys of the columns
    in `deferred` (they refer to a table created later: a cycle)."""
    args: list[Call | str] = [py_str(table.name)]
    args += [_column_call(c) for c in table.columns]
    for column in table.columns:
        if column.references and column.name not in deferred:
            args.append(call("sa.ForeignKeyConstraint", [
                f"[{py_str(column.name)}]", f"[{py_str(column.references + '.id')}]",
                f"name={py_str(_fk_name(table.name, column.name))}",
                f"ondelete={py_str(column.on_delete or 'RESTRICT')}",
            ]))
        if column.unique:
            args.append(call("sa.UniqueConstraint", [
                py_str(column.name), f"name={py_str(f'uq_{table.name}_{column.name}')}"]))
    lines = [call("op.create_table", args).layout(4)]
    for column in table.columns:
        if column.index:
            lines.append(call("op.create_index", [
                py_str(f"ix_{table.name}_{column.name}"), py_str(table.name),
                f"[{py_str(column.name)}]"]).layout(4))
    return lines


def _batch(table: str, calls: list[Call | str]) -> list[str]:
    if not calls:
        return []
    return [f"    with op.batch_alter_table({py_str(table)}) as batch_op:",
            *(_layout(item, 8) for item in calls)]


def _drop_table(table: TableShape) -> list[str]:
    lines = [call("op.drop_index", [py_str(f"ix_{table.name}_{c.name}"),
                                     f"table_name={py_str(table.name)}"]).layout(4)
             for c in table.columns if c.index]
    return [*lines, f"    op.drop_table({py_str(table.name)})"]


ALL_KEYS = frozenset({"index", "unique", "fk"})


def _changed_keys(before: ColumnShape, after: ColumnShape) -> frozenset[str]:
    """Which of the column's index, unique constraint and foreign key differ."""
    changed = set()
    if before.index != after.index:
        changed.add("index")
    if before.unique != after.unique:
        changed.add("unique")
    if (before.references, before.on_delete) != (after.references, after.on_delete):
        changed.add("fk")
    return frozenset(changed)


def _constraints_off(table: str, column: ColumnShape, keys: frozenset[str] = ALL_KEYS) -> list[Call]:
    """Drop the index, unique constraint and foreign key of `column` (batch operations)."""
    calls = []
    if column.index and "index" in keys:
        calls.append(call("batch_op.drop_index", [py_str(f"ix_{table}_{column.name}")]))
    if column.unique and "unique" in keys:
        calls.append(call("batch_op.drop_constraint",
                          [py_str(f"uq_{table}_{column.name}"), 'type_="unique"']))
    if column.references and "fk" in keys:
        calls.append(call("batch_op.drop_constraint",
                          [py_str(_fk_name(table, column.name)), 'type_="foreignkey"']))
    return calls


def _constraints_on(table: str, column: ColumnShape, keys: frozenset[str] = ALL_KEYS) -> list[Call]:
    calls = []
    if column.references and "fk" in keys:
        calls.append(call("batch_op.create_foreign_key", [
            py_str(_fk_name(table, column.name)), py_str(column.references),
            f"[{py_str(column.name)}]", '["id"]',
            f"ondelete={py_str(column.on_delete or 'RESTRICT')}"]))
    if column.unique and "unique" in keys:
        calls.append(call("batch_op.create_unique_constraint", [
            py_str(f"uq_{table}_{column.name}"), f"[{py_str(column.name)}]"]))
    if column.index and "index" in keys:
        calls.append(call("batch_op.create_index", [
            py_str(f"ix_{table}_{column.name}"), f"[{py_str(column.name)}]"]))
    return calls


def _alter_table(old: TableShape, new: TableShape) -> list[Call | str]:
    """The batch operations from `old` to `new` (nothing when they are the same)."""
    body: list[Call | str] = []
    new_names = {c.name for c in new.columns}
    for column in old.columns:
        if column.name not in new_names:
            body += _constraints_off(old.name, column)
            body.append(call("batch_op.drop_column", [py_str(column.name)]))
    for column in new.columns:
        before = old.column(column.name)
        if before is None:
            if not column.nullable:
                body.append(
                    "# A required column: the rows already in the table get the server default."
                    if column.backfill is not None else
                    "# A required column with no default: give the rows already in the table a "
                    "value first."
                )
            body.append(call("batch_op.add_column", [_column_call(column, backfill=True)]))
            body += _constraints_on(new.name, column)
            continue
        keys = _changed_keys(before, column)
        body += _constraints_off(new.name, before, keys)
        changes = []
        if before.type != column.type:
            changes.append(f"type_={column.type}")
        if before.nullable != column.nullable:
            changes.append(f"nullable={column.nullable}")
        if changes:
            if before.type != column.type:
                body.append("# The type changed: check that the rows' values convert.")
            body.append(call("batch_op.alter_column", [
                py_str(column.name), f"existing_type={before.type}", *changes]))
        body += _constraints_on(new.name, column, keys)
    return body


def operations(old: Shapes, new: Shapes) -> list[str]:
    """The lines of `upgrade()` (or, swapped, `downgrade()`) taking `old` tables to `new`."""
    before, after = _tables(old), _tables(new)
    lines: list[str] = []
    created = {n: t for n, t in after.items() if n not in before}
    exists = set(before)
    later: list[tuple[TableShape, ColumnShape]] = []
    for table in _ordered(created):
        deferred = {c.name for c in table.columns if c.references in set(created) - exists
                    and c.references != table.name}
        lines += _create_table(table, deferred)
        exists.add(table.name)
        later += [(table, c) for c in table.columns if c.name in deferred]
    for table, column in later:
        lines += _batch(table.name, list(_constraints_on(table.name, column, frozenset({"fk"}))))
    for name in sorted(set(before) & set(after)):
        lines += _batch(name, _alter_table(before[name], after[name]))
    dropped = list(reversed(_ordered({n: t for n, t in before.items() if n not in after})))
    for position, table in enumerate(dropped):
        for holder in dropped[position + 1:]:  # a cycle: it still refers to this table
            lines += _batch(holder.name, [
                off for column in holder.columns if column.references == table.name
                for off in _constraints_off(holder.name, column, frozenset({"fk"}))])
        lines += _drop_table(table)
    return lines


def slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_")[:MAX_SLUG].strip("_") or "change"


def render(revision: str, down: str | None, message: str, upgrade: list[str],
           downgrade: list[str]) -> str:
    down_literal = "None" if down is None else py_str(down)
    return (
        f'"""{message[:1].upper()}{message[1:]}.\n\nRevision ID: {revision}\nRevises: {down or "(none)"}\n'
        "Written by bmadgen from the difference between two app specs; bmadgen never rewrites "
        "it.\n\"\"\"\n\n"
        "from collections.abc import Sequence\n\n"
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision: str = {py_str(revision)}\n"
        f"down_revision: str | None = {down_literal}\n"
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n\n\n"
        "def upgrade() -> None:\n"
        + "\n".join(upgrade or ["    pass"]) + "\n\n\n"
        "def downgrade() -> None:\n"
        + "\n".join(downgrade or ["    pass"]) + "\n"
    )


def next_revision(project: Path, new: Shapes, message: str, *,
                  only: set[str] | None = None) -> Revision | None:
    """The revision taking the last snapshot's tables to `new` (None when they are the same).

    `only`: the slices this run generates; the snapshot keeps the other slices' tables as they
    were (their models are not regenerated, so neither are their tables)."""
    snapshot = load_snapshot(project)
    target = dict(snapshot.shapes)
    if only is None or snapshot.head is None:  # the first revision holds every table
        target = dict(new)
    else:
        for owner in only:
            if owner in new:
                target[owner] = new[owner]
            else:
                target.pop(owner, None)
    if snapshot.head is not None and _tables(target) == _tables(snapshot.shapes):
        return None
    try:
        for table in _tables(snapshot.shapes).values():
            for column in table.columns:
                checked(column)
    except ValueError as exc:
        raise InvalidInput(
            f"{SNAPSHOT} is not the table snapshot bmadgen wrote: {exc}",
            hint=f"restore it from git (git checkout -- {SNAPSHOT})",
        ) from exc
    number = 1 if snapshot.head is None else int(snapshot.head) + 1
    revision = f"{number:04d}"
    title = "Initial tables" if snapshot.head is None else message
    path = f"{VERSIONS}/{revision}_{slug('initial' if snapshot.head is None else message)}.py"
    if plan.read_current(project, path, "the migrations") is not None:
        raise InvalidInput(
            f"{path} already exists: bmadgen never writes over a migration revision",
            hint=f"rename your file, or restore {SNAPSHOT} from git",
        )
    content = render(
        revision,
        snapshot.head,
        title,
        operations(snapshot.shapes, target),
        operations(target, snapshot.shapes),
    )
    return Revision(path, content, dump_snapshot(revision, target))
