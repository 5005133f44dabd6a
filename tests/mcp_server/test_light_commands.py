"""Only `bmadgen mcp serve` loads the MCP SDK: `--help`, `memory search`, `mcp config` and
`mcp token` stay as light as any command (the check fails when the SDK is loaded: see the
last case)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.mcp_server.helpers import server_env

HEAVY = ("mcp", "litellm", "textual", "docker")


def _loaded_after(code: str, home, cwd) -> list[str]:
    script = (
        "import sys\nfrom bmadgen.cli.app import main\n"
        f"try:\n    {code}\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=server_env(home), cwd=cwd, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return eval(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["mcp", "--help"],
    ["mcp", "config", "--client", "cursor"],
    ["mcp", "token"],
    ["memory", "search", "refunds"],
])
def test_light_commands_do_not_load_the_sdk(bmadgen_home, tmp_path, argv):
    if argv[0] == "memory":
        setup = "main(['project', 'new', 'light'])"
        _loaded_after(setup, bmadgen_home, tmp_path)
    assert _loaded_after(f"main({argv!r})", bmadgen_home, tmp_path) == []


def test_the_check_sees_the_sdk_when_it_is_loaded(bmadgen_home, tmp_path):
    assert "mcp" in _loaded_after("import bmadgen.mcp_server.server", bmadgen_home, tmp_path)


def test_config_prints_a_snippet_for_each_client(bmadgen_home, tmp_path):
    import json

    for client in ("claude-desktop", "cursor", "vscode"):
        done = subprocess.run([sys.executable, "-m", "bmadgen", "mcp", "config", "--client",
                               client], capture_output=True, text=True, env=server_env(bmadgen_home),
                              cwd=tmp_path, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        entry = (data.get("servers") or data["mcpServers"])["bmadgen"]
        assert entry["args"][-2:] == ["mcp", "serve"]
    code = subprocess.run([sys.executable, "-m", "bmadgen", "mcp", "config", "--client",
                           "claude-code"], capture_output=True, text=True,
                          env=server_env(bmadgen_home), cwd=tmp_path, timeout=60, check=False)
    assert code.stdout.startswith("claude mcp add bmadgen -- ")
    unknown = subprocess.run([sys.executable, "-m", "bmadgen", "mcp", "config", "--client",
                              "emacs"], capture_output=True, text=True,
                             env=server_env(bmadgen_home), cwd=tmp_path, timeout=60, check=False)
    assert unknown.returncode == 3 and "claude-desktop" in unknown.stderr
