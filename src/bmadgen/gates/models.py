"""The records of quality gates: what a stack declares, and what a run found."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bmadgen.errors import InvalidInput
from bmadgen.models import NextAction
from bmadgen.validation import identifier

GateStatus = Literal["passed", "failed", "error", "not_run"]
GateScope = Literal["app", "slice"]
Verdict = Literal["PASS", "CONCERNS", "FAIL", "WAIVED"]
ParserName = Literal[
    "ruff_format", "ruff", "import_linter", "mypy", "bandit", "detect_secrets",
    "pytest_coverage", "mutmut", "pip_audit", "exit_code",
]
# The waiver key that covers every slice (app is never a slice name: appspec reserves it).
APP_WIDE = "app"


class GateSpec(BaseModel):
    """One gate of a stack: a command, the parser of its output, and its threshold."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    command: str = Field(min_length=1)
    parser: ParserName
    scope: GateScope = "app"
    threshold: float = Field(default=0, ge=0)
    required: bool = True
    needs_network: bool = False
    needs: list[str] = Field(default_factory=list, description="gates that must pass first")
    timeout_s: float = Field(default=300, gt=0, le=24 * 3600)
    report: bool = Field(default=False, description="copy {out} back out of the sandbox")
    tool_cache: str | None = Field(
        default=None, pattern=r"^/(tmp|scratch)/[A-Za-z0-9_./-]+$",
        description="a folder where the tool keeps its own incremental cache (e.g. mypy's); "
        "kept between runs, never used with --no-cache",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            return identifier(value, "gate name", max_len=40)
        except InvalidInput as exc:  # a ValueError keeps the entry's place in the report
            raise ValueError(exc.message) from None

    @property
    def percent(self) -> bool:
        """Scored as a percentage that must reach the threshold (else: findings <= threshold)."""
        return self.parser in ("pytest_coverage", "mutmut")


class StackGates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    gates: list[GateSpec] = Field(min_length=1)


class Finding(BaseModel):
    file: str | None = None
    line: int | None = None
    message: str
    rule: str = ""


class Waiver(BaseModel):
    slice: str
    gate: str
    reason: str
    who: str
    created_at: float


class GateResult(BaseModel):
    gate: str
    scope: GateScope
    slice: str | None = None
    status: GateStatus
    score: float | None = None
    threshold: float
    percent: bool = False  # GateSpec.percent of the gate that made it
    required: bool
    duration_s: float = 0.0
    findings: list[Finding] = Field(default_factory=list)
    detail: str = ""
    cached: bool = False
    content_hash: str = ""
    waived_by: Waiver | None = None

    @property
    def label(self) -> str:
        return f"{self.gate}[{self.slice}]" if self.slice else self.gate

    @property
    def score_text(self) -> str:
        """The score against its threshold, as every face shows it: `85% (min 85%)`, `3 (max 0)`."""
        if self.score is None:
            return "-"
        if self.percent:
            return f"{self.score:g}% (min {self.threshold:g}%)"
        return f"{self.score:g} (max {self.threshold:g})"


class SliceVerdict(BaseModel):
    slice: str
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)


class GateRunReport(BaseModel):
    run_id: str
    project: str
    backend: str
    isolated: bool
    tier: str
    started_at: float
    finished_at: float
    duration_s: float
    results: list[GateResult]
    verdicts: list[SliceVerdict]
    passed: bool
    notes: list[str] = Field(default_factory=list)
    actions: list[NextAction] = Field(default_factory=list,
                                      description="what would make the next run better, e.g. "
                                      "building the gate image")
    usage: dict[str, float | int] = Field(default_factory=dict)


class GateEvent(BaseModel):
    """Progress while gates run: a gate started, finished (with its result), or a note."""

    kind: Literal["started", "finished", "note"]
    gate: str = ""
    slice: str | None = None
    result: GateResult | None = None
    message: str = ""
    action: NextAction | None = None


class GateRunSummary(BaseModel):
    run_id: str
    backend: str
    isolated: bool
    tier: str
    status: str
    started_at: float
    duration_s: float | None
    failed: int
    total: int
