"""bmadgen over MCP: the project memory (Memory Pickle's tools), the workflow's documents and
gates, and the tools that let a client's own model write and approve the phases.

A face like the CLI: it calls the services only. The `mcp` SDK is imported by `server` alone,
and only `bmadgen mcp serve` imports that.
"""
