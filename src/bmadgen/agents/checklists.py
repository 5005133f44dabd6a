"""Checklists scored PASS / PARTIAL / FAIL, with the checks code can do done by code.

Checks read the artifacts on disk (the Markdown documents, the prototype, appspec.yaml), the
task refs and the development outcome, not the data the agent meant to write, so a hand edit
that drops a requirement or an acceptance criterion shows up here. Items without a code check
score REVIEW: the person approving the phase looks at them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from bmadgen.definitions import Checklist
from bmadgen.errors import BmadgenError
from bmadgen.outcomes import DevelopmentOutcome, StepOutcome
from bmadgen.tasks import slice_ref

Status = Literal["PASS", "PARTIAL", "FAIL", "REVIEW"]
Score = Literal["PASS", "PARTIAL", "FAIL"]
_HEADING = re.compile(r"^(#{1,6}) (.+)$")
_FR_ROW = re.compile(r"^\|\s*(FR\d+)\s*\|(.*)\|\s*([^|]*?)\s*\|\s*$")
_NFR_ROW = re.compile(r"^\|\s*NFR\d+\s*\|")
_EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)""", re.IGNORECASE)
_LINK = re.compile(r"""href\s*=\s*["']([^"'#]+)["']""", re.IGNORECASE)


class ItemResult(BaseModel):
    id: str
    text: str
    status: Status
    detail: str = ""


class ChecklistResult(BaseModel):
    checklist: str
    score: Score
    items: list[ItemResult]

    @property
    def summary(self) -> str:
        passed = sum(1 for i in self.items if i.status == "PASS")
        checked = sum(1 for i in self.items if i.status != "REVIEW")
        return f"{self.score} ({passed}/{checked} checks pass)"


@dataclass
class CheckContext:
    folder: Path
    documents: list[str]
    feature_names: list[str]
    story_refs: set[str] = field(default_factory=set)
    outcome: DevelopmentOutcome | None = None
    # appspec.yaml parsed once for all the checks that read it (pure-Python YAML is slow)
    raw_spec: dict[str, Any] | None = None


@dataclass(frozen=True)
class Verdict:
    passed: int
    total: int
    detail: str = ""


def share(checked: list[str], failing: list[str], problem: str, *, nothing: str = "") -> Verdict:
    """How many of `checked` pass when `failing` do not; an empty `checked` fails with
    `nothing` when that is given (something had to be there) and passes otherwise."""
    if not checked and nothing:
        return Verdict(0, 1, nothing)
    return Verdict(len(checked) - len(failing), len(checked),
                   f"{problem}: {', '.join(failing)}" if failing else "")


Check = Callable[[CheckContext], Verdict]
CHECKS: dict[str, Check] = {}


def check(fn: Check) -> Check:
    CHECKS[fn.__name__] = fn
    return fn


def score(checklist: Checklist, context: CheckContext) -> ChecklistResult:
    items = []
    for item in checklist.items:
        if item.check is None:
            items.append(ItemResult(id=item.id, text=item.text, status="REVIEW"))
            continue
        verdict = CHECKS[item.check](context)
        items.append(ItemResult(id=item.id, text=item.text, status=_status(verdict),
                                detail=verdict.detail))
    statuses = {i.status for i in items}
    overall: Score = ("FAIL" if "FAIL" in statuses
                      else "PARTIAL" if "PARTIAL" in statuses else "PASS")
    return ChecklistResult(checklist=checklist.id, score=overall, items=items)


def _status(verdict: Verdict) -> Status:
    if verdict.total < 0:
        return "REVIEW"
    if verdict.passed >= verdict.total:
        return "PASS"
    return "PARTIAL" if verdict.passed > 0 else "FAIL"


# ------------------------------------------------------------------ reading Markdown


def sections(markdown: str) -> list[tuple[int, str, str]]:
    """(level, title, body) for every heading, in order; code fences are not headings."""
    out: list[tuple[int, str, list[str]]] = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if match:
            out.append((len(match.group(1)), match.group(2).strip(), []))
        elif out:
            out[-1][2].append(line)
    return [(level, title, "\n".join(body).strip()) for level, title, body in out]


