"""The prototype closer to a product: realistic sample values, constraints on every input,
reference pickers, detail and edit views, still plain files with no network."""

from __future__ import annotations

import re


def page(tmp_path, name: str) -> str:
    return (tmp_path / "shop" / "prototype" / name).read_text()


def test_sample_values_look_like_their_fields(shop, tmp_path):
    catalog, orders, customers = (page(tmp_path, n) for n in
                                  ("catalog.html", "orders.html", "customers.html"))
    prices = re.findall(r'name="price"[^>]*value="([^"]+)"', catalog)
    assert prices and all(re.fullmatch(r"\d+\.\d\d", p) for p in prices)
    assert re.search(r"<td>[a-z]+\d@example\.com</td>", orders)  # customer_email
    assert re.search(r"<td>[a-z]+\d@example\.com</td>", customers)  # email
    assert "<td>Alex Morgan</td>" in customers  # full_name
    assert "email 1" not in customers and "full name 1" not in customers


def test_references_are_pickers_and_every_entity_has_detail_and_edit_views(shop, tmp_path):
    cart = page(tmp_path, "cart.html")
    picker = re.search(r'<select name="product_id"[^>]*>(.*?)</select>', cart).group(1)
    assert '<option value="1">product 1</option>' in picker
    for entity in ("cart_item",):
        assert f'id="view-{entity}"' in cart and f'id="edit-{entity}"' in cart
        assert f'href="#edit-{entity}"' in cart and f'href="#view-{entity}"' in cart
    edit = cart.split('id="edit-cart_item"', 1)[1].split("</form>", 1)[0]
    assert 'name="quantity" step="1" min="1" max="99" required value="' in edit


def test_the_prototype_checklist_still_passes(shop, store):
    from bmadgen.workflow import state

    checklist = state.get(store, shop.id, "prototype").checklist
    assert {item["id"]: item["status"] for item in checklist["items"]} == {
        "sections-filled": "PASS", "screen-per-feature": "PASS", "offline": "PASS",
        "links": "PASS"}
