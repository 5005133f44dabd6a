"""Events between slices: the one way a slice tells others what happened, without importing them.

The owning slice publishes an event after its database commit; a subscribing slice registers its
handlers (its `handlers.py`, called when its routes are loaded). Delivery is in process and
synchronous, in the order handlers subscribed. A handler that raises is logged and skipped: the
publisher's change is committed already and its answer does not depend on who listens."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("app.events")


@dataclass(frozen=True)
class Event:
    name: str  # as the app spec names it, e.g. "post_published"
    entity: str  # the entity whose row it is about
    item_id: int  # that row's id


Handler = Callable[[Event], None]
handlers: dict[str, list[Handler]] = {}


def subscribe(name: str, handler: Handler) -> None:
    """Call `handler` with every `name` event published from now on (once, however often this
    is called)."""
    subscribed = handlers.setdefault(name, [])
    if handler not in subscribed:
        subscribed.append(handler)


def publish(event: Event) -> None:
    """Deliver the event to each of its handlers; the failure of one is logged, never raised."""
    for handler in list(handlers.get(event.name, ())):
        try:
            handler(event)
        except Exception:
            logger.exception("handler %s of event %s failed", handler.__name__, event.name)
