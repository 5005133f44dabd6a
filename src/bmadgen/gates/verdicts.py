"""A BMAD-style QA verdict per slice, from the gate results and the waivers. Pure functions.

- A slice's own results (tests, mutation) count for it; an app-wide result counts for the
  slices its findings point into, or for every slice when they point into none (shared code,
  configuration, a tool error).
- A required gate that failed or could not run properly (error) makes the slice FAIL, unless a
  waiver for (slice, gate) or (app, gate) exists: then it is WAIVED.
- A gate that is not required and did not pass, or a required gate that did not run (skipped
  because a gate it needs failed, or after a fail-fast stop), gives CONCERNS: never counted as
  a pass.
- A gate that is not required and could not run at all (offline, its tool not installed)
  judges nothing: it lowers no verdict (the report says once that it did not run).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from bmadgen.gates.models import APP_WIDE, GateResult, SliceVerdict, Waiver


def _slices_touched(result: GateResult, slices: list[str]) -> list[str]:
    """The slices (of those being judged) that a result concerns."""
    if result.slice:
        return [result.slice]
    if slices == [APP_WIDE]:
        return slices
    touched: set[str] = set()
    outside = not result.findings  # a tool error or a bare failure concerns every slice
    for finding in result.findings:
        parts = PurePosixPath(finding.file or "").parts
        if len(parts) > 2 and parts[:2] == ("app", "features"):
            touched.add(parts[2])  # possibly a slice not being judged in this run: not ours
        else:
            outside = True  # shared code, main, configuration: every slice depends on it
    return list(slices) if outside else sorted(touched & set(slices))


def apply_waivers(results: list[GateResult], waivers: dict[tuple[str, str], Waiver],
                  slices: list[str]) -> None:
    """Mark failed required results as waived when every slice they concern is waived."""
    for result in results:
        if result.status not in ("failed", "error"):
            continue
        targets = _slices_touched(result, slices)
        found = [waivers.get((s, result.gate)) or waivers.get((APP_WIDE, result.gate))
                 for s in targets]
        if found and all(found):
            result.waived_by = found[0]


def slice_verdicts(results: list[GateResult], waivers: dict[tuple[str, str], Waiver],
                   slices: list[str]) -> list[SliceVerdict]:
    names = slices or [APP_WIDE]
    fails: dict[str, list[str]] = {s: [] for s in names}
    waived: dict[str, list[str]] = {s: [] for s in names}
    concerns: dict[str, list[str]] = {s: [] for s in names}
    for result in results:
        if result.status == "passed" or (result.status == "not_run" and not result.required):
            continue
        for name in _slices_touched(result, names):
            why = f"{result.label}: {result.status}" + (f" ({result.detail})" if result.detail
                                                         else "")
            if result.status == "not_run" or not result.required:
                concerns[name].append(why)
            elif waivers.get((name, result.gate)) or waivers.get((APP_WIDE, result.gate)):
                waiver = waivers.get((name, result.gate)) or waivers[(APP_WIDE, result.gate)]
                waived[name].append(f"{why}; waived by {waiver.who}: {waiver.reason}")
            else:
                fails[name].append(why)
    verdicts = []
    for name in names:
        if fails[name]:
            verdicts.append(SliceVerdict(slice=name, verdict="FAIL", reasons=fails[name]))
        elif waived[name]:
            verdicts.append(SliceVerdict(slice=name, verdict="WAIVED",
                                         reasons=waived[name] + concerns[name]))
        elif concerns[name]:
            verdicts.append(SliceVerdict(slice=name, verdict="CONCERNS", reasons=concerns[name]))
        else:
            verdicts.append(SliceVerdict(slice=name, verdict="PASS"))
    return verdicts
