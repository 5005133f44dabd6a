"""What the development phase's dev and QA steps did, as data.

The workflow produces it, stores it with the phase's state, and the checklists score it; it
lives here, below both `agents` and `workflow`, so that each can take it typed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

StepStatus = Literal["done", "failed", "not_available"]


class StepOutcome(BaseModel):
    status: StepStatus
    detail: str = ""
    run_id: str | None = None  # the gate run the QA step made, when it made one


class DevelopmentOutcome(BaseModel):
    generation: StepOutcome
    gates: StepOutcome
