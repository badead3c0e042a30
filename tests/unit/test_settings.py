"""Settings read from the environment, with clear errors for values that cannot work."""

from __future__ import annotations

import pytest

from orchestration.settings import Settings


def test_dbt_log_file_level_defaults_to_info_and_takes_dbt_levels():
    assert Settings.from_env({}).dbt_log_level_file == "info"
    assert Settings.from_env({"DBT_LOG_LEVEL_FILE": "DEBUG"}).dbt_log_level_file == "debug"
    assert Settings.from_env({"DBT_LOG_LEVEL_FILE": "none"}).dbt_log_level_file == "none"


def test_an_unknown_dbt_log_file_level_is_refused_by_name():
    with pytest.raises(ValueError, match=r"DBT_LOG_LEVEL_FILE='verbose': expected one of debug"):
        Settings.from_env({"DBT_LOG_LEVEL_FILE": "verbose"})
