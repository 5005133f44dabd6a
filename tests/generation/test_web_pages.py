"""Acceptance: in headless Chromium, a person signs up through the generated app's page, is
made admin by the documented command, signs out and in again through the pages, then creates,
edits, lists, filters and deletes an item of every slice, sees a validation error next to its
field, and signs out (ecommerce, saas and blog apps, served by uvicorn on a SQLite file). Screenshots of a list page and of a form go
to the test's tmp folder. Without Chromium the test skips locally and fails in CI (CI=true)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bmadgen.appspec import AppSpec, EntitySpec, FieldSpec
from bmadgen.generate.context import _samples
from bmadgen.naming import plural
from tests.share.conftest import need_chromium

from .signin import ADMIN_PASSWORD, create_admin
from .test_generated_app import serve
from .test_references import _generated_for

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n"
# Type into the page's form: each named input gets its value (a checkbox: checked or not).
FILL = """(values => { for (const [name, value] of Object.entries(values)) {
    const input = document.querySelector(`form [name="${name}"]`);
    if (input === null) { throw new Error(`no input ${name} at ${location.href}`); }
    if (input.type === "checkbox") { input.checked = value; } else { input.value = value; }
} })(VALUES)"""


def _input_text(field: FieldSpec, value: object) -> object:
    """A sample value as the page's input takes it: a datetime-local has no offset."""
    if field.type == "datetime":
        return str(value).removesuffix("Z")
    if field.type == "bool":
        return bool(value)
    return value if isinstance(value, str) else json.dumps(value)


class Pages:
    """The app's pages in Chromium, entity by entity, creating referenced rows as needed."""

    def __init__(self, browser: Any, base: str, spec: AppSpec) -> None:
        self.browser = browser
        self.base = base
        self.slices = {e.name: f.name for f in spec.features for e in f.entities}
        self.entities = {e.name: e for f in spec.features for e in f.entities}
        self.created: dict[str, int] = {}
        self.requests: list[str] = []  # every URL the pages asked for

    def record(self) -> None:
        """Keep the requests seen so far: navigating clears the browser's events."""
        self.requests += self.browser.requested_urls()

    def url(self, entity: EntitySpec) -> str:
        return f"{self.base}/ui/{self.slices[entity.name]}/{plural(entity.name)}"

    def goto(self, url: str) -> None:
        self.record()
        self.browser.goto(url)
        self.settle(lambda: self.here() == url)

    def settle(self, ready: Any = lambda: True) -> None:
        """Wait until the new document is loaded (a load event can belong to the last one)."""
        deadline = time.monotonic() + 20
        while not (self.browser.js("document.readyState") == "complete" and ready()):
            assert time.monotonic() < deadline, "the page did not load"
            time.sleep(0.05)

    def here(self) -> str:
        return str(self.browser.js("location.href"))

    def submit(self, selector: str) -> None:
        self.record()
        self.browser.events.clear()
        self.browser.js(f"document.querySelector({json.dumps(selector)}).click()")
        self.browser.wait_for("Page.loadEventFired")
        self.settle()

    def cookies(self) -> dict[str, str]:
        """The browser's cookies for the app (the HttpOnly session cookie too)."""
        found = self.browser.call("Network.getCookies", urls=[self.base])["cookies"]
        return {cookie["name"]: cookie["value"] for cookie in found}

    def sign_in_form(self, email: str) -> None:
        self.fill({"email": email, "password": ADMIN_PASSWORD})
        self.submit("form[method=post] button[type=submit]")

    def fill(self, values: dict[str, object]) -> None:
        script = FILL.replace("VALUES", json.dumps(values))
        self.browser.js(script)

    def values(self, entity: EntitySpec, which: int) -> dict[str, object]:
        values: dict[str, object] = {}
        for field in entity.fields:
            if field.type == "ref":
                if not field.optional:
                    values[field.name] = str(self.ensure(self.entities[field.ref or ""]))
                continue
            values[field.name] = _input_text(field, _samples(field)[which])
        return values

    def ensure(self, entity: EntitySpec) -> int:
        """A row of `entity` (created once, through its form), for references to name."""
        if entity.name not in self.created:
            self.created[entity.name] = self.create(entity)
        return self.created[entity.name]

    def create(self, entity: EntitySpec) -> int:
        values = self.values(entity, 0)
        self.goto(self.url(entity) + "/new")
        self.fill(values)
        self.submit("form[method=post] button[type=submit]")
        detail = self.here()
        assert detail.startswith(self.url(entity) + "/"), detail
        return int(detail.rsplit("/", 1)[1])


def _text_field(entity: EntitySpec) -> FieldSpec | None:
    return next((f for f in entity.fields if f.type in ("str", "text")), None)


