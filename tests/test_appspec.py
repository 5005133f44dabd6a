"""The app spec: the contract between the architecture phase and generation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bmadgen import appspec
from bmadgen.errors import InvalidInput

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ecommerce.appspec.yaml"


def _example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def test_example_spec_loads_and_dumps_deterministically() -> None:
    spec = appspec.load(EXAMPLE)
    assert [f.name for f in spec.features] == ["catalog", "orders"]
    assert appspec.dump(spec) == appspec.dump(appspec.parse(yaml.safe_load(appspec.dump(spec))))


def test_every_problem_is_listed_with_its_path_in_one_pass() -> None:
    data = _example()
    data["features"][0]["entities"][1]["fields"][5]["ref"] = "nope"
    data["features"][1]["entities"][0]["fields"].append({"name": "class", "type": "blob"})
    data["features"][1]["entities"][0]["fields"].append({"name": "total", "type": "int"})
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    details = info.value.details
    assert "features[1].entities[0].fields[5].name: field name 'class' is a Python keyword" in details
    assert any(d.startswith("features[1].entities[0].fields[5].type:") for d in details)
    assert "features[0].entities[1].fields[5].ref: references missing entity 'nope'" in details
    assert "features[1].entities[0].fields[6].name: duplicate field 'total'" in details


def test_cross_references_are_checked_when_fields_are_valid() -> None:
    data = _example()
    data["features"][1]["entities"][0]["fields"][4]["ref"] = "ghost"
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert any("references missing entity 'ghost'" in d for d in info.value.details)


@pytest.mark.parametrize("bad", [[], "a string", None, 3])
def test_a_spec_that_is_not_a_mapping_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput, match="must be a mapping"):
        appspec.parse(bad)


def test_a_missing_file_and_broken_yaml_are_clear_errors(tmp_path: Path) -> None:
    from bmadgen.errors import NotFound

    with pytest.raises(NotFound, match="no app spec"):
        appspec.load(tmp_path / "appspec.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("features: [\n")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        appspec.load(broken)


def test_names_are_checked_with_their_path_and_the_spec_limit() -> None:
    data = _example()
    data["name"] = "My Shop"
    data["features"][0]["entities"][0]["name"] = "c" * 41
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    details = info.value.details
    assert ("name: app name 'My Shop' is not valid: use lowercase letters, digits and "
            "underscores, starting with a letter") in details
    assert f"features[0].entities[0].name: entity name '{'c' * 41}' is longer than 40 characters" in details


def test_a_new_feature_gets_one_entity_named_in_the_singular() -> None:
    spec = appspec.load(EXAMPLE)
    new = appspec.with_feature(spec, "boxes", title="Boxes")
    feature = new.feature("boxes")
    assert (feature.title, [e.name for e in feature.entities]) == ("Boxes", ["box"])
    assert [(f.name, f.type, f.optional) for f in feature.entities[0].fields] == [
        ("name", "str", False), ("description", "text", True)]
    assert new.features[:-1] == spec.features
    assert [f.name for f in spec.features] == ["catalog", "orders"]  # the original is untouched


def test_a_new_feature_takes_fields_in_the_command_line_syntax() -> None:
    spec = appspec.load(EXAMPLE)
    new = appspec.with_feature(spec, "reviews", entity="critique", fields=[
        "body:text", "note:str?", "mood:enum=happy|sad", "product_id:ref=product"])
    fields = {f.name: f for f in new.feature("reviews").entities[0].fields}
    assert new.feature("reviews").entities[0].name == "critique"
    assert fields["note"].optional and not fields["body"].optional
    assert fields["mood"].values == ["happy", "sad"]
    assert fields["product_id"].ref == "product"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["title"], ("field 'title' must look like name:type (types: str, text, int, float, "
                     "bool, date, datetime, enum, ref)")),
        (["x:str=abc"], "field 'x:str=abc': only enum and ref fields take '=...'"),
        (["title:money"], "app spec with the new slice is invalid"),
        (["owner_id:ref=ghost"], "app spec with the new slice is invalid"),
    ],
)
def test_bad_fields_for_a_new_feature_are_refused(fields: list[str], message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        appspec.with_feature(appspec.load(EXAMPLE), "reviews", fields=fields)
    assert info.value.message.startswith(message)


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("reviews", []),
        ("orders", ["slice 'orders' already exists in the app spec"]),
        ("shared", ["slice name 'shared' is reserved"]),
        ("match", ["slice name 'match' is a Python keyword"]),
        ("x" * 25, [f"slice name '{'x' * 25}' is longer than 24 characters"]),
        ("../x", [("slice name '../x' is not valid: use lowercase letters, digits and "
                   "underscores, starting with a letter")]),
    ],
)
def test_new_feature_names_list_every_problem(name: str, problems: list[str]) -> None:
    spec = appspec.load(EXAMPLE)
    assert appspec.new_feature_problems(spec, name, max_len=24) == problems


def test_removing_a_feature_keeps_the_rest_and_never_the_last() -> None:
    from bmadgen.errors import NotFound

    spec = appspec.load(EXAMPLE)
    alone = appspec.without_feature(spec, "orders")
    assert [f.name for f in alone.features] == ["catalog"]
    with pytest.raises(NotFound, match="no feature 'nope'"):
        appspec.without_feature(spec, "nope")
    with pytest.raises(InvalidInput, match="cannot remove 'catalog': an app needs at least one slice"):
        appspec.without_feature(alone, "catalog")


def test_removing_a_feature_another_one_references_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        appspec.without_feature(appspec.load(EXAMPLE), "catalog")
    assert info.value.message.startswith("app spec without the slice is invalid")
    assert any("references missing entity 'product'" in d for d in info.value.details)
