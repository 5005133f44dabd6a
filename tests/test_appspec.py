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

