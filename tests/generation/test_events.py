"""Events between slices: the spec's checks, the rule that decides when each event fires, and
what is rendered on each side (the publisher's call, the consumer's handler stub)."""

from __future__ import annotations

import pytest
import yaml

from bmadgen import appspec
from bmadgen.errors import InvalidInput
from bmadgen.generate.context import event_trigger

from .conftest import SPECS, render_app
from .test_references import _spec_for

LINKS = SPECS / "links.appspec.yaml"


def test_consumers_must_be_slices_and_an_event_has_one_publisher() -> None:
    data = yaml.safe_load(LINKS.read_text())
    data["features"][0]["events"].append({"name": "post_archived", "consumers": ["nowhere"]})
    data["features"][1]["events"] = [{"name": "post_published"}]
    with pytest.raises(InvalidInput) as caught:
        appspec.parse(data)
    expected = ("(top): posts: event 'post_archived' names consumer 'nowhere', which is not a "
                "slice of the app; event 'post_published' is published by both 'posts' and 'tags'")
    assert caught.value.details == [expected]


def test_removing_a_consumer_slice_drops_it_from_the_events() -> None:
    spec = appspec.load(LINKS)
    data = spec.model_dump(mode="json")
    data["features"].append({"name": "feed", "entities": [
        {"name": "entry", "fields": [{"name": "text", "type": "str"}]}]})
    data["features"][0]["events"][0]["consumers"].append("feed")
    smaller = appspec.without_feature(appspec.parse(data), "feed")
    assert smaller.features[0].events[0].consumers == ["tags"]


@pytest.mark.parametrize(("type_name", "event", "kind", "field"), [
    ("blog", "post_published", "becomes", "status"),
    ("ecommerce", "product_published", "becomes", "status"),
    ("ecommerce", "cart_checked_out", "create", None),
    ("ecommerce", "order_paid", "becomes", "status"),
    ("marketplace", "seller_verified", "becomes", "verified"),
    ("marketplace", "listing_sold", "becomes", "state"),
    ("saas", "workspace_created", "create", None),
    ("saas", "plan_changed", "field_changes", "plan"),
])
def test_when_each_project_types_event_fires(type_name: str, event: str, kind: str,
                                             field: str | None) -> None:
    spec = _spec_for(type_name)
    feature = next(f for f in spec.features if any(e.name == event for e in f.events))
    trigger = event_trigger(feature, next(e for e in feature.events if e.name == event))
    assert (trigger["kind"], trigger["field"]) == (kind, field)


def test_updated_and_deleted_names_fire_on_those_actions() -> None:
    feature = appspec.load(LINKS).features[0]
    for name, kind in (("post_updated", "change"), ("author_deleted", "delete"),
                       ("post_created", "create"), ("title_changed", "field_changes")):
        trigger = event_trigger(feature, appspec.EventSpec(name=name))
        assert trigger["kind"] == kind, name
    assert event_trigger(feature, appspec.EventSpec(name="author_deleted"))["entity"] == "author"
    # Without an entity's name first, the first entity with the field is meant.
    assert event_trigger(feature, appspec.EventSpec(name="title_changed"))["entity"] == "post"
    assert event_trigger(feature, appspec.EventSpec(name="renamed"))["kind"] == "create"


def test_the_publisher_calls_the_bus_and_the_consumer_subscribes_a_stub() -> None:
    files = render_app(_spec_for("blog"))
    services = files["app/features/posts/services.py"]
    assert 'publish(Event("post_published", "post", item.id))' in services
    assert 'if item.status == "published" and item.status != was_status:' in services
    handlers = files["app/features/comments/handlers.py"]
    assert 'subscribe("post_published", on_post_published)' in handlers
    assert "subscribe_handlers()" in files["app/features/comments/api.py"]
    assert "def subscribe_handlers() -> None:" in files["app/features/tags/handlers.py"]
    for path, text in files.items():  # the bus is the only link between slices
        if path.startswith("app/features/comments/"):
            assert "app.features.posts" not in text, path
