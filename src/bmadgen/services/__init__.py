"""The service layer: the only part of bmadgen a face (CLI, terminal wizard, MCP server) calls.

One module per area, one function per use case. Every function takes a `Session` (settings,
store, project and folder, resolved once by one rule: `session.py`) and returns pydantic
models; what to do next is a `NextAction`, never CLI wording. Errors a person can cause are
`BmadgenError`s. Import the submodule a command needs (`from bmadgen.services import memory`):
this package imports nothing at load time, so `bmadgen --help` stays fast.
"""
