"""The landing sensor asks for one run per new or changed set of extracts."""

from __future__ import annotations

import dagster as dg

from orchestration.sensors import landing_sensor
from orchestration.settings import Settings


def evaluate(cursor: str | None):
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        result = landing_sensor(context)
        return result, context.cursor


def test_new_folder_requests_a_run_and_the_same_files_do_not(tmp_path, monkeypatch):
    settings = Settings.from_env({"LANDING_DIR": str(tmp_path), "SAMPLE_DIR": str(tmp_path)})
    monkeypatch.setattr("orchestration.sensors.get_settings", lambda: settings)
    result, cursor = evaluate(None)
    assert isinstance(result, dg.SkipReason)

    folder = tmp_path / "2018-10-18"
    folder.mkdir()
    (folder / "olist_orders_dataset.csv").write_text('"order_id"\n', encoding="utf-8")
    result, cursor = evaluate(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["olist/landing"] == "2018-10-18"

    again, _ = evaluate(cursor)
    assert isinstance(again, dg.SkipReason)

    (folder / "olist_orders_dataset.csv").write_text('"order_id"\n1\n', encoding="utf-8")
    changed, _ = evaluate(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != result.run_key
