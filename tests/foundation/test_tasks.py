"""Tasks: priority order, progress, notes, blockers, completion."""

from __future__ import annotations

import pytest

from bmadgen import projects, tasks
from bmadgen.errors import Conflict, InvalidInput, NotFound


def test_list_is_active_first_then_by_priority(store, project):
    low = tasks.add(store, project.id, "low", priority="low")
    critical = tasks.add(store, project.id, "critical", priority="critical")
    medium = tasks.add(store, project.id, "medium")
    done = tasks.add(store, project.id, "done early", priority="critical")
    tasks.complete(store, project.id, done.id)
    page = tasks.list_tasks(store, project.id)
    assert [t.id for t in page.items] == [critical.id, medium.id, low.id, done.id]
    assert [t.id for t in tasks.list_tasks(store, project.id, status="completed").items] == [
        done.id]
    assert [t.id for t in tasks.list_tasks(store, project.id, priority="low").items] == [low.id]


def test_paging(store, project):
    ids = [tasks.add(store, project.id, f"t{i}").id for i in range(7)]
    first = tasks.list_tasks(store, project.id, limit=3)
    rest = tasks.list_tasks(store, project.id, limit=5, offset=3)
    assert first.total == rest.total == 7
    assert [t.id for t in first.items + rest.items] == ids


def test_notes_blockers_and_unblock(store, project):
    t = tasks.add(store, project.id, "deploy")
    t = tasks.update(store, project.id, t.id, blocker="no staging server", progress=30)
    assert t.open_blockers == ["no staging server"]
    assert t.progress == 30
    t = tasks.update(store, project.id, t.id, resolve_blockers=True, note="server is up")
    assert t.open_blockers == []
    assert [n.kind for n in t.notes] == ["blocker", "resolved", "note"]
    listed = tasks.list_tasks(store, project.id).items[0]
    assert listed.notes == t.notes  # list loads notes too


def test_complete_sets_progress_and_refuses_twice(store, project):
    t = tasks.add(store, project.id, "ship")
    done = tasks.complete(store, project.id, t.id)
    assert (done.status, done.progress) == ("completed", 100)
    assert done.completed_at is not None
    with pytest.raises(Conflict):
        tasks.complete(store, project.id, t.id)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"progress": 101}, InvalidInput),
        ({"progress": -1}, InvalidInput),
        ({"priority": "urgent"}, InvalidInput),
        ({"note": ""}, InvalidInput),
        ({}, InvalidInput),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(store, project, kwargs, error):
    t = tasks.add(store, project.id, "stable", priority="high")
    tasks.update(store, project.id, t.id, progress=40)
    with pytest.raises(error):
        tasks.update(store, project.id, t.id, **kwargs)
    again = tasks.get(store, project.id, t.id)
    assert (again.progress, again.priority, len(again.notes)) == (40, "high", 0)


def test_add_refuses_bad_input(store, project):
    with pytest.raises(InvalidInput):
        tasks.add(store, project.id, "")
    with pytest.raises(InvalidInput):
        tasks.add(store, project.id, "x" * 501)
    with pytest.raises(InvalidInput):
        tasks.add(store, project.id, "x", priority="p0")
    with pytest.raises(NotFound):
        tasks.add(store, project.id, "child", parent_id=42)
    assert store.scalar("SELECT count(*) FROM tasks") == 0


def test_tasks_are_scoped_to_their_project(store, project):
    other = projects.create(store, "other")
    t = tasks.add(store, project.id, "mine")
    with pytest.raises(NotFound):
        tasks.get(store, other.id, t.id)
    with pytest.raises(NotFound):
        tasks.update(store, other.id, t.id, progress=5)
    with pytest.raises(NotFound):
        tasks.add(store, other.id, "child", parent_id=t.id)


def test_completed_since(store, project):
    a = tasks.complete(store, project.id, tasks.add(store, project.id, "a").id)
    b = tasks.complete(store, project.id, tasks.add(store, project.id, "b").id)
    assert [t.id for t in tasks.completed_since(store, project.id, None)] == [b.id, a.id]
    assert [t.id for t in tasks.completed_since(store, project.id, a.completed_at)] == [b.id]


def test_unblock_with_a_new_blocker_replaces_the_old_ones(store, project):
    t = tasks.add(store, project.id, "deploy")
    tasks.update(store, project.id, t.id, blocker="old reason")
    t = tasks.update(store, project.id, t.id, resolve_blockers=True, blocker="new reason")
    assert t.open_blockers == ["new reason"]


def test_refs_find_upsert_and_list_by_prefix(store, project):
    other = projects.create(store, "other")
    assert tasks.slice_ref("cart") == "slice:cart"
    assert tasks.find_by_ref(store, project.id, tasks.slice_ref("cart")) is None
    cart = tasks.upsert_by_ref(store, project.id, tasks.slice_ref("cart"), "Slice cart",
                               description="v1", priority="high")
    assert (cart.ref, cart.priority) == ("slice:cart", "high")
    before = tasks.update(store, project.id, cart.id, progress=40, note="started")
    same = tasks.upsert_by_ref(store, project.id, tasks.slice_ref("cart"), "Slice cart",
                               description="v1")
    assert same == before == tasks.get(store, project.id, cart.id)  # nothing was written
    changed = tasks.upsert_by_ref(store, project.id, tasks.slice_ref("cart"), "Slice cart",
                                  description="v2", priority="low")
    # the text follows the plan; what people did with the task stays
    assert (changed.id, changed.description, changed.priority) == (cart.id, "v2", "high")
    assert (changed.progress, [n.text for n in changed.notes]) == (40, ["started"])

    story = tasks.upsert_by_ref(store, project.id, tasks.story_ref("cart", 1), "Story: add",
                                parent_id=cart.id)
    done = tasks.add(store, project.id, "Slice orders", ref=tasks.slice_ref("orders"))
    tasks.complete(store, project.id, done.id)
    tasks.add(store, other.id, "Slice cart elsewhere", ref=tasks.slice_ref("cart"))
    active = tasks.active_with_ref_prefix(store, project.id, tasks.SLICE_REF_PREFIX)
    assert [t.id for t in active] == [cart.id]
    assert tasks.refs(store, project.id) == {"slice:cart", "slice:orders", "story:cart:1"}
    assert tasks.find_by_ref(store, project.id, "story:cart:1").id == story.id
