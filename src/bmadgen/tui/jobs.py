"""Work off the interface thread: every service call that may take time runs in a thread
worker with its own session, and its result (or its error, as one line) comes back to the
interface thread. A `BmadgenError` becomes a notification; anything else is a bug, shown as one
line too: never a traceback on the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bmadgen.errors import BmadgenError

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import Worker

    from bmadgen.services.session import Session

T = TypeVar("T")


class Stopped(Exception):
    """The person stepped away from a question (Escape, quitting): the run stops, the answers
    given so far stay saved, and the next run resumes at the same question."""


def start(node: DOMNode, job: Callable[[Session], T], done: Callable[[T], Any] | None = None,
          *, project: str | None, name: str, group: str = "default",
          failed: Callable[[BaseException], Any] | None = None,
          exclusive: bool = False) -> Worker[None]:
    """Run `job(session)` in a thread worker and hand its result to `done` on the interface
    thread. An error goes to `failed` (after the notification) so a screen can restore itself."""
    from bmadgen.tui.app import BmadgenApp

    app = node.app
    assert isinstance(app, BmadgenApp)

    def tell(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            app.call_from_thread(callback, *args, **kwargs)
        except RuntimeError:  # the app closed while the work ran: nobody to tell
            pass

    def deliver(callback: Callable[..., Any], *args: Any) -> None:
        if node.is_attached:  # a screen closed while the work ran hears nothing more
            tell(callback, *args)

    def body() -> None:
        try:
            with app.session(project) as session:
                result = job(session)
        except Stopped as exc:
            tell(app.notify, str(exc) or "stopped", title="stopped", severity="warning")
            if failed is not None:
                deliver(failed, exc)
            return
        except BmadgenError as exc:
            tell(app.show_error, exc)
            if failed is not None:
                deliver(failed, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug: one line here, the log has the rest
            tell(app.show_bug, exc)
            if failed is not None:
                deliver(failed, exc)
            return
        from textual.worker import get_current_worker

        # a worker replaced by a newer one of its group (exclusive) must not overwrite it
        if done is not None and not get_current_worker().is_cancelled:
            deliver(done, result)

    return node.run_worker(body, thread=True, name=name, group=group, exclusive=exclusive,
                           exit_on_error=False)
