"""Settings have one source of defaults (app/config.py); config.yaml documents every setting at
that default, and the README's table names real settings with their real defaults."""

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsConfigDict

from app.config import CONFIG_FILE, PROJECT_ROOT, Settings

README = PROJECT_ROOT / "README.md"


def _groups() -> dict[str, BaseModel]:
    """Each settings group's code default, by name."""
    groups: dict[str, BaseModel] = {}
    for name, field in Settings.model_fields.items():
        assert isinstance(field.default, BaseModel), f"{name}: top-level settings are groups"
        groups[name] = field.default
    return groups


def _documented() -> dict[str, Any]:
    loaded = yaml.safe_load(CONFIG_FILE.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("CODEGEN_")]:
        monkeypatch.delenv(name)


def test_config_yaml_lists_every_setting_and_nothing_else() -> None:
    documented = _documented()
    groups = _groups()
    assert sorted(documented) == sorted(groups), "config.yaml groups differ from app/config.py"
    for name, default in groups.items():
        keys = documented[name]
        assert isinstance(keys, dict), f"config.yaml: {name} is not a mapping"
        fields = type(default).model_fields
        assert not set(keys) - set(fields), f"config.yaml: unknown {name}.{set(keys) - set(fields)}"
        assert not set(fields) - set(keys), f"config.yaml: {name}.{set(fields) - set(keys)} missing"


def test_config_yaml_values_are_the_code_defaults() -> None:
    documented = _documented()
    for name, default in _groups().items():
        for key, value in documented[name].items():
            parsed = getattr(type(default).model_validate({key: value}), key)
            expected = getattr(default, key)
            assert parsed == expected, f"config.yaml {name}.{key}={value!r}, code: {expected!r}"


@pytest.mark.usefixtures("no_env")
def test_loaded_settings_are_the_defaults() -> None:
    loaded = Settings().model_dump()
    assert loaded == {name: group.model_dump() for name, group in _groups().items()}


@pytest.mark.usefixtures("no_env")
def test_file_and_environment_override_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = tmp_path / "config.yaml"
    edited.write_text("generation:\n  max_parallel_nodes: 2\nlog:\n  level: DEBUG\n")

    class Edited(Settings):
        model_config = SettingsConfigDict(yaml_file=edited)

    monkeypatch.setenv("CODEGEN_LOG__LEVEL", "WARNING")
    settings = Edited()
    assert settings.generation.max_parallel_nodes == 2
    assert settings.log.level == "WARNING"  # the environment wins over the file
    assert settings.generation.max_prd_bytes == 256 * 1024  # untouched: the code default


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize(
    "text", ["generation:\n  verify_by_default: true\n", "environment: prod\n"]
)
def test_unknown_keys_are_errors(tmp_path: Path, text: str) -> None:
    edited = tmp_path / "config.yaml"
    edited.write_text(text)

    class Edited(Settings):
        model_config = SettingsConfigDict(yaml_file=edited)

    with pytest.raises(ValidationError):
        Edited()


def test_readme_table_names_real_settings_with_their_defaults() -> None:
    rows = re.findall(r"^\| `CODEGEN_(\w+)__(\w+)` \| ([^|]+) \|", README.read_text(), re.M)
    assert rows, "README lists no CODEGEN_ variable"
    groups = _groups()
    for group, key, shown in rows:
        name, field = group.lower(), key.lower()
        assert name in groups and field in type(groups[name]).model_fields, f"{group}__{key}"
        literal = re.fullmatch(r"`([^`]*)`", shown.strip())
        if literal:  # a prose default ("/dev/shm if writable") is described, not checked
            default = groups[name]
            parsed = getattr(type(default).model_validate({field: literal.group(1)}), field)
            assert parsed == getattr(default, field), f"README default of {group}__{key}"
