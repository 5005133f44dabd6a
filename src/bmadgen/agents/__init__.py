"""Agents as data (templates/agents/*.yaml) run by one generic runner, behind a provider.

`provider` defines the interface a section filler implements and picks one; `offline` is the
deterministic default that needs no model and no network; `runner` turns an agent and its
document template into Markdown; `checklists` scores a phase's checklist with code checks.
"""
