from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError, describe


def test_settings_read_vigil_variables() -> None:
    s = Settings.from_env(
        {"VIGIL_PORT": "9001", "VIGIL_DATA_DIR": "/tmp/x", "VIGIL_FAUST_ENABLED": "no"}
    )
    assert s.port == 9001
    assert s.data_dir == Path("/tmp/x")
    assert s.faust_enabled is False
    assert s.chdb_path == Path("/tmp/x/chdb")


def test_settings_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port, s.kafka_bootstrap, s.clickhouse_url) == (
        "127.0.0.1",
        8000,
        "",
        "",
    )


def test_bad_setting_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="VIGIL_PORT"):
        Settings.from_env({"VIGIL_PORT": "eighty"})
    with pytest.raises(SettingsError, match="VIGIL_FAUST_ENABLED"):
        Settings.from_env({"VIGIL_FAUST_ENABLED": "maybe"})


def test_topic_prefix_applies_to_every_topic() -> None:
    assert Settings.from_env({"VIGIL_TOPIC_PREFIX": "dev."}).topic("a.v1") == "dev.a.v1"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    missing = [name for name, _, _ in describe() if name not in readme]
    assert not missing
