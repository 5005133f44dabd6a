"""The LLM gateway: routing, fallbacks and retries (litellm's Router), a hard cap before every
call, accounting and a response cache in the store, structured output with a bounded repair,
streaming, and encrypted provider keys.

Nothing in this package imports litellm at module load: only `gateway` does, inside the call
that talks to a model (importing it costs seconds). The `[llm]` settings it routes by are
`bmadgen.llmconfig`, read with the other settings by every command.
"""
