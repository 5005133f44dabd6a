"""Turning each tool's output into findings and a score. Pure functions: text in, Parsed out.

A parser never decides pass or fail on the exit code alone: mutmut's exit code says nothing,
a crashed linter prints no findings. `judge` compares the parsed score with the threshold.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bmadgen.gates.models import Finding, GateSpec

MAX_FINDINGS = 200


@dataclass
class Parsed:
    findings: list[Finding] = field(default_factory=list)
    score: float | None = None  # percent for percent gates; else the number of findings
    error: str = ""  # the tool itself failed: no verdict can be drawn from its output


def _tail(text: str, n: int = 400) -> str:
    """The end of a tool's output on one line (the cause of a crash is usually last)."""
    text = " | ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text if len(text) <= n else "..." + text[-n:]


def _json(text: str) -> Any:
    """The JSON document in a tool's stdout (some tools print a line of noise before it)."""
    text = text.strip()
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError("no JSON in the output")
    return json.loads(text[start:])


def _rel(path: str) -> str:
    for prefix in ("/scratch/app/", "./"):
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


_RUFF_OLD_STYLE = re.compile(r"^Would reformat: (.+)$", re.MULTILINE)
_CONCISE = re.compile(r"^(.+?):(\d+):\d+: ([\w-]+):? (.*)$", re.MULTILINE)


