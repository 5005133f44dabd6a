"""The event bus: subscribers receive what is published, once each, and a failing handler is
logged without stopping the others or reaching the publisher."""

import logging

import pytest

from app.shared import events
from app.shared.events import Event, publish, subscribe


@pytest.fixture(autouse=True)
def no_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "handlers", {})


def test_subscribers_receive_their_events_once() -> None:
    received: list[Event] = []
    subscribe("thing_created", received.append)
    subscribe("thing_created", received.append)
    publish(Event("thing_created", "thing", 1))
    publish(Event("other_event", "thing", 2))
    assert received == [Event("thing_created", "thing", 1)]


def test_a_failing_handler_is_logged_and_the_next_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    received: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError(event.name)

    subscribe("thing_created", broken)
    subscribe("thing_created", received.append)
    with caplog.at_level(logging.ERROR, logger="app.events"):
        publish(Event("thing_created", "thing", 1))
    assert received == [Event("thing_created", "thing", 1)]
    assert caplog.records[0].getMessage() == "handler broken of event thing_created failed"
