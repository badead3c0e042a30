"""Which marimo apps of ``dashboards/`` are dashboards: the one rule that serving
(``python -m orchestration dashboards``), the benchmark and the tests share."""

from __future__ import annotations

from pathlib import Path

from orchestration.settings import PROJECT_ROOT

DASHBOARDS_DIR = PROJECT_ROOT / "dashboards"


def dashboard_apps(folder: Path = DASHBOARDS_DIR) -> list[Path]:
    """Every marimo app of the folder but the landing page (``index.py``), by name."""
    return sorted(
        path
        for path in folder.glob("*.py")
        if path.stem != "index" and "marimo.App(" in path.read_text(encoding="utf-8")
    )
