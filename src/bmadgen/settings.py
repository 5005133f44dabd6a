"""One settings object, read in one place: environment variables over a config file.

Every other module asks `get_settings()`; nothing else reads `os.environ` for configuration.
The config file is TOML in the user config dir (`bmadgen config path` prints it; `BMADGEN_CONFIG`
points elsewhere). Environment variables win over the file, and an explicit value given to a
face (a command-line option) wins over both.

Why not pydantic-settings: importing it costs 45-65 ms here on top of pydantic (measured with
`python -X importtime`), a quarter of the whole `bmadgen memory search` command. A frozen
dataclass and `tomllib` read the same sources in well under a millisecond.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any, Literal

from bmadgen.errors import InvalidInput
from bmadgen.llmconfig import ConfigProblems, LLMConfig, parse, with_environment

SandboxChoice = Literal["auto", "docker", "local"]
SANDBOX_CHOICES: tuple[str, ...] = ("auto", "docker", "local")

DEFAULT_GATE_IMAGE = "bmadgen/gates:latest"
DEFAULT_CACHE_DIR = Path("/var/cache/bmadgen")
CONFIG_FILENAME = "config.toml"

# The environment variable for each setting; the config file uses the field names.
ENV_NAMES: dict[str, str] = {
    "home": "BMADGEN_HOME",
    "provider": "BMADGEN_PROVIDER",
    "sandbox": "BMADGEN_SANDBOX",
    "tier": "BMADGEN_TIER",
    "cache_dir": "BMADGEN_CACHE",
    "gate_image": "BMADGEN_GATE_IMAGE",
    "docker_host": "DOCKER_HOST",
}

# Provider keys are only ever reported by name, never by value.
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "mistral": ("MISTRAL_API_KEY",),
    "groq": ("GROQ_API_KEY",),
    "deepseek": ("DEEPSEEK_API_KEY",),
    "openrouter": ("OPENROUTER_API_KEY",),
    "cohere": ("COHERE_API_KEY", "CO_API_KEY"),
    "together_ai": ("TOGETHERAI_API_KEY", "TOGETHER_API_KEY"),
    "xai": ("XAI_API_KEY",),
    "azure": ("AZURE_API_KEY",),
    "ollama": ("OLLAMA_API_BASE",),
}


@dataclass(frozen=True)
class Settings:
    """What bmadgen is configured with. Frozen: a face resolves it once per session.

    A dataclass checked by `load`, not a pydantic model: building a model class costs a few
    milliseconds at import, and every command imports this module.
    """

    home: Path | None = None  # folder of the store; None: the platform's user data dir
    provider: str = "offline"  # who fills the documents
    sandbox: SandboxChoice = "auto"  # gate backend
    tier: str = "free"  # sandbox limits: free, premium, enterprise
    cache_dir: Path = DEFAULT_CACHE_DIR  # rootfs and wheelhouse of the gate image build
    gate_image: str = DEFAULT_GATE_IMAGE  # the gate sandbox image
    docker_host: str = ""  # DOCKER_HOST; empty: the local socket
    provider_keys: tuple[str, ...] = ()  # names of the provider key variables set, never values
    config_file: Path | None = None  # the config file read, if any
    llm: LLMConfig = dataclass_field(default_factory=LLMConfig)  # [llm]: routing, budget

    def data_home(self) -> Path:
        if self.home is not None:
            return self.home.expanduser()
        import platformdirs

        return Path(platformdirs.user_data_dir("bmadgen", appauthor=False))


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    explicit = env.get("BMADGEN_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform.startswith("linux"):  # what platformdirs answers here, without importing it
        base = env.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
        return Path(base) / "bmadgen" / CONFIG_FILENAME
    import platformdirs

    return Path(platformdirs.user_config_dir("bmadgen", appauthor=False)) / CONFIG_FILENAME


TABLES = ("llm",)  # config file tables beside the settings named in ENV_NAMES


def _read_config(path: Path) -> tuple[dict[str, Any], str]:
    """The config file's settings and its text (for the line of a problem)."""
    import tomllib

    try:
        with path.open("rb") as handle:
            if path.stat().st_size > 1_000_000:
                raise InvalidInput(f"the config file {path} is larger than 1 MB")
            raw = handle.read()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return {}, ""
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read the config file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"the config file {path} is not valid TOML: {exc}") from exc
    from bmadgen.llmconfig import line_of

    unknown = sorted(set(data) - set(ENV_NAMES) - set(TABLES))
    if unknown:
        where = [f"{key} (line {line_of(text, key)})" if line_of(text, key) else key
                 for key in unknown]
        raise InvalidInput(f"the config file {path} has unknown settings: {', '.join(where)}",
                           hint=f"known: {', '.join([*ENV_NAMES, *TABLES])}")
    return data, text


def load(environ: Mapping[str, str] | None = None, *, config: Path | None = None) -> Settings:
    """Settings from the config file, then the environment over it."""
    env = os.environ if environ is None else environ
    path = config if config is not None else config_path(env)
    data, text = _read_config(path) if path.is_file() else ({}, "")
    values: dict[str, Any] = dict(data)
    try:
        llm = parse(values.pop("llm", {}), text=text, source=str(path))
        values["llm"] = with_environment(llm, env)
    except ConfigProblems as exc:
        raise InvalidInput(f"invalid LLM settings: {'; '.join(exc.problems)}",
                           hint="bmadgen config show lists the settings; docs/llm.md explains "
                                "them") from exc
    for field, name in ENV_NAMES.items():
        if env.get(name):
            values[field] = env[name]
    values["provider_keys"] = tuple(sorted(
        name for names in PROVIDER_KEYS.values() for name in names if env.get(name)))
    values["config_file"] = path if path.is_file() else None
    problems = _problems(values)
    if problems:
        raise InvalidInput(f"invalid settings ({path} or the environment): {'; '.join(problems)}")
    for field in ("home", "cache_dir"):
        if field in values:
            values[field] = Path(values[field]).expanduser()
    return Settings(**values)


def _problems(values: dict[str, Any]) -> list[str]:
    problems = []
    for field in ("home", "provider", "tier", "cache_dir", "gate_image", "docker_host"):
        value = values.get(field)
        if value is not None and (not isinstance(value, str) or "\x00" in value):
            problems.append(f"{field}: must be text, not {type(value).__name__}")
    for field in ("provider", "tier", "gate_image"):
        if field in values and isinstance(values[field], str) and not values[field].strip():
            problems.append(f"{field}: must not be empty")
    if "sandbox" in values and values["sandbox"] not in SANDBOX_CHOICES:
        problems.append(f"sandbox: {values['sandbox']!r} is not one of "
                        f"{', '.join(SANDBOX_CHOICES)}")
    return problems


def get_settings() -> Settings:
    """The settings as they are now. Cheap (a stat and a small model): a face calls it once per
    session and passes the result down; tests that change the environment see the change."""
    return load()