def _read(context: CheckContext, relpath: str) -> str:
    """The file's text, read leniently (a hand edit may leave bytes that are not UTF-8; the
    checks still read what they can). A file that is missing, or refused by the path guard (a
    link out of the project, a device), reads as empty: it is scored, never passed unread."""
    return _read_guarded(context, relpath) or ""


def _read_guarded(context: CheckContext, relpath: str) -> str | None:
    """The file's text (lenient, as `_read`), or None when it is missing or refused."""
    from bmadgen.fsutil import read_project_text

    try:
        return read_project_text(context.folder, relpath, relpath, lenient=True)
    except BmadgenError:
        return None


def _section_body(markdown: str, title: str) -> str:
    return next((body for _, t, body in sections(markdown) if t == title), "")


def _fr_rows(context: CheckContext) -> list[tuple[str, str]]:
    body = _section_body(_read(context, "docs/prd.md"), "Functional Requirements")
    return [(m.group(1), m.group(3)) for m in map(_FR_ROW.match, body.splitlines()) if m]


# ------------------------------------------------------------------ checks


@check
def sections_filled(context: CheckContext) -> Verdict:
    empty, total = [], 0
    for relpath in (d for d in context.documents if d.endswith(".md")):
        found = sections(_read(context, relpath))
        if not found:
            empty.append(f"{relpath} is missing or has no sections")
            total += 1
        for index, (level, title, body) in enumerate(found):
            if level == 1:
                continue
            total += 1
            has_children = index + 1 < len(found) and found[index + 1][0] > level
            if not body and not has_children:
                empty.append(f"{relpath}: '{title}' is empty")
    return Verdict(total - len(empty), total, "; ".join(empty))


@check
def users_named(context: CheckContext) -> Verdict:
    body = _section_body(_read(context, "docs/brief.md"), "Target Users")
    users = [line for line in body.splitlines() if line.startswith("- ") and line[2:].strip()]
    return Verdict(min(len(users), 1), 1, "" if users else "no users listed under Target Users")


@check
def fr_maps_to_feature(context: CheckContext) -> Verdict:
    rows = _fr_rows(context)
    if not rows:
        return Verdict(0, 1, "the PRD lists no functional requirements (FR1, FR2 ...)")
    unmapped = [fr for fr, feature in rows if feature not in context.feature_names]
    return share([fr for fr, _ in rows], unmapped, "not mapped to a chosen feature")


@check
def stories_have_acceptance(context: CheckContext) -> Verdict:
    found = sections(_read(context, "docs/prd.md"))
    epics: dict[str, bool] = {}
    current = None
    for level, title, body in found:
        if title.startswith("Epic "):
            current = title
            epics.setdefault(current, False)
        elif title.startswith("Story ") and current is not None:
            criteria = body.split("Acceptance criteria:", 1)
            if len(criteria) == 2 and re.search(r"^\d+\. \S", criteria[1], re.MULTILINE):
                epics[current] = True
    missing = [e for e, ok in epics.items() if not ok]
    missing += [f"no epic for {n}" for n in context.feature_names[len(epics):]]
    total = max(len(epics), len(context.feature_names))
    return Verdict(total - len(missing), total,
                   f"without a story with acceptance criteria: {', '.join(missing)}" if missing
                   else "")


@check
def nfr_present(context: CheckContext) -> Verdict:
    body = _section_body(_read(context, "docs/prd.md"), "Non-Functional Requirements")
    count = sum(1 for line in body.splitlines() if _NFR_ROW.match(line))
    return Verdict(min(count, 1), 1, "" if count else "no NFR rows")


@check
def screen_per_feature(context: CheckContext) -> Verdict:
    missing = [n for n in context.feature_names
               if not (context.folder / "prototype" / f"{n}.html").is_file()]
    return share(context.feature_names, missing, "no prototype page for")


def _prototype_files(context: CheckContext) -> list[Path]:
    """The prototype's files, links included (a link out of the project is read as empty by
    `_read`, so it fails the checks instead of being skipped)."""
    folder = context.folder / "prototype"
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() or p.is_symlink())


