"""`bmadgen export stories`: the ecommerce example's stories in GitHub's, Jira's and Linear's
import formats, checked against each tracker's documented columns and required fields."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from bmadgen.share import stories

# The ecommerce example's PRD: 4 epics, 6 stories, 2 acceptance criteria each.
EPICS = {"1": "Catalog", "2": "Cart", "3": "Orders", "4": "Customers"}
STORY_IDS = ["1.1", "1.2", "2.1", "3.1", "3.2", "4.1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def prd_stories(folder):
    return stories.parse_prd((folder / "docs" / "prd.md").read_text())


def test_the_prd_is_read_as_epics_and_stories_with_their_criteria(shop, tmp_path):
    epics = prd_stories(tmp_path / "shop")
    assert {e.number: e.title for e in epics} == EPICS
    assert [s.id for e in epics for s in e.stories] == STORY_IDS
    assert [e.slice for e in epics] == ["catalog", "cart", "orders", "customers"]
    first = epics[0].stories[0]
    assert first.requirement == "FR1"
    assert first.acceptance_criteria == ["Only products with status published are listed",
                                         ("Filtering by a category shows only that category's "
                                          "products")]


def test_github_is_a_list_of_rest_create_issue_bodies(shop, tmp_path, cli):
    code, out, _ = cli("export", "stories", "--format", "github")
    assert code == 0
    issues = json.loads(out)
    assert len(issues) == len(STORY_IDS)
    criteria = [c for e in prd_stories(tmp_path / "shop") for s in e.stories
                for c in s.acceptance_criteria]
    for issue in issues:
        # POST /repos/{owner}/{repo}/issues: title required; body, labels (strings) optional.
        assert set(issue) <= {"title", "body", "labels", "assignees", "milestone"}
        assert isinstance(issue["title"], str) and issue["title"].strip()
        assert all(isinstance(label, str) and "," not in label for label in issue["labels"])
        assert any(label.startswith("epic-") for label in issue["labels"])
    bodies = "\n".join(issue["body"] for issue in issues)
    assert all(f"- [ ] {criterion}" in bodies for criterion in criteria)
    assert [i["title"].split()[0] for i in issues] == STORY_IDS


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    assert "\r\n" in text  # RFC 4180 line ends; newlines inside cells stay inside quotes
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def test_jira_csv_has_summary_and_parents_before_children(shop, tmp_path, cli):
    target = tmp_path / "jira.csv"
    code, _, err = cli("export", "stories", "--format", "jira-csv", "-o", str(target))
    assert code == 0 and "6 stories" in err
    header, rows = read_csv(target.read_bytes().decode("utf-8"))
    assert "Summary" in header  # the one column Jira's importer requires
    assert all(re.fullmatch(r"[A-Za-z ]+", name) for name in header)  # no punctuation
    assert {"Issue ID", "Issue Type", "Description", "Parent"} <= set(header)
    assert all(row["Summary"].strip() for row in rows)
    kinds = [row["Issue Type"] for row in rows]
    assert kinds == ["Epic"] * 4 + ["Story"] * 6  # parents first, as the importer needs
    epic_ids = {row["Issue ID"] for row in rows if row["Issue Type"] == "Epic"}
    story_rows = [row for row in rows if row["Issue Type"] == "Story"]
    assert all(row["Parent"] in epic_ids for row in story_rows)
    assert len({row["Issue ID"] for row in rows}) == len(rows)
    assert "A product cannot be saved with a negative price or stock" in story_rows[1][
        "Description"]
    assert all(" " not in row["Labels"] for row in rows)  # Jira splits labels on spaces


def test_linear_csv_has_the_importers_columns(shop, tmp_path, cli):
    code, out, _ = cli("export", "stories", "--format", "linear-csv")
    assert code == 0
    header, rows = read_csv(out)
    assert header == ["Title", "Description", "Status", "Priority", "Labels", "Estimate"]
    assert len(rows) == len(STORY_IDS)
    assert all(row["Title"].strip() for row in rows)
    assert all(row["Priority"] in ("No priority", "Urgent", "High", "Medium", "Low")
               for row in rows)
    labels = rows[2]["Labels"].split(", ")  # the importer splits on ", "
    assert labels == ["story", "epic-cart"]
    assert "Quantity must be between 1 and 99" in rows[2]["Description"]


HOSTILE_PRD = """# Shop

