"""Great Expectations imported without scipy.stats and altair, which load when first used."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from orchestration.checks.gx_import import import_great_expectations

    gx = import_great_expectations()
    assert gx.__name__ == "great_expectations" and hasattr(gx, "get_context")
    print("after import:", "scipy.stats._stats_py" in sys.modules, "altair.vegalite" in sys.modules)

    # the module that imported both at its top holds stand-ins that answer as the real ones
    import great_expectations.expectations.core.expect_column_kl_divergence_to_be_less_than as kl
    print("entropy:", round(kl.stats.entropy([0.5, 0.5], [0.9, 0.1]), 6))
    import altair as alt
    from scipy import stats
    real_altair, real_stats = sys.modules["altair"], sys.modules["scipy.stats"]
    print("same:", alt.Chart is real_altair.Chart, stats.entropy is real_stats.entropy)
    print("chart:", alt.Chart.__module__)
    print("after use:", "scipy.stats._stats_py" in sys.modules, "altair.vegalite" in sys.modules)
    """
)


def test_great_expectations_imports_without_scipy_stats_and_altair_until_they_are_used():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    lines = done.stdout.splitlines()
    assert lines[0] == "after import: False False"
    assert lines[1] == "entropy: 0.510826"  # the KL divergence, computed by the real scipy.stats
    assert lines[2] == "same: True True"
    assert lines[3] == "chart: altair.vegalite.v6.api"
    assert lines[4] == "after use: True True"
