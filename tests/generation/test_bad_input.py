"""Bad slice names and bad app specs: every problem listed, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bmadgen.errors import BmadgenError, Conflict, InvalidInput, NotFound
from bmadgen.generate import service

from .conftest import commit_count, tree


@pytest.mark.parametrize(
    "name",
    ["Orders2", "2fast", "with-dash", "class", "match", "../x", "/abs/path", "a/b", "", "orders",
     "catalog", "shared", "x" * 25],
)
def test_bad_slice_names_are_refused_and_nothing_is_written(generated_shop: Path, name: str) -> None:
    before, commits = tree(generated_shop), commit_count(generated_shop)
    with pytest.raises(InvalidInput):
        service.add_slice(generated_shop, name)
    assert tree(generated_shop) == before
    assert commit_count(generated_shop) == commits


def test_a_folder_already_in_the_tree_blocks_the_name(generated_shop: Path) -> None:
    (generated_shop / "app/features/reviews").mkdir()
    with pytest.raises(InvalidInput, match="reviews") as caught:
        service.add_slice(generated_shop, "reviews")
    assert "already exists in the project" in caught.value.one_line()


def test_a_symlink_pointing_outside_is_never_written_through(generated_shop: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    slice_dir = generated_shop / "app/features/orders"
    for path in sorted(slice_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    slice_dir.rmdir()
    os.symlink(outside, slice_dir)
    with pytest.raises(InvalidInput) as caught:
        service.regen_slice(generated_shop, "orders")
    assert any("symlink pointing outside" in d for d in caught.value.details)
    assert list(outside.iterdir()) == []
    with pytest.raises(InvalidInput):
        service.generate_app(generated_shop)
    assert list(outside.iterdir()) == []


def test_unknown_slices_are_not_found(generated_shop: Path) -> None:
    for call in (service.regen_slice, service.remove_slice, service.diff_slice):
        with pytest.raises(NotFound):
            call(generated_shop, "nope")


def _write_spec(project: Path, data: dict) -> None:
    (project / "appspec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def test_spec_problems_are_all_listed_and_nothing_is_written(shop: Path) -> None:
    data = yaml.safe_load((shop / "appspec.yaml").read_text())
    entities = data["features"][0]["entities"]
    entities[1]["fields"].append({"name": "supplier_id", "type": "ref", "ref": "supplier"})
    entities[0]["fields"].append({"name": "name", "type": "str"})  # duplicate field
    entities[1]["fields"].append({"name": "weight", "type": "decimal"})  # unsupported type
    data["features"][1]["entities"][0]["fields"].append({"name": "id", "type": "int"})  # reserved
    _write_spec(shop, data)
    before = tree(shop)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(shop)
    text = caught.value.one_line()
    for fragment in ("duplicate field 'name'", "fields[8].type", "'id' is reserved"):
        assert fragment in text, fragment
    assert tree(shop) == before


def test_missing_reference_is_reported(shop: Path) -> None:
    data = yaml.safe_load((shop / "appspec.yaml").read_text())
    data["features"][1]["entities"][0]["fields"].append(
        {"name": "coupon_id", "type": "ref", "ref": "coupon"})
    _write_spec(shop, data)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(shop)
    assert "missing entity 'coupon'" in caught.value.one_line()


def test_names_the_stack_reserves_are_all_listed(shop: Path) -> None:
    data = yaml.safe_load((shop / "appspec.yaml").read_text())
    fields = data["features"][1]["entities"][0]["fields"]
    fields += [{"name": "limit", "type": "int"}, {"name": "model_name", "type": "str"},
               {"name": "a_very_long_field_name_over_limit", "type": "int"}]
    data["features"][1]["endpoints"] = [
        {"method": "GET", "path": "/health", "entity": "order", "action": "list"}]
    _write_spec(shop, data)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(shop)
    details = caught.value.details
    assert len(details) == 4, details
    assert not (shop / "app").exists()


def test_missing_spec_and_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        service.generate_app(tmp_path / "nowhere")
    tmp_path.joinpath("empty").mkdir()
    with pytest.raises(NotFound, match="no app spec"):
        service.generate_app(tmp_path / "empty")


def test_bad_field_definitions_for_slice_add(generated_shop: Path) -> None:
    for bad in (["title"], ["title:currency"], ["kind:enum="], ["x:str=abc"]):
        with pytest.raises(BmadgenError):
            service.add_slice(generated_shop, "reviews", fields=bad)
    assert not (generated_shop / "app/features/reviews").exists()


def test_removing_a_slice_with_your_edits_needs_force(generated_shop: Path) -> None:
    services_py = generated_shop / "app/features/orders/services.py"
    services_py.write_text(services_py.read_text() + "\n# mine\n")
    (generated_shop / "app/features/orders/extra.py").write_text("VALUE = 1\n")
    with pytest.raises(Conflict) as caught:
        service.remove_slice(generated_shop, "orders")
    assert caught.value.details == [
        "app/features/orders/extra.py", "app/features/orders/services.py"]
    assert services_py.exists()
    result = service.remove_slice(generated_shop, "orders", force=True)
    assert not (generated_shop / "app/features/orders").exists()
    assert "app/features/orders/extra.py" in result.deleted


def test_entity_names_that_clash_with_the_stack_are_listed(shop: Path) -> None:
    data = yaml.safe_load((shop / "appspec.yaml").read_text())
    data["features"][1]["entities"].append({"name": "session", "fields": [{"name": "x", "type": "int"}]})
    data["features"][1]["entities"].append({"name": "page", "fields": [{"name": "x", "type": "int"}]})
    data["features"].append({"name": "render", "entities": [
        {"name": "base", "fields": [{"name": "x", "type": "int"}]}]})
    _write_spec(shop, data)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(shop)
    text = " ".join(caught.value.details)
    for fragment in ("class Session", "class Page ", "class Base ", "render: slice name"):
        assert fragment in text, fragment


def test_slice_add_through_a_symlinked_features_folder_is_refused(
    generated_shop: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (generated_shop / "app/features").rename(outside)
    os.symlink(outside, generated_shop / "app/features")
    before = sorted(p.name for p in outside.iterdir())
    with pytest.raises(InvalidInput) as caught:
        service.add_slice(generated_shop, "reviews")
    assert any("app/features: is a symlink pointing outside" in d for d in caught.value.details)
    assert sorted(p.name for p in outside.iterdir()) == before
    assert "reviews" not in (generated_shop / "appspec.yaml").read_text()
