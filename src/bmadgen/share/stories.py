"""The epics and stories of a PRD, and the same stories in a tracker's import format.

The PRD (`docs/prd.md`) is the source: `### Epic N: Title` with a description naming its
slice, then `#### Story N.M: Title` with the narrative, `Requirement: FRn` and a numbered
`Acceptance criteria:` list. A person may edit it; whatever is under those headings is taken
as written (model and user text is data, rendered with each format's own quoting).

Formats (sources in docs/sharing.md):
- github: a JSON list of GitHub REST "create an issue" bodies (`title` required, `body`,
  `labels`), one per story, labelled with its epic.
- jira-csv: Jira's CSV importer: a header row with a `Summary` column (required), `Issue
  ID`, `Issue Type`, `Description`, `Labels`, `Parent`; epics first, each story's `Parent`
  is its epic's `Issue ID` (Atlassian's parent-child mapping).
- linear-csv: the columns of Linear's CSV importer (`Title`, `Description`, `Status`,
  `Priority`, `Labels` joined by ", ", `Estimate`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Literal

from pydantic import BaseModel

from bmadgen.errors import InvalidInput

StoryFormat = Literal["github", "jira-csv", "linear-csv"]
FORMATS: tuple[str, ...] = ("github", "jira-csv", "linear-csv")

JIRA_COLUMNS = ("Issue ID", "Issue Type", "Summary", "Description", "Labels", "Parent")
LINEAR_COLUMNS = ("Title", "Description", "Status", "Priority", "Labels", "Estimate")

_EPIC = re.compile(r"^Epic (\d+):\s*(.+)$")
_STORY = re.compile(r"^Story (\d+(?:\.\d+)?):\s*(.+)$")
_SLICE = re.compile(r"Slice: `([^`]+)`")
_REQUIREMENT = re.compile(r"^Requirements?:\s*(.+)$", re.MULTILINE)
_CRITERION = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+(.+)$")
# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): quoted with a leading
# apostrophe, which Linear's importer strips again (it adds the same one to its own exports).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Story(BaseModel):
    id: str
    title: str
    narrative: str = ""
    requirement: str = ""
    acceptance_criteria: list[str] = []


class Epic(BaseModel):
    number: str
    title: str
    description: str = ""
    slice: str = ""
    stories: list[Story] = []


def parse_prd(markdown: str) -> list[Epic]:
    """The epics and stories of a PRD, in order."""
    from bmadgen.agents.checklists import sections  # the one Markdown sectioning the checks use

    epics: list[Epic] = []
    for _level, title, body in sections(markdown):
        epic_match = _EPIC.match(title)
        story_match = _STORY.match(title)
        if epic_match:
            slice_match = _SLICE.search(body)
            epics.append(Epic(number=epic_match.group(1), title=epic_match.group(2).strip(),
                              description=body.strip(),
                              slice=slice_match.group(1) if slice_match else ""))
        elif story_match and epics:
            epics[-1].stories.append(_story(story_match.group(1), story_match.group(2), body))
    return epics


def _story(story_id: str, title: str, body: str) -> Story:
    head, _, criteria_text = body.partition("Acceptance criteria:")
    requirement = _REQUIREMENT.search(head)
    narrative = _REQUIREMENT.sub("", head).strip()
    criteria = [m.group(1).strip() for line in criteria_text.splitlines()
                if (m := _CRITERION.match(line))]
    return Story(id=story_id, title=title.strip(), narrative=narrative,
                 requirement=requirement.group(1).strip() if requirement else "",
                 acceptance_criteria=criteria)


def story_markdown(epic: Epic, story: Story) -> str:
    """A story's description: narrative, requirement, epic, acceptance criteria as a
    checklist (GitHub and Linear render it as tasks; Jira shows the text)."""
    lines = [story.narrative] if story.narrative else []
    facts = [f"Epic {epic.number}: {epic.title}"]
    if story.requirement:
        facts.append(f"Requirement: {story.requirement}")
    lines += ["", *facts]
    if story.acceptance_criteria:
        lines += ["", "Acceptance criteria:", ""]
        lines += [f"- [ ] {criterion}" for criterion in story.acceptance_criteria]
    return "\n".join(lines).strip() + "\n"


def _label(epic: Epic) -> str:
    """One label per epic, without spaces (Jira splits labels on spaces)."""
    name = epic.slice or re.sub(r"[^A-Za-z0-9]+", "-", epic.title).strip("-").lower()
    return f"epic-{name or epic.number}"


def render(epics: list[Epic], fmt: str) -> str:
    if fmt == "github":
        return render_github(epics)
    if fmt == "jira-csv":
        return render_jira(epics)
    if fmt == "linear-csv":
        return render_linear(epics)
    raise InvalidInput(f"unknown tracker format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def render_github(epics: list[Epic]) -> str:
    issues = [{"title": f"{story.id} {story.title}", "body": story_markdown(epic, story),
               "labels": ["story", _label(epic)]}
              for epic in epics for story in epic.stories]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading formula character is quoted."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv(header: tuple[str, ...], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def render_jira(epics: list[Epic]) -> str:
    rows: list[list[str]] = []
    epic_ids = {epic.number: str(index) for index, epic in enumerate(epics, start=1)}
    for epic in epics:  # parents before children, as Jira's importer needs
        rows.append([epic_ids[epic.number], "Epic", f"Epic {epic.number}: {epic.title}",
                     epic.description, _label(epic), ""])
    next_id = len(epics) + 1
    for epic in epics:
        for story in epic.stories:
            rows.append([str(next_id), "Story", f"{story.id} {story.title}",
                         story_markdown(epic, story), _label(epic), epic_ids[epic.number]])
            next_id += 1
    return _csv(JIRA_COLUMNS, rows)


def render_linear(epics: list[Epic]) -> str:
    rows = [[f"{story.id} {story.title}", story_markdown(epic, story), "Backlog",
             "No priority", ", ".join(["story", _label(epic)]), ""]
            for epic in epics for story in epic.stories]
    return _csv(LINEAR_COLUMNS, rows)