## Epics and Stories

### Epic 1: Sales, "quoted", and more

Slice: `sales`.

#### Story 1.1: =HYPERLINK("http://evil.example","click")

=cmd|' /C calc'!A0 as a clerk, I want commas, "quotes" and
newlines, so that nothing breaks.

Requirement: FR1

Acceptance criteria:

1. +SUM(A1:A9) is shown as text
2. @cmd, -1 and "quoted" text survive
"""


@pytest.mark.parametrize("fmt", ["jira-csv", "linear-csv"])
def test_csv_quotes_user_text_and_disarms_formulas(fmt):
    epics = stories.parse_prd(HOSTILE_PRD)
    text = stories.render(epics, fmt)
    _, rows = read_csv(text)
    cells = [cell for row in rows for cell in row.values()]
    assert not any(cell.startswith(FORMULA_START) for cell in cells)
    title_column = "Summary" if fmt == "jira-csv" else "Title"
    story = rows[-1]
    assert story[title_column] == "1.1 =HYPERLINK(\"http://evil.example\",\"click\")"
    assert story["Description"].startswith("'=cmd|' /C calc'!A0 as a clerk")
    assert "commas, \"quotes\" and\nnewlines" in story["Description"]
    assert "- [ ] +SUM(A1:A9) is shown as text" in story["Description"]
    assert "- [ ] @cmd, -1 and \"quoted\" text survive" in story["Description"]


def test_a_cell_starting_like_a_formula_gets_an_apostrophe():
    assert stories.safe_cell("=1+1") == "'=1+1"
    assert stories.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert stories.safe_cell("-2") == "'-2"
    assert stories.safe_cell("plain, text") == "plain, text"


def test_unknown_format_no_prd_and_a_folder_are_one_line_errors(shop, tmp_path, cli,
                                                              monkeypatch):
    target = tmp_path / "out.csv"
    code, out, err = cli("export", "stories", "--format", "trello", "-o", str(target))
    assert code == 3 and "github, jira-csv, linear-csv" in err and len(err.splitlines()) == 1
    assert not target.exists() and out == ""
    code, _, err = cli("export", "stories", "--format", "github", "-o", str(tmp_path))
    assert code == 3 and "folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop"]  # nothing half-written
    (tmp_path / "shop" / "docs" / "prd.md").unlink()
    code, _, err = cli("export", "stories", "--format", "github")
    assert code == 4 and "bmadgen phase run requirements" in err


def test_an_unwritable_folder_leaves_the_old_file(shop, tmp_path, cli):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "s.csv").write_text("old")
    folder.chmod(0o500)
    try:
        code, _, _ = cli("export", "stories", "-f", "jira-csv", "-o", str(folder / "s.csv"))
    finally:
        folder.chmod(0o700)
    assert code != 0 and (folder / "s.csv").read_text() == "old"


def test_a_place_nothing_can_be_written_is_one_line_and_writes_nothing(shop, cli):
    from pathlib import Path

    if not Path("/proc/self").is_dir():
        pytest.skip("needs Linux /proc")
    code, out, err = cli("export", "stories", "-f", "github", "-o", "/proc/stories.json")
    assert code == 3 and out == "" and len(err.splitlines()) == 1
    assert "cannot write /proc/stories.json" in err
    code, _, err = cli("export", "docs", "-f", "html", "-o", "/dev/full")
    assert code == 3 and "a device" in err