def _check_slice(pages: Pages, entity: EntitySpec, shots: Path | None) -> None:
    browser = pages.browser
    url = pages.url(entity)
    # A required field left empty: the API's message next to it, the other values kept.
    values = pages.values(entity, 0)
    blank = next(f for f in entity.fields if not f.optional and f.type not in ("bool", "ref"))
    pages.goto(url + "/new")
    pages.fill({**values, blank.name: ""})
    pages.submit("form[method=post] button[type=submit]")
    assert pages.here() == url + "/new"
    message = browser.js(f"""(() => {{
        const error = document.getElementById("error-{blank.name}");
        const label = error && error.closest("label");
        return label && label.querySelector('[name="{blank.name}"]') ? error.textContent : null;
    }})()""")
    assert message == "Field required", message
    kept = _text_field(entity)
    if kept is not None and kept.name != blank.name:
        shown = browser.js(f'document.querySelector(\'[name="{kept.name}"]\').value')
        assert shown == values[kept.name]
    if shots is not None:
        _screenshot(browser, shots / "form.png")
    # Create, then edit.
    item_id = pages.create(entity)
    item_url = f"{url}/{item_id}"
    pages.goto(item_url + "/edit")
    edited = pages.values(entity, 1)
    pages.fill(edited)
    pages.submit("form[method=post] button[type=submit]")
    assert pages.here() == item_url
    text = _text_field(entity)
    if text is not None:
        assert str(edited[text.name]) in browser.js("document.querySelector('main').innerText")
    # List and filter.
    pages.goto(url)
    link = f'main a[href="/ui/{pages.slices[entity.name]}/{plural(entity.name)}/{item_id}"]'
    assert browser.js(f"document.querySelector({json.dumps(link)}) !== null")
    if shots is not None:
        _screenshot(browser, shots / "list.png")
    filters = browser.js("Array.from(document.querySelectorAll('form.filters [name]'))"
                         ".map(e => e.name)")
    name = "q" if "q" in filters else next((n for n in filters if n in edited), None)
    if name is not None:
        value = edited[text.name] if name == "q" and text is not None else edited[name]
        if value is True or value is False:
            value = "true" if value else "false"
        browser.js(f"document.querySelector('form.filters [name=\"{name}\"]').value = "
                   f"{json.dumps(value)}")
        pages.submit("form.filters button[type=submit]")
        assert f"{name}=" in pages.here()
        assert browser.js(f"document.querySelector({json.dumps(link)}) !== null")
    # Delete, after the confirmation step.
    pages.goto(item_url + "/delete")
    pages.submit("form[method=post] button[type=submit]")
    assert pages.here() == url
    assert browser.js(f"document.querySelector({json.dumps(link)}) === null")
    assert httpx.get(item_url, cookies=pages.cookies()).status_code == 404


def _screenshot(browser: Any, path: Path) -> None:
    data = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    path.write_bytes(data)


@pytest.fixture
def browser():
    need_chromium()
    from tests.share.browser import Browser

    opened = Browser()
    yield opened
    opened.close()


@pytest.mark.parametrize("type_name", ["ecommerce", "saas", "blog"])
def test_pages_create_edit_list_filter_and_delete(type_name: str, tmp_path: Path,
                                                  browser: Any) -> None:
    project, spec = _generated_for(type_name, tmp_path)
    shots = tmp_path / "shots"
    shots.mkdir()
    database = tmp_path / "pages.db"
    email = "first@example.com"
    with serve(project, database) as base:
        pages = Pages(browser, base, spec)
        first = pages.url(spec.features[0].entities[0])
        # Signed out, a page answers with the sign-in form; sign up from there.
        pages.goto(first)
        assert browser.js("document.querySelector('form[action=\"/ui/sign-in\"]') !== null")
        pages.goto(f"{base}/ui/sign-up")
        pages.sign_in_form(email)
        assert "session" in pages.cookies()
        # The new account has the default role; the documented command makes it admin.
        assert "is an admin now" in create_admin(project, f"sqlite:///{database}", email)
        pages.goto(f"{base}/ui/sign-in")
        assert "admin" in browser.js("document.querySelector('main').innerText")
        pages.submit("form[action='/ui/sign-out'] button[type=submit]")
        assert "session" not in pages.cookies()
        pages.goto(first)  # asks to sign in, then comes back here
        pages.sign_in_form(email)
        assert pages.here() == first
        for number, feature in enumerate(spec.features):
            _check_slice(pages, feature.entities[0], shots if number == 0 else None)
        pages.goto(f"{base}/ui/sign-in")
        pages.submit("form[action='/ui/sign-out'] button[type=submit]")
        assert httpx.get(first, cookies=pages.cookies()).status_code == 401
        # data: URLs are Chromium's own (the date input's calendar icon), not requests.
        pages.record()
        assert any(url.endswith("/static/style.css") for url in pages.requests)
        outside = [url for url in pages.requests if not url.startswith((base, "data:"))]
        assert outside == []
    for name in ("list.png", "form.png"):
        data = (shots / name).read_bytes()
        assert data.startswith(PNG), name
        assert len(data) > 10_000, name