def parse_ruff_format(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    text = stdout + "\n" + stderr
    found = [Finding(file=_rel(f.strip()), message="not formatted (ruff format)", rule="format")
             for f in _RUFF_OLD_STYLE.findall(text)]
    for path, line, kind, message in _CONCISE.findall(text):
        rule = "format" if kind == "unformatted" else kind
        found.append(Finding(file=_rel(path), line=int(line),
                             message=message or "not formatted (ruff format)", rule=rule))
    if code not in (0, 1, 2) or (code != 0 and not found):
        return Parsed(error=_tail(stderr or stdout))
    return Parsed(found)


def parse_ruff(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    try:
        items = _json(stdout)
    except ValueError:
        return Parsed(error=_tail(stderr or stdout))
    found = [
        Finding(file=_rel(i["filename"]), line=(i.get("location") or {}).get("row"),
                message=i.get("message", ""), rule=i.get("code") or "")
        for i in items
    ]
    return Parsed(found)


_IMPORT_CHAIN = re.compile(r"^\s*-?\s*([\w.]+) -> ([\w.]+) \(l\.\s*(\d+)")


def parse_import_linter(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    if "Contracts:" not in stdout:
        return Parsed(error=_tail(stderr or stdout))
    found = []
    contract = ""
    lines = stdout.splitlines()
    for index, line in enumerate(lines):
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        if line.strip() and underline == "-" * len(line):  # a section title: a contract's name
            contract = line.strip()
        match = _IMPORT_CHAIN.match(line)
        if match:
            importer, imported, lineno = match.groups()
            found.append(Finding(
                file=importer.replace(".", "/") + ".py", line=int(lineno),
                message=f"{importer} imports {imported}"
                        + (f" (contract: {contract})" if contract else ""),
                rule="import-contract",
            ))
    broken = re.search(r"(\d+) broken", stdout)
    if not found and broken and int(broken.group(1)) > 0:
        found.append(Finding(message=_tail(stdout, 300), rule="import-contract"))
    return Parsed(found)


_MYPY = re.compile(r"^(.+?):(\d+)(?::\d+)?: error: (.*?)(?:\s+\[([\w-]+)\])?$")


def parse_mypy(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    found = []
    for line in stdout.splitlines():
        match = _MYPY.match(line)
        if match:
            path, lineno, message, rule = match.groups()
            found.append(Finding(file=_rel(path), line=int(lineno), message=message,
                                 rule=rule or ""))
    if code not in (0, 1) or (code == 1 and not found):
        return Parsed(error=_tail(stderr or stdout))
    return Parsed(found)


def parse_bandit(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    try:
        data = _json(stdout)
    except ValueError:
        return Parsed(error=_tail(stderr or stdout))
    found = [
        Finding(file=_rel(r["filename"]), line=r.get("line_number"),
                message=f"{r.get('issue_severity', '')}: {r.get('issue_text', '')}",
                rule=r.get("test_id", ""))
        for r in data.get("results", [])
    ]
    return Parsed(found)


def parse_detect_secrets(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    try:
        data = _json(stdout)
    except ValueError:
        return Parsed(error=_tail(stderr or stdout))
    found = [
        Finding(file=_rel(path), line=s.get("line_number"),
                message=f"possible secret: {s.get('type', '?')}", rule="secret")
        for path, secrets in (data.get("results") or {}).items()
        for s in secrets
    ]
    return Parsed(found)


_PYTEST_SUMMARY = re.compile(
    r"^=*\s*((?:\d+ [a-z]+(?:, )?)+|no tests ran) in [\d.]+s(?: \([\d:]+\))?\s*=*$", re.MULTILINE)
_COVERAGE_FAIL_UNDER = "FAIL Required test coverage of"
_COVERAGE_TOTAL = re.compile(r"^TOTAL\s+(\d+)\s+(\d+)(?:\s+(\d+)\s+(\d+))?\s+[\d.]+%$",
                             re.MULTILINE)


def _pytest_counts(stdout: str) -> dict[str, int] | None:
    """The counts of pytest's own closing summary (`1 failed, 4 passed in 2.1s`), or None when
    pytest never printed one: it did not get to the end of its session."""
    found = _PYTEST_SUMMARY.findall(stdout)
    if not found:
        return None
    counts: dict[str, int] = {}
    for part in found[-1].split(", "):
        number, _, word = part.partition(" ")
        if number.isdigit():
            counts[word.rstrip("s") if word in ("errors", "warnings") else word] = int(number)
    return counts


def _junit_failures(junit: Path) -> list[Finding]:
    """Each failing or erroring test case of a junit.xml (ValueError: not valid junit XML)."""
    try:
        root = ET.parse(junit).getroot()
    except (ET.ParseError, OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"junit.xml is not valid XML ({exc})") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ValueError(f"junit.xml holds <{root.tag}>, not a junit test report")
    found = []
    for case in root.iter("testcase"):
        for bad in [*case.findall("failure"), *case.findall("error")]:
            name = f"{case.get('classname', '')}.{case.get('name', '')}"
            first = (bad.get("message") or "").splitlines()[:1]
            line = case.get("line") or ""
            found.append(Finding(
                file=(case.get("file") or case.get("classname", "").replace(".", "/") + ".py"),
                line=int(line) or None if line.isdigit() else None,
                message=f"test {name} failed" + (f": {first[0]}" if first else ""),
                rule="test",
            ))
    return found


def _coverage_percent(coverage: Path, stdout: str) -> float:
    """The covered percent from coverage.json, which must agree with the TOTAL line that
    pytest-cov printed at the end of the session (ValueError when it is unreadable or not)."""
    try:
        data = json.loads(coverage.read_text(encoding="utf-8"))
        totals = data["totals"]
        percent = float(totals["percent_covered"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"coverage.json is not a coverage report ({exc})") from None
    printed = _COVERAGE_TOTAL.findall(stdout)
    if not printed:
        raise ValueError("pytest-cov printed no coverage TOTAL: coverage.json is not trusted")
    statements, missing, branches, partial = printed[-1]
    expected = [("num_statements", statements), ("missing_lines", missing)]
    if branches:
        expected += [("num_branches", branches), ("num_partial_branches", partial)]
    for key, value in expected:
        if totals.get(key) != int(value):
            raise ValueError(f"coverage.json says {key} {totals.get(key)}, pytest-cov printed "
                             f"{value}: the report was not written by this run")
    return percent


def parse_pytest_coverage(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    """Failing tests from junit.xml are findings; the score is the slice's line coverage.

    The tests run in the process that writes these reports, so the reports are only believed
    when they agree with what pytest itself printed at the very end of its session: a test that
    writes its own junit.xml or coverage.json and ends the process (os._exit) leaves no summary,
    and one that rewrites them afterwards disagrees with it.
    """
    if code == 5:
        return Parsed(error="no tests were collected for this slice")
    if code not in (0, 1):  # 2 interrupted, 3 internal error, 4 usage error, or killed
        return Parsed(error=f"pytest exited {code}: " + _tail(stdout + "\n" + stderr))
    counts = _pytest_counts(stdout)
    if counts is None:
        return Parsed(error=f"pytest exited {code} without its closing summary (did a test end "
                            "the process?): its reports are not trusted; "
                            + _tail(stdout + "\n" + stderr, 200))
    failing = counts.get("failed", 0) + counts.get("error", 0)
    below_fail_under = _COVERAGE_FAIL_UNDER in stdout  # the project's own fail_under: exit 1
    if (code == 0) != (failing == 0) and not (code == 1 and below_fail_under):
        return Parsed(error=f"pytest exited {code} but its summary counts {failing} failing "
                            "tests")
    junit = report / "junit.xml" if report else None
    coverage = report / "coverage.json" if report else None
    if not (junit and junit.is_file() and coverage and coverage.is_file()):
        return Parsed(error="pytest wrote no junit.xml or coverage.json: "
                            + _tail(stdout + "\n" + stderr))
    try:
        found = _junit_failures(junit)
        score = round(_coverage_percent(coverage, stdout), 2)
    except ValueError as exc:
        return Parsed(error=str(exc))
    if bool(found) != bool(failing):
        return Parsed(error=f"junit.xml lists {len(found)} failing tests, pytest's summary "
                            f"{failing}: the report was not written by this run")
    return Parsed(found, score=score)


_DETECTED = {"killed", "timeout", "caught by type check"}
_IGNORED = {"skipped", "not checked"}


def parse_mutmut(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    """Score = mutants detected / mutants checked, from `mutmut results --all true`."""
    found = []
    detected = total = 0
    for key, status in re.findall(r"^\s+([\w.]+__mutmut_\d+): (.+)$", stdout, re.MULTILINE):
        status = status.strip()
        if status in _IGNORED:
            continue
        total += 1
        if status in _DETECTED:
            detected += 1
        else:
            module = key.rsplit(".", 1)[0]
            found.append(Finding(file=module.replace(".", "/") + ".py",
                                 message=f"mutant {key} {status}", rule="mutant"))
    if total == 0:
        return Parsed(error="mutmut produced no mutants for this slice: " + _tail(stdout + stderr))
    return Parsed(found, score=round(100.0 * detected / total, 2))


def parse_pip_audit(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    try:
        data = _json(stdout)
    except ValueError:
        return Parsed(error=_tail(stderr or stdout))
    deps = data.get("dependencies", []) if isinstance(data, dict) else data
    found = [
        Finding(message=f"{d.get('name')} {d.get('version')}: {v.get('id')}",
                rule="vulnerability")
        for d in deps
        for v in d.get("vulns", [])
    ]
    return Parsed(found)


def parse_exit_code(stdout: str, stderr: str, code: int, report: Path | None) -> Parsed:
    if code == 0:
        return Parsed([])
    return Parsed([Finding(message=f"exit {code}: {_tail(stderr or stdout, 300)}")])


PARSERS: dict[str, Callable[[str, str, int, Path | None], Parsed]] = {
    "ruff_format": parse_ruff_format,
    "ruff": parse_ruff,
    "import_linter": parse_import_linter,
    "mypy": parse_mypy,
    "bandit": parse_bandit,
    "detect_secrets": parse_detect_secrets,
    "pytest_coverage": parse_pytest_coverage,
    "mutmut": parse_mutmut,
    "pip_audit": parse_pip_audit,
    "exit_code": parse_exit_code,
}


def judge(spec: GateSpec, parsed: Parsed) -> tuple[str, float | None]:
    """The status and score of a gate from its parsed output."""
    if parsed.error:
        return "error", parsed.score
    if spec.percent:
        score = parsed.score or 0.0
        failed_tests = any(f.rule == "test" for f in parsed.findings)
        return ("passed" if score >= spec.threshold and not failed_tests else "failed"), score
    count = float(len(parsed.findings))
    return ("passed" if count <= spec.threshold else "failed"), count
