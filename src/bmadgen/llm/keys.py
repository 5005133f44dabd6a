"""Provider keys (bring your own LLM), encrypted at rest.

Each key is sealed with AES-GCM (`cryptography`) under a master key, with the provider's name
as associated data, in `keys.json` next to the store (mode 0600). The master key lives in the
OS keyring when one works; on a headless machine `keyring` raises `NoKeyringError`, and the
master key is then a file beside the store with mode 0600 (`doctor` says which). A key is
never returned to a face: `list` shows a masked form, and the gateway asks `key_for` only when
it is about to call the provider. The provider's environment variable, when set, wins.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable, InvalidInput, NotFound

KEYS_FILENAME = "keys.json"
MASTER_FILENAME = "master.key"
KEYRING_SERVICE = "bmadgen"
KEYRING_USER = "master-key"
NO_KEY_PROVIDERS = ("ollama",)  # reached by a base URL, not a key
PREFIXES = {"openai": "sk-", "anthropic": "sk-ant-"}
_KEY_SHAPE = re.compile(r"^[\x21-\x7e]{8,512}$")  # printable ASCII, no spaces


@dataclass(frozen=True)
class StoredKey:
    provider: str
    masked: str
    source: str  # "stored" or the environment variable's name


def check_provider(provider: str, known: dict[str, tuple[str, ...]]) -> str:
    if provider in NO_KEY_PROVIDERS:
        raise InvalidInput(f"{provider} needs no key",
                           hint="set its api_base in the config file (docs/llm.md)")
    if provider not in known:
        names = ", ".join(p for p in known if p not in NO_KEY_PROVIDERS)
        raise InvalidInput(f"unknown provider {provider!r}", hint=f"known: {names}")
    return provider


def check_key(provider: str, key: str) -> str:
    """The key, stripped; a malformed one is refused without repeating it."""
    key = key.strip()
    if not key:
        raise InvalidInput(f"no key was given for {provider}")
    if not _KEY_SHAPE.match(key):
        raise InvalidInput(f"that does not look like a {provider} key: a key is 8 to 512 "
                           "printable characters without spaces (the value is not repeated "
                           "here)")
    prefix = PREFIXES.get(provider)
    if prefix and not key.startswith(prefix):
        raise InvalidInput(f"that does not look like a {provider} key: they start with "
                           f"{prefix!r} (the value is not repeated here)")
    return key


def mask(key: str) -> str:
    return f"{key[:3]}...{key[-4:]}" if len(key) >= 12 else "****"


# ------------------------------------------------------------------ the master key


def _keyring_master() -> bytes | None:
    """The master key from the OS keyring (made there on first use), or None without one."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
        if stored is None:
            stored = base64.b64encode(os.urandom(32)).decode()
            keyring.set_password(KEYRING_SERVICE, KEYRING_USER, stored)
        return base64.b64decode(stored)
    except (KeyringError, RuntimeError, ValueError):  # NoKeyringError on a headless machine
        return None


def backend(home: Path) -> str:
    """Where the master key lives: 'keyring', or 'file' (mode 0600 beside the store)."""
    if (home / MASTER_FILENAME).exists():
        return "file"
    return "keyring" if _keyring_works() else "file"


def _keyring_works() -> bool:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return False
    try:
        keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
        return True
    except (KeyringError, RuntimeError):
        return False


def _write_private(path: Path, data: bytes) -> None:
    """Written with mode 0600 from the start (never readable by others, even briefly), then
    moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise EnvironmentUnavailable(f"cannot write {path}: {exc.strerror or exc}") from exc


def _master(home: Path, *, create: bool) -> bytes | None:
    path = home / MASTER_FILENAME
    if path.exists():
        try:
            data = base64.b64decode(path.read_bytes().strip(), validate=True)
        except (OSError, ValueError) as exc:
            raise EnvironmentUnavailable(f"cannot read the master key {path}",
                                         hint="remove it and set the keys again") from exc
        if len(data) != 32:
            raise EnvironmentUnavailable(f"the master key {path} is damaged",
                                         hint="remove it and set the keys again")
        return data
    from_keyring = _keyring_master() if (create or _keyring_works()) else None
    if from_keyring is not None:
        return from_keyring
    if not create:
        return None
    data = os.urandom(32)
    _write_private(path, base64.b64encode(data) + b"\n")
    return data


# ------------------------------------------------------------------ the sealed keys


def _load(home: Path) -> dict[str, dict[str, str]]:
    path = home / KEYS_FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise EnvironmentUnavailable(f"cannot read the keys file {path}",
                                     hint="remove it and set the keys again") from exc
    keys = data.get("keys") if isinstance(data, dict) else None
    return keys if isinstance(keys, dict) else {}


def _save(home: Path, keys: dict[str, dict[str, str]]) -> None:
    text = json.dumps({"version": 1, "keys": keys}, indent=2, sort_keys=True) + "\n"
    _write_private(home / KEYS_FILENAME, text.encode())


def set_key(home: Path, provider: str, key: str) -> StoredKey:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    master = _master(home, create=True)
    assert master is not None
    nonce = os.urandom(12)
    sealed = AESGCM(master).encrypt(nonce, key.encode(), provider.encode())
    keys = _load(home)
    keys[provider] = {"nonce": base64.b64encode(nonce).decode(),
                      "sealed": base64.b64encode(sealed).decode()}
    _save(home, keys)
    return StoredKey(provider=provider, masked=mask(key), source="stored")


def remove_key(home: Path, provider: str) -> None:
    keys = _load(home)
    if provider not in keys:
        raise NotFound(f"no stored key for {provider}")
    del keys[provider]
    _save(home, keys)


def get_key(home: Path, provider: str) -> str | None:
    """The stored key of `provider`, decrypted, or None. Only the gateway calls this."""
    entry = _load(home).get(provider)
    if entry is None:
        return None
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    master = _master(home, create=False)
    if master is None:
        raise EnvironmentUnavailable(f"the stored {provider} key cannot be opened: the master "
                                     "key is gone", hint=f"set it again: keys set {provider}")
    try:
        return AESGCM(master).decrypt(base64.b64decode(entry["nonce"]),
                                      base64.b64decode(entry["sealed"]),
                                      provider.encode()).decode()
    except (InvalidTag, KeyError, ValueError) as exc:
        raise EnvironmentUnavailable(f"the stored {provider} key cannot be decrypted",
                                     hint=f"set it again: keys set {provider}") from exc


def stored_providers(home: Path) -> list[str]:
    return sorted(_load(home))


def list_keys(home: Path, environment: dict[str, str]) -> list[StoredKey]:
    """Every stored key (masked) and every provider variable that is set (by name only)."""
    out = []
    for provider in stored_providers(home):
        key = get_key(home, provider)
        out.append(StoredKey(provider=provider, masked=mask(key or ""), source="stored"))
    for provider, variable in sorted(environment.items()):
        out.append(StoredKey(provider=provider, masked="(set)", source=variable))
    return out
