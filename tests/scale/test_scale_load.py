"""Scale: a million orders (about 6.5 million rows in nine files) load completely with flat
memory. Slow (generation alone takes about a minute): `make test-slow`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_a_million_orders_load_with_flat_memory(empty_warehouse):
    process = subprocess.run(
        [sys.executable, "-m", "orchestration.benchmarks.load", "--orders", "1000000"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    # the benchmark asserts rows read == rows of the server's COPY and zero rejects per file
    peak = float(re.search(r"loader peak memory (\d+) MB", process.stdout).group(1))
    assert peak < 300, process.stdout
