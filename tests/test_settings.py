"""The one settings object: a TOML file under the environment, checked, never printing keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput
from bmadgen.settings import load


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    settings = load({}, config=tmp_path / "missing.toml")
    assert settings.provider == "offline"
    assert settings.sandbox == "auto"
    assert settings.tier == "free"
    assert settings.gate_image == "bmadgen/gates:latest"
    assert settings.config_file is None
    assert settings.provider_keys == ()


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('provider = "offline"\nsandbox = "local"\ngate_image = "mine:1"\n'
                      f'home = "{tmp_path / "filehome"}"\n')
    settings = load({"BMADGEN_SANDBOX": "docker", "BMADGEN_HOME": str(tmp_path / "envhome")},
                    config=config)
    assert settings.sandbox == "docker"  # environment
    assert settings.gate_image == "mine:1"  # file
    assert settings.data_home() == tmp_path / "envhome"
    assert settings.config_file == config


def test_provider_keys_are_named_never_valued(tmp_path: Path) -> None:
    settings = load({"OPENAI_API_KEY": "sk-secret-value", "GOOGLE_API_KEY": "g"},
                    config=tmp_path / "none.toml")
    assert settings.provider_keys == ("GOOGLE_API_KEY", "OPENAI_API_KEY")
    assert "sk-secret-value" not in repr(settings)


@pytest.mark.parametrize("content, words", [
    ("sandbox = \"vm\"\n", "sandbox"),
    ("not toml = = =\n", "not valid TOML"),
    ("colour = \"blue\"\n", "unknown settings: colour"),
])
def test_a_bad_config_file_is_one_clear_error(tmp_path: Path, content: str, words: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    with pytest.raises(InvalidInput) as caught:
        load({}, config=config)
    assert words in caught.value.one_line()
    assert str(config) in caught.value.one_line()


def test_a_bad_environment_value_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="sandbox"):
        load({"BMADGEN_SANDBOX": "kvm"}, config=tmp_path / "none.toml")


def test_the_cli_reports_a_bad_config_file_in_one_line(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from bmadgen.cli.app import main

    config = tmp_path / "config.toml"
    config.write_text("sandbox = 3\n")
    monkeypatch.setenv("BMADGEN_CONFIG", str(config))
    with pytest.raises(SystemExit) as exited:
        main(["task", "list"])
    assert exited.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("error: invalid settings") and err.count("\n") == 1
