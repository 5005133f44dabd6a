"""Quality gates: declared by the stack, run in a sandbox, cached by content, judged per slice."""
