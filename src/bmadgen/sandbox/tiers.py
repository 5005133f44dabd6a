"""Resource tiers for sandboxes.

The seed's hosted tiers (free: 2 cores / 2 GB / 15 min auto-pause; premium: 4 / 8 / 60;
enterprise: 8 / 16 / 120) are the starting point. The pids limit is ours: a fork bomb must hit it
long before it hurts the machine, while pytest and mutmut's forked workers fit well under it.
"""

from __future__ import annotations

from pydantic import BaseModel

from bmadgen.errors import InvalidInput


class Tier(BaseModel):
    name: str
    cpus: float
    memory_mb: int
    pids: int
    scratch_mb: int
    idle_pause_s: float
    gate_timeout_s: float


TIERS: dict[str, Tier] = {
    "free": Tier(name="free", cpus=2, memory_mb=2048, pids=256, scratch_mb=1024,
                 idle_pause_s=15 * 60, gate_timeout_s=600),
    "premium": Tier(name="premium", cpus=4, memory_mb=8192, pids=1024, scratch_mb=4096,
                    idle_pause_s=60 * 60, gate_timeout_s=1800),
    "enterprise": Tier(name="enterprise", cpus=8, memory_mb=16384, pids=4096, scratch_mb=8192,
                       idle_pause_s=120 * 60, gate_timeout_s=3600),
}


def get_tier(name: str) -> Tier:
    try:
        return TIERS[name]
    except KeyError:
        raise InvalidInput(
            f"unknown sandbox tier {name!r}; choose one of: {', '.join(TIERS)}"
        ) from None
