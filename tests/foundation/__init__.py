"""Tests for issue 2: the store, projects, memory, tasks, state, handoff, export, doctor, CLI."""
