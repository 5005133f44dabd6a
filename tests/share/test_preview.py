"""`bmadgen preview`: the prototype served on 127.0.0.1 with live reload, checked in headless
Chromium (links, forms and their constraints, a decimal price, no request leaves 127.0.0.1),
screenshots, and the errors a person can run into."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from bmadgen.services import preview as previews
from bmadgen.services.session import open_session
from bmadgen.share.preview import VERSION_PATH, PreviewServer, folder_version, reload_script

from .conftest import need_chromium

PAGES = ["index.html", "cart.html", "catalog.html", "customers.html", "orders.html"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.fixture
def served(shop):
    with open_session() as session:
        server, info = previews.serve_prototype(session)
    yield server, info
    server.stop()


def test_pages_are_served_with_the_reload_script_and_files_stay_plain(served, tmp_path):
    _, info = served
    assert info.url.startswith("http://127.0.0.1:") and info.pages == PAGES
    status, html = get(info.url)
    prototype = tmp_path / "shop" / "prototype"
    assert status == 200 and reload_script(folder_version(prototype)) in html
    assert "bmadgen preview" not in (prototype / "index.html").read_text()
    assert get(info.url + "style.css")[0] == 200
    assert get(info.url + "nope.html")[0] == 404
    assert get(info.url + "%2e%2e/appspec.yaml")[0] == 404
    assert get(info.url + "..%2fappspec.yaml")[0] == 404


def test_the_version_changes_when_the_prototype_is_regenerated(served, tmp_path):
    _, info = served
    before = get(info.url + VERSION_PATH.lstrip("/"))[1]
    page = tmp_path / "shop" / "prototype" / "cart.html"
    time.sleep(0.01)
    page.write_text(page.read_text().replace("Cart", "Basket"))
    after = get(info.url + VERSION_PATH.lstrip("/"))[1]
    assert before and after != before


def test_a_port_in_use_is_replaced_and_said(shop, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = PreviewServer(tmp_path / "shop" / "prototype", port).start()
        try:
            assert server.port != port and f"port {port} is in use" in server.note
            assert get(server.url)[0] == 200
        finally:
            server.stop()


def test_no_prototype_names_the_phase_that_makes_it(store, tmp_path, cli, monkeypatch):
    from .conftest import build

    build(store, "idea", "blog", tmp_path / "idea", until="requirements")
    monkeypatch.chdir(tmp_path / "idea")
    code, out, err = cli("preview", "--no-open")
    assert code == 4 and out == ""
    assert "no prototype yet" in err and "bmadgen phase run prototype" in err
    code, _, err = cli("preview", "--app", "--no-open")
    assert code == 4 and "bmadgen generate" in err
    assert cli("preview", "--port", "70000", "--no-open")[0] in (3, 4)


def test_the_command_prints_the_url_and_serves_until_stopped(shop, tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "bmadgen", "preview", "--no-open"],
                               cwd=tmp_path / "shop", stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert get(url + "catalog.html")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_in_chromium_every_link_works_and_nothing_leaves_127001(served, browser):
    _, info = served
    browser.goto(info.url)
    assert browser.js("document.title").startswith("Home")
    hrefs = browser.js("[...document.querySelectorAll('nav a')].map(a => a.href)")
    assert sorted(h.rsplit("/", 1)[1] for h in hrefs) == sorted(PAGES)
    requested = list(browser.requested_urls())
    for href in hrefs:
        browser.goto(href)
        requested += browser.requested_urls()
        assert browser.js("document.querySelector('h1') !== null")
        assert browser.js("location.href") == href
        status = browser.js(f"fetch({href!r}).then(r => r.status)")
        assert status == 200
    # data: URLs (Chromium's own date-picker icon) are not requests to anywhere.
    outside = [u for u in requested if not u.startswith((info.url, "data:"))]
    assert requested and not outside, outside


def test_in_chromium_forms_carry_the_constraints_and_take_a_decimal_price(served, browser):
    _, info = served
    browser.goto(info.url + "catalog.html")
    fields = browser.js(
        "[...document.querySelectorAll('#new-product [name]')].map(e => ({name: e.name, "
        "tag: e.tagName, type: e.type, step: e.step, min: e.min, max: e.max, "
        "maxLength: e.maxLength, required: e.required}))")
    by_name = {f["name"]: f for f in fields}
    assert list(by_name) == ["title", "price", "stock", "status", "category_id"]
    assert by_name["title"]["maxLength"] == 200 and by_name["title"]["required"]
    assert by_name["price"]["type"] == "number" and by_name["price"]["step"] == "0.01"
    assert by_name["price"]["min"] == "0"
    assert by_name["stock"]["step"] == "1"
    assert by_name["category_id"]["tag"] == "SELECT" and not by_name["category_id"]["required"]
    valid = browser.js(
        "(() => { const f = document.querySelector('#new-product');"
        "f.title.value = 'A book'; f.price.value = '12.34'; f.stock.value = '3';"
        "return [f.price.validity.valid, f.checkValidity()]; })()")
    assert valid == [True, True]
    invalid = browser.js(
        "(() => { const p = document.querySelector('#new-product [name=price]');"
        "p.value = '-1'; const low = p.validity.valid; p.value = '1.234';"
        "return [low, p.validity.valid]; })()")
    assert invalid == [False, False]
    browser.goto(info.url + "cart.html")
    assert browser.js("(() => { const q = document.querySelector('#new-cart_item "
                      "[name=quantity]'); return [q.min, q.max, q.step]; })()") == ["1", "99",
                                                                                     "1"]


def test_in_chromium_an_open_page_reloads_when_the_prototype_changes(served, browser,
                                                                      tmp_path):
    _, info = served
    browser.goto(info.url + "cart.html")
    page = tmp_path / "shop" / "prototype" / "cart.html"
    page.write_text(page.read_text().replace("<h1>Cart</h1>", "<h1>Basket</h1>"))
    browser.wait_for("Page.loadEventFired", timeout=10)
    assert browser.js("document.querySelector('h1').textContent") == "Basket"


def test_shots_writes_a_png_per_page_and_the_export_embeds_them(shop, tmp_path, cli):
    need_chromium()
    code, out, err = cli("preview", "--shots")
    assert code == 0, err
    shots = tmp_path / "shop" / "prototype" / "shots"
    assert sorted(p.name for p in shots.iterdir()) == sorted(
        p.replace(".html", ".png") for p in PAGES)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in shots.iterdir())
    assert out.splitlines()[0] == "prototype/shots/index.png"
    code, html, _ = cli("export", "docs", "-f", "html")
    assert html.count("data:image/png;base64,") == len(PAGES)


def test_app_runs_the_generated_application_and_prints_its_url(shop, tmp_path, cli):
    pytest.importorskip("uvicorn")
    assert cli("generate")[0] == 0
    process = subprocess.Popen([sys.executable, "-m", "bmadgen", "preview", "--app",
                                "--no-open"], cwd=tmp_path / "shop", stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip()  # printed once the app answers
        assert url.startswith("http://127.0.0.1:") and url.endswith("/docs")
        assert get(url)[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as probe:  # stopping the command stopped the application too
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_in_chromium_every_form_shows_every_field_with_the_specs_constraints(served, browser,
                                                                             tmp_path):
    import yaml

    _, info = served
    spec = yaml.safe_load((tmp_path / "shop" / "appspec.yaml").read_text())
    checked = 0
    for feature in spec["features"]:
        browser.goto(f"{info.url}{feature['name']}.html")
        for entity in feature["entities"]:
            for form in (f"new-{entity['name']}", f"edit-{entity['name']}"):
                shown = browser.js(
                    f"[...document.querySelectorAll('#{form} [name]')].map(e => ({{"
                    "name: e.name, tag: e.tagName, type: e.type, step: e.step, min: e.min, "
                    "max: e.max, maxLength: e.maxLength, required: e.required, "
                    "visible: e.offsetParent !== null}))")
                by_name = {f["name"]: f for f in shown}
                assert list(by_name) == [f["name"] for f in entity["fields"]], form
                for field in entity["fields"]:
                    got = by_name[field["name"]]
                    assert got["visible"], (form, field["name"])
                    if field["type"] != "bool":
                        assert got["required"] == (not field["optional"]), (form, field)
                    if field["max_length"] and field["type"] in ("str", "text"):
                        assert got["maxLength"] == field["max_length"], (form, field)
                    if field["type"] in ("int", "float"):
                        assert got["type"] == "number"
                        assert got["step"] in ("1", "0.01", "any")
                        assert got["step"] != "1" or field["type"] == "int"
                        for bound in ("min", "max"):
                            if field[bound] is not None:
                                assert float(got[bound]) == field[bound], (form, field)
                    if field["type"] in ("enum", "ref"):
                        assert got["tag"] == "SELECT", (form, field)
                    checked += 1
    fields = sum(len(e["fields"]) for f in spec["features"] for e in f["entities"])
    assert checked == 2 * fields and fields >= 15  # every field, in both forms
