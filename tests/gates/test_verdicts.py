"""QA verdicts per slice: PASS, CONCERNS, FAIL, WAIVED."""

from __future__ import annotations

from bmadgen.gates.models import Finding, GateResult, Waiver
from bmadgen.gates.verdicts import apply_waivers, slice_verdicts

SLICES = ["orders", "products"]


def result(gate: str, status: str, *, slice_: str | None = None, required: bool = True,
           files: tuple[str, ...] = ()) -> GateResult:
    return GateResult(gate=gate, scope="slice" if slice_ else "app", slice=slice_,
                      status=status, threshold=0, required=required,  # type: ignore[arg-type]
                      findings=[Finding(file=f, line=1, message="m") for f in files])


def waiver(slice_: str, gate: str) -> dict[tuple[str, str], Waiver]:
    return {(slice_, gate): Waiver(slice=slice_, gate=gate, reason="known", who="ana",
                                   created_at=0)}


def verdicts(results, waivers=None) -> dict[str, str]:
    return {v.slice: v.verdict for v in slice_verdicts(results, waivers or {}, SLICES)}


def test_all_passed_is_pass() -> None:
    assert verdicts([result("lint", "passed"), result("tests", "passed", slice_="orders")]) == {
        "orders": "PASS", "products": "PASS"}


def test_slice_failure_fails_only_that_slice() -> None:
    assert verdicts([result("tests", "failed", slice_="orders")]) == {
        "orders": "FAIL", "products": "PASS"}


def test_app_finding_counts_for_the_slice_it_points_into() -> None:
    arch = result("architecture", "failed", files=("app/features/orders/services.py",))
    assert verdicts([arch]) == {"orders": "FAIL", "products": "PASS"}


def test_app_finding_in_shared_code_fails_every_slice() -> None:
    types = result("types", "failed", files=("app/features/orders/api.py", "app/shared/db.py"))
    assert verdicts([types]) == {"orders": "FAIL", "products": "FAIL"}


def test_not_run_and_optional_failures_are_concerns_never_passes() -> None:
    skipped = result("mutation", "not_run", slice_="orders")  # needs tests, which failed
    optional = result("style", "failed", required=False)
    assert verdicts([skipped]) == {"orders": "CONCERNS", "products": "PASS"}
    assert verdicts([optional])["orders"] == "CONCERNS"


def test_an_optional_gate_that_could_not_run_lowers_no_verdict() -> None:
    """The dependency audit offline (or pip-audit not installed) judged nothing: a clean run
    reads PASS, and the report says once that the audit did not run."""
    offline = result("audit", "not_run", required=False)
    assert verdicts([offline]) == {"orders": "PASS", "products": "PASS"}


def test_error_of_a_required_gate_fails() -> None:
    assert verdicts([result("types", "error")])["products"] == "FAIL"


def test_waiver_turns_fail_into_waived_and_says_who_and_why() -> None:
    failed = result("tests", "failed", slice_="orders")
    found = slice_verdicts([failed], waiver("orders", "tests"), SLICES)
    assert found[0].verdict == "WAIVED"
    assert "waived by ana: known" in found[0].reasons[0]
    apply_waivers([failed], waiver("orders", "tests"), SLICES)
    assert failed.waived_by is not None and failed.waived_by.who == "ana"


def test_app_wide_waiver_covers_every_slice() -> None:
    lint = result("lint", "failed", files=("app/shared/db.py",))
    assert verdicts([lint], waiver("app", "lint")) == {"orders": "WAIVED", "products": "WAIVED"}


def test_waiver_for_another_slice_does_not_help() -> None:
    arch = result("architecture", "failed", files=("app/features/orders/services.py",))
    assert verdicts([arch], waiver("products", "architecture"))["orders"] == "FAIL"


def test_findings_in_a_slice_not_judged_do_not_count_for_the_others() -> None:
    types = result("types", "failed", files=("app/features/products/services.py",))
    found = slice_verdicts([types], {}, ["orders"])
    assert [(v.slice, v.verdict) for v in found] == [("orders", "PASS")]
