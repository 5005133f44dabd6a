"""Sandboxes that run gate commands: a hardened Docker container, or a local subprocess.

`open_sandbox(...)` picks the backend; both return `ExecResult`s and report whether they isolate.
"""

from bmadgen.sandbox.base import ExecResult, Sandbox, SandboxInfo
from bmadgen.sandbox.tiers import TIERS, Tier, get_tier

__all__ = ["TIERS", "ExecResult", "Sandbox", "SandboxInfo", "Tier", "get_tier"]
