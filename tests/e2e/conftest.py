"""Fixtures of the dashboard tests: the app a test module names, and one run of all its cells.

A test module says which app it tests with ``DASHBOARD = "<file name in dashboards/>"``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

# Before any test module imports it: pytest rewrites the asserts only of modules it is told of,
# and the shared helpers should fail with the same detail as the tests.
pytest.register_assert_rewrite("dashboard_support")


@pytest.fixture(scope="module")
def dashboard(request: pytest.FixtureRequest) -> ModuleType:
    """The module's app (its ``DASHBOARD``), imported from its file once per test module."""
    from dashboard_support import load_dashboard

    return load_dashboard(request.module.DASHBOARD)


@pytest.fixture(scope="module")
def dashboard_run(dashboard: ModuleType, warehouse: Any) -> Any:
    """All cells of the app with its filters as they open, run once against the warehouse the
    pipeline built: ``(outputs, defs)``.

    The app reads its connection from the ``reporter_url`` cell; passing it pins the run to the
    ``warehouse`` fixture's reporter URL whatever the process-wide settings say.
    """
    from dashboard_support import run_dashboard

    return run_dashboard(dashboard, warehouse.reporter_database_url)
