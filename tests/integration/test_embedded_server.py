"""The embedded PostgreSQL runs with the settings the warehouse is tuned for (database.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_the_embedded_server_reads_its_own_pages_and_plans_for_memory(settings, admin):
    if not settings.embedded:
        pytest.skip("a server given by DATABASE_URL is configured by its owner")
    shown = {
        name: admin.execute(f"show {name}").fetchone()[0]
        for name in ("io_method", "random_page_cost", "wal_level", "synchronous_commit")
    }
    assert shown == {
        "io_method": "sync",  # no I/O worker processes competing for two cores
        "random_page_cost": "1.1",
        "wal_level": "minimal",
        "synchronous_commit": "off",
    }
