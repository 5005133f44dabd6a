"""Safe regeneration: user edits survive, template changes arrive, clashes are conflicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bmadgen.errors import Conflict
from bmadgen.generate import service
from bmadgen.generate.stack import stacks_root

from .conftest import commit_count, git, tree

READ_LINE = "    item = services.get_{{ entity.name }}(session, item_id)\n"


def _stack_copy(tmp_path: Path) -> Path:
    stacks = tmp_path / "stacks"
    shutil.copytree(stacks_root() / "fastapi", stacks / "fastapi")
    return stacks


def _edit_template(stacks: Path, old: str, new: str) -> None:
    path = stacks / "fastapi/slice/app/features/{{ feature.name }}/api.py.jinja"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _edit(project: Path, relpath: str, old: str, new: str) -> None:
    path = project / relpath
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    git(project, "commit", "-qam", f"edit {relpath}")


API = "app/features/catalog/api.py"


def test_regen_keeps_a_user_edit_to_a_route(generated_shop: Path) -> None:
    _edit(generated_shop, API, "    item = services.get_product(session, item_id)\n",
          "    item = services.get_product(session, item_id)  # audited by me\n")
    result = service.regen_slice(generated_shop, "catalog")
    assert "# audited by me" in (generated_shop / API).read_text()
    assert API in result.kept
    assert git(generated_shop, "status", "--porcelain") == ""


def test_template_change_arrives_and_user_edit_survives(generated_shop: Path, tmp_path: Path) -> None:
    stacks = _stack_copy(tmp_path)
    _edit(generated_shop, API, '    return answer\n\n\n@router.put',
          '    return answer  # mine\n\n\n@router.put')
    _edit_template(stacks, "def list_{{ entity.plural }}(\n",
                   "def list_{{ entity.plural }}(  # noqa: D103\n")
    other = tree(generated_shop)
    commits = commit_count(generated_shop)
    result = service.regen_slice(generated_shop, "catalog", templates_root=stacks)
    text = (generated_shop / API).read_text()
    assert "# mine" in text and "def list_products(  # noqa: D103" in text
    assert API in [c.path for c in result.changes if c.action == "merged"]
    assert commit_count(generated_shop) == commits + 1
    after = tree(generated_shop)
    for path, content in other.items():  # other slices and the skeleton: byte-identical
        if not path.startswith(("app/features/catalog/", ".bmadgen/generated/slices/catalog")):
            assert after[path] == content, path
    # Untouched files of the slice simply take the new template output.
    assert "# noqa: D103" in (generated_shop / "app/features/catalog/api.py").read_text()


def test_template_change_on_the_same_lines_is_a_reported_conflict(
    generated_shop: Path, tmp_path: Path
) -> None:
    stacks = _stack_copy(tmp_path)
    _edit(generated_shop, API, "    item = services.get_product(session, item_id)\n",
          "    item = services.get_product(session, item_id)  # mine\n")
    _edit_template(stacks, READ_LINE, READ_LINE.rstrip("\n") + "  # theirs\n")
    commits = commit_count(generated_shop)
    with pytest.raises(Conflict) as caught:
        service.regen_slice(generated_shop, "catalog", templates_root=stacks)
    assert caught.value.details == [API]
    text = (generated_shop / API).read_text()
    assert "<<<<<<< yours" in text and ">>>>>>> generated now" in text
    assert "# mine" in text and "# theirs" in text  # nothing lost
    assert commit_count(generated_shop) == commits  # the user resolves and commits
    # Until the markers are resolved, regeneration refuses to merge over them.
    with pytest.raises(Conflict, match="resolve the conflict markers"):
        service.regen_slice(generated_shop, "catalog", templates_root=stacks)
    resolved = text.replace("<<<<<<< yours\n", "").split("=======\n")
    (generated_shop / API).write_text(resolved[0] + resolved[1].split(">>>>>>> generated now\n", 1)[1])
    git(generated_shop, "commit", "-qam", "resolve")
    again = service.regen_slice(generated_shop, "catalog", templates_root=stacks)
    assert again.conflicted == [] and API in again.kept


def test_regen_of_one_slice_leaves_the_others_byte_identical(generated_shop: Path) -> None:
    (generated_shop / "app/features/orders/services.py").unlink()
    before = tree(generated_shop)
    result = service.regen_slice(generated_shop, "orders")
    after = tree(generated_shop)
    assert result.written == ["app/features/orders/services.py"]
    assert {p for p in after if after[p] != before.get(p)} == {"app/features/orders/services.py"}


def test_add_then_diff_then_remove_a_slice(generated_shop: Path) -> None:
    commits = commit_count(generated_shop)
    result = service.add_slice(generated_shop, "reviews", fields=["body:text", "stars:int",
                                                                  "product_id:ref=product",
                                                                  "mood:enum=happy|sad",
                                                                  "note:str?"])
    assert commit_count(generated_shop) == commits + 1
    assert "reviews" in (generated_shop / "appspec.yaml").read_text()
    assert "reviews_api.router" in (generated_shop / "app/main.py").read_text()
    assert "app/features/reviews/services.py" in result.written
    assert [s.name for s in service.list_slices(generated_shop)] == ["catalog", "orders", "reviews"]

    assert service.diff_slice(generated_shop, "reviews").files == []
    _edit(generated_shop, "app/features/reviews/ui.py", 'TITLE = "Reviews"', 'TITLE = "Notes"')
    diff = service.diff_slice(generated_shop, "reviews")
    assert diff.files == ["app/features/reviews/ui.py"]
    assert '-TITLE = "Reviews"\n+TITLE = "Notes"\n' in diff.diff
    info = {s.name: s for s in service.list_slices(generated_shop)}["reviews"]
    assert info.modified == ["app/features/reviews/ui.py"]

    with pytest.raises(Conflict):
        service.remove_slice(generated_shop, "reviews")
    _edit(generated_shop, "app/features/reviews/ui.py", 'TITLE = "Notes"', 'TITLE = "Reviews"')
    commits = commit_count(generated_shop)
    service.remove_slice(generated_shop, "reviews")
    assert commit_count(generated_shop) == commits + 1
    assert not (generated_shop / "app/features/reviews").exists()
    assert "reviews" not in (generated_shop / "app/main.py").read_text()
    assert not (generated_shop / ".bmadgen/generated/slices/reviews.json").exists()
    assert git(generated_shop, "status", "--porcelain") == ""


def test_a_slice_added_by_its_plural_gets_the_singular_entity_and_its_route(
    generated_shop: Path,
) -> None:
    service.add_slice(generated_shop, "quizzes")
    info = {s.name: s for s in service.list_slices(generated_shop)}["quizzes"]
    assert (info.entities, info.routes) == (["quiz"], ["/quizzes"])
    assert "def list_quizzes(" in (generated_shop / "app/features/quizzes/api.py").read_text()


def test_removing_a_feature_from_the_spec_removes_its_untouched_files(generated_shop: Path) -> None:
    import yaml

    data = yaml.safe_load((generated_shop / "appspec.yaml").read_text())
    data["features"] = [f for f in data["features"] if f["name"] != "orders"]
    (generated_shop / "appspec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = service.generate_app(generated_shop)
    assert "app/features/orders/api.py" in result.deleted
    assert not (generated_shop / "app/features/orders").exists()
    # The spec change that caused it is part of the same, single commit.
    assert git(generated_shop, "status", "--porcelain") == ""
    assert "appspec.yaml" in git(generated_shop, "show", "--name-only", "--format=", "HEAD")


def test_regen_of_a_slice_added_to_the_spec_by_hand_also_mounts_it(generated_shop: Path) -> None:
    import yaml

    data = yaml.safe_load((generated_shop / "appspec.yaml").read_text())
    data["features"].append({"name": "coupons", "entities": [
        {"name": "coupon", "fields": [{"name": "code", "type": "str", "unique": True}]}]})
    (generated_shop / "appspec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    result = service.regen_slice(generated_shop, "coupons")
    assert "app/features/coupons/api.py" in result.written
    assert "coupons_api.router" in (generated_shop / "app/main.py").read_text()
