"""Gate run reports for machines: JSON, JUnit XML (CI test tabs), SARIF 2.1.0 (code scanning)."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable, InvalidInput
from bmadgen.fsutil import write_text_atomic
from bmadgen.gates.models import GateResult, GateRunReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_json(report: GateRunReport) -> str:
    return report.model_dump_json(indent=2)


def _message(result: GateResult) -> str:
    lines = [result.detail] if result.detail else []
    if result.score is not None:
        lines.append(f"score {result.score:g}, threshold {result.threshold:g}")
    for f in result.findings:
        where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "")
        lines.append(f"{where} {f.rule} {f.message}".strip())
    if result.waived_by:
        lines.append(f"waived by {result.waived_by.who}: {result.waived_by.reason}")
    return "\n".join(lines)


def to_junit(report: GateRunReport) -> str:
    """One testsuite per run, one testcase per gate (and slice); not run = skipped."""
    suite = ET.Element(
        "testsuite",
        name=f"bmadgen gates ({report.project})",
        tests=str(len(report.results)),
        failures=str(sum(r.status == "failed" and not r.waived_by for r in report.results)),
        errors=str(sum(r.status == "error" and not r.waived_by for r in report.results)),
        skipped=str(sum(r.status == "not_run" or bool(r.waived_by) for r in report.results)),
        time=f"{report.duration_s:.3f}",
    )
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"gates.{result.slice or 'app'}",
                             name=result.gate, time=f"{result.duration_s:.3f}")
        text = _message(result)
        if result.waived_by:
            ET.SubElement(case, "skipped", message="waived").text = text
        elif result.status == "failed":
            ET.SubElement(case, "failure", message=f"{result.label} failed").text = text
        elif result.status == "error":
            ET.SubElement(case, "error", message=result.detail[:200]).text = text
        elif result.status == "not_run":
            ET.SubElement(case, "skipped", message=result.detail[:200])
        if result.cached:
            ET.SubElement(case, "system-out").text = "cached result (content unchanged)"
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def to_sarif(report: GateRunReport) -> str:
    """Each finding of a failed gate as a SARIF result, ruleId = gate/rule."""
    rules: dict[str, dict[str, object]] = {}
    results = []
    for gate in report.results:
        if gate.status not in ("failed", "error"):
            continue
        for finding in gate.findings:
            rule_id = f"{gate.gate}/{finding.rule or 'finding'}"
            rules.setdefault(rule_id, {"id": rule_id, "name": rule_id,
                                       "shortDescription": {"text": f"{gate.gate} gate"}})
            entry: dict[str, object] = {
                "ruleId": rule_id,
                "level": "note" if gate.waived_by else "error",
                "message": {"text": finding.message},
            }
            if finding.file:
                region = {"startLine": finding.line} if finding.line else {}
                entry["locations"] = [{"physicalLocation": {
                    "artifactLocation": {"uri": finding.file},
                    **({"region": region} if region else {}),
                }}]
            results.append(entry)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "bmadgen-gates", "rules": list(rules.values())}},
            "automationDetails": {"id": f"bmadgen/gates/{report.run_id}"},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2) + "\n"


def check_target(path: Path, what: str = "report") -> Path:
    """Refuse, before any gate runs, a report file that cannot be written: a folder or a device
    (InvalidInput, exit 3), a place where no file can be created (EnvironmentUnavailable, 7).

    Missing parent folders are created. A link at `path` is replaced, never followed.
    """
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise EnvironmentUnavailable(f"cannot write the {what} {path}: {exc.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"the {what} {path} is a folder", hint="name a file in it")
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise InvalidInput(f"the {what} {path} is not a regular file", hint="name a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise EnvironmentUnavailable(
            f"cannot write the {what} {path}: {exc.strerror or exc}",
            hint="choose a folder you can write to") from None
    return path


def write(path: Path, text: str, what: str = "report") -> Path:
    """Write a report whole or not at all: through an unpredictable temporary file beside it
    (created exclusively, so a link planted there is never followed), renamed over `path`."""
    path = check_target(path, what)
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise EnvironmentUnavailable(
            f"cannot write the {what} {path}: {exc.strerror or exc}") from None
    return path
