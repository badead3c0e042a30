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


def test_parallel_workers_are_none_on_the_embedded_server_and_the_servers_elsewhere():
    # the embedded server shares its cores with dbt's threads: no workers per query
    assert Settings.from_env({}).parallel_workers == 0
    # a configured server keeps its own setting unless told
    configured = {"DATABASE_URL": "postgresql://postgres@db:5432/olist"}
    assert Settings.from_env(configured).parallel_workers is None
    assert Settings.from_env({**configured, "OLIST_PARALLEL_WORKERS": "4"}).parallel_workers == 4
    assert Settings.from_env({"OLIST_PARALLEL_WORKERS": "Server"}).parallel_workers is None


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_parallel_workers_value_that_cannot_work_is_refused_by_name(value):
    with pytest.raises(ValueError, match=rf"OLIST_PARALLEL_WORKERS='{value}': expected a whole"):
        Settings.from_env({"OLIST_PARALLEL_WORKERS": value})
