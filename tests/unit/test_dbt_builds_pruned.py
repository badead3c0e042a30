"""Old dbt build folders are removed, the newest kept (orchestration/assets/dbt.py)."""

from __future__ import annotations

import os

from orchestration.assets.dbt import prune_builds


def test_all_but_the_newest_builds_of_the_asset_are_removed(tmp_path):
    for age, name in enumerate(
        [
            "olist_dbt_models-aaaaaaa-1",
            "olist_dbt_models-bbbbbbb-2",
            "olist_dbt_models-ccccccc-3",
            "olist_dbt_models-ddddddd-4",
        ]
    ):
        folder = tmp_path / name
        (folder / "compiled").mkdir(parents=True)
        (folder / "dbt.log").write_text("log")
        os.utime(folder, (1_000_000 - age * 100, 1_000_000 - age * 100))  # the first is newest
    (tmp_path / "other_asset-eeeeeee-5").mkdir()  # another asset's build: not ours to remove
    (tmp_path / "manifest.json").write_text("{}")

    removed = prune_builds(tmp_path, "olist_dbt_models", keep=2)

    assert sorted(p.name for p in removed) == [
        "olist_dbt_models-ccccccc-3",
        "olist_dbt_models-ddddddd-4",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json",
        "olist_dbt_models-aaaaaaa-1",
        "olist_dbt_models-bbbbbbb-2",
        "other_asset-eeeeeee-5",
    ]
    assert prune_builds(tmp_path, "olist_dbt_models", keep=2) == []
