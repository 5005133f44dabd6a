"""What never leaves in an export: provider keys and configured secrets.

Two nets: the well-known key formats the workflow already refuses in answers, and the values
of the secret-looking environment variables of this process (the provider keys bmadgen reads,
`OPENAI_API_KEY` and the like), whatever their format.
"""

from __future__ import annotations

import os
import re

from bmadgen.secret_patterns import PATTERNS

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD)$|^(OPENAI|ANTHROPIC|GEMINI|"
                          r"MISTRAL|GROQ|COHERE|AZURE|AWS)_", re.IGNORECASE)
MIN_SECRET_CHARS = 8  # shorter values ("1", "true") are settings, not secrets


def configured_secrets(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    values = {value for name, value in env.items()
              if _SECRET_NAME.search(name) and len(value.strip()) >= MIN_SECRET_CHARS}
    return sorted(values, key=len, reverse=True)


def redact(text: str, environ: dict[str, str] | None = None) -> str:
    """`text` with every configured secret value and every well-known key replaced."""
    for value in configured_secrets(environ):
        text = text.replace(value, "[redacted secret]")
    for kind, pattern in PATTERNS:
        text = pattern.sub(f"[redacted: {kind}]", text)
    return text
