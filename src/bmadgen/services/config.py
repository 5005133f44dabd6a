"""The settings as a person sees and changes them (`config show|set`), and the provider keys
(`keys set|list|rm`).

`set` writes the config file only after the changed file loads as valid settings; the file is
replaced atomically, so a refused value leaves it as it was. Keys are sealed by
`bmadgen.llm.keys`; no function here returns a key's value.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen.errors import EnvironmentUnavailable, InvalidInput
from bmadgen.llm import keys as keys_mod
from bmadgen.llm import prices
from bmadgen.llmconfig import as_table
from bmadgen.services.session import Session
from bmadgen.settings import ENV_NAMES, PROVIDER_KEYS, config_path, load


class SettingValue(BaseModel):
    key: str
    value: Any
    source: str  # default, file, environment


class ConfigView(BaseModel):
    file: str
    exists: bool
    settings: list[SettingValue]


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else key, inner, out)
    else:
        out[prefix] = value


def show(session: Session) -> ConfigView:
    settings = session.settings
    path = settings.config_file or config_path()
    in_file: dict[str, Any] = {}
    if settings.config_file is not None:
        with settings.config_file.open("rb") as handle:
            _flat("", tomllib.load(handle), in_file)
    values: dict[str, Any] = {}
    for field in ENV_NAMES:
        value = getattr(settings, field)
        values[field] = str(value) if isinstance(value, Path) else value
    _flat("llm", as_table(settings.llm), values)
    environ = {ENV_NAMES[f]: f for f in ENV_NAMES}
    out = []
    for key, value in values.items():
        source = "default"
        if key in in_file:
            source = "file"
        if key in environ.values() and os.environ.get(ENV_NAMES[key]):
            source = "environment"
        if key in ("llm.default", "llm.budget_usd") and os.environ.get(
                {"llm.default": "BMADGEN_LLM_MODEL", "llm.budget_usd": "BMADGEN_LLM_BUDGET"}[key]):
            source = "environment"
        out.append(SettingValue(key=key, value=value, source=source))
    return ConfigView(file=str(path), exists=path.is_file(), settings=out)


def _parse_value(raw: str) -> Any:
    """A value as TOML reads it (2.5, true, ["a", "b"]), else the text itself."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    import json

    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


def dumps(data: dict[str, Any]) -> str:
    """A small TOML writer for the config file's shapes: values, tables of tables."""
    lines: list[str] = []

    def table(path: list[str], mapping: dict[str, Any]) -> None:
        plain = {k: v for k, v in mapping.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in mapping.items() if isinstance(v, dict)}
        if path and (plain or not nested):
            lines.append(f"\n[{'.'.join(_toml_key(p) for p in path)}]")
        for key, value in plain.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in nested.items():
            table([*path, key], value)

    table([], data)
    return "\n".join(lines).lstrip("\n") + "\n"


def set_value(session: Session, key: str, raw: str) -> SettingValue:
    """Change one setting in the config file (`llm.agents.pm.model`), checked first."""
    path = session.settings.config_file or config_path()
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise InvalidInput(f"{key!r} is not a setting name", hint="bmadgen config show lists them")
    data: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    value = _parse_value(raw)
    target = data
    for part in parts[:-1]:
        child = target.setdefault(part, {})
        if not isinstance(child, dict):
            raise InvalidInput(f"{'.'.join(parts[:-1])} is a value, not a table")
        target = child
    target[parts[-1]] = value
    text = dumps(data)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(text, encoding="utf-8")
        checked = load({k: v for k, v in os.environ.items() if k not in
                        ("BMADGEN_LLM_MODEL", "BMADGEN_LLM_BUDGET")}, config=temp)
        for name in (checked.llm.default, *checked.llm.fallbacks,
                     *(r.model for r in checked.llm.agents.values() if r.model)):
            why = prices.unknown_model(checked.llm, name)
            if why:
                raise InvalidInput(why, hint="the config file was not changed")
        os.replace(temp, path)
    except OSError as exc:
        raise EnvironmentUnavailable(f"cannot write the config file {path}: "
                                     f"{exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)
    return SettingValue(key=key, value=value, source="file")


# ------------------------------------------------------------------ keys


class KeyView(BaseModel):
    provider: str
    masked: str
    source: str  # stored, or the environment variable that holds it


class KeyList(BaseModel):
    storage: str  # keyring or file
    keys: list[KeyView]


def _environment_keys(session: Session) -> dict[str, str]:
    set_names = set(session.settings.provider_keys)
    return {provider: name for provider, names in PROVIDER_KEYS.items() for name in names
            if name in set_names and provider not in keys_mod.NO_KEY_PROVIDERS}


def set_key(session: Session, provider: str, key: str) -> KeyView:
    keys_mod.check_provider(provider, PROVIDER_KEYS)
    key = keys_mod.check_key(provider, key)
    stored = keys_mod.set_key(session.settings.data_home(), provider, key)
    return KeyView(provider=stored.provider, masked=stored.masked, source=stored.source)


def list_keys(session: Session) -> KeyList:
    home = session.settings.data_home()
    found = keys_mod.list_keys(home, _environment_keys(session))
    return KeyList(storage=keys_mod.backend(home),
                   keys=[KeyView(provider=k.provider, masked=k.masked, source=k.source)
                         for k in found])


def remove_key(session: Session, provider: str) -> KeyView:
    keys_mod.check_provider(provider, PROVIDER_KEYS)
    keys_mod.remove_key(session.settings.data_home(), provider)
    return KeyView(provider=provider, masked="", source="removed")