def _prototype_text(context: CheckContext, path: Path) -> str | None:
    return _read_guarded(context, path.relative_to(context.folder).as_posix())


@check
def prototype_offline(context: CheckContext) -> Verdict:
    files = _prototype_files(context)
    # A page that could not be read (a link out of the project) is not known to be offline.
    external = [p.name for p in files
                if (text := _prototype_text(context, p)) is None or _EXTERNAL.search(text)]
    return share([p.name for p in files], external, "external URLs (or unreadable) in",
                 nothing="no prototype files")


@check
def prototype_links(context: CheckContext) -> Verdict:
    broken, total = [], 0
    for path in (p for p in _prototype_files(context) if p.suffix == ".html"):
        text = _prototype_text(context, path)
        if text is None:  # refused: a link out of the project is a broken page, not a pass
            total += 1
            broken.append(f"{path.name} (not readable inside the project)")
            continue
        for target in _LINK.findall(text):
            total += 1
            if not (path.parent / target).is_file():
                broken.append(f"{path.name} -> {target}")
    return Verdict(total - len(broken), total, "broken: " + ", ".join(broken) if broken else "")


def _raw_spec(context: CheckContext) -> dict[str, Any]:
    if context.raw_spec is None:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            data = yaml.load(_read(context, "appspec.yaml"), Loader=loader)  # a safe loader
        except yaml.YAMLError:
            data = None
        context.raw_spec = data if isinstance(data, dict) else {}
    return context.raw_spec


def _raw_features(context: CheckContext) -> list[dict[str, Any]]:
    features = _raw_spec(context).get("features")
    return [f for f in features if isinstance(f, dict)] if isinstance(features, list) else []


@check
def appspec_valid(context: CheckContext) -> Verdict:
    from bmadgen import appspec

    if not (context.folder / "appspec.yaml").is_file():
        return Verdict(0, 1, "appspec.yaml is missing")
    try:
        appspec.parse(_raw_spec(context), "appspec.yaml")
    except BmadgenError as exc:
        return Verdict(0, 1, exc.one_line())
    return Verdict(1, 1)


@check
def entities_have_fields(context: CheckContext) -> Verdict:
    entities = [e for f in _raw_features(context) for e in (f.get("entities") or [])
                if isinstance(e, dict)]
    empty = [str(e.get("name")) for e in entities if not e.get("fields")]
    return share([str(e.get("name")) for e in entities], empty, "entities without fields",
                 nothing="no entities")


@check
def endpoints_name_entity(context: CheckContext) -> Verdict:
    bad, total = [], 0
    for feature in _raw_features(context):
        names = {e.get("name") for e in feature.get("entities") or [] if isinstance(e, dict)}
        for endpoint in feature.get("endpoints") or []:
            total += 1
            if not isinstance(endpoint, dict) or endpoint.get("entity") not in names:
                bad.append(f"{feature.get('name')}: {endpoint}")
    return Verdict(total - len(bad), total, "; ".join(bad))


@check
def fr_covered(context: CheckContext) -> Verdict:
    covered = {r for f in _raw_features(context) for r in f.get("requirements") or []}
    frs = [fr for fr, _ in _fr_rows(context)]
    missing = [fr for fr in frs if fr not in covered]
    return share(frs, missing, "not covered", nothing="the PRD lists no FRs")


@check
def story_task_per_feature(context: CheckContext) -> Verdict:
    names = [str(f.get("name")) for f in _raw_features(context)]
    missing = [n for n in names if slice_ref(n) not in context.story_refs]
    return share(names, missing, "no story task for", nothing="the app spec has no features")


def _step_verdict(step: StepOutcome | None) -> Verdict:
    if step is None or step.status == "not_available":
        # nothing to prove yet: the person reviews it
        return Verdict(0, -1, step.detail if step else "")
    return Verdict(1 if step.status == "done" else 0, 1, step.detail)


@check
def generation_done(context: CheckContext) -> Verdict:
    return _step_verdict(context.outcome.generation if context.outcome else None)


@check
def gates_passed(context: CheckContext) -> Verdict:
    return _step_verdict(context.outcome.gates if context.outcome else None)
