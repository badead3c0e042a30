"""Benchmark: every query of every dashboard, p50 and p95 over repeated runs of the apps.

    python -m orchestration.benchmarks.dashboards --orders 100000 --repeats 20

Each app of ``dashboards/`` (the landing page has no queries) runs headlessly with marimo's
``app.run()``, as a viewer's first page load does, with its filters at their defaults (the
whole date range: the widest and slowest selection). ``dashboards.common.query_log`` records
every query: the time covers connecting as the reporting role, running the query and fetching
its rows, which is what a viewer waits for. The warehouse is the pipeline benchmark's database
at that scale, built first when it is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestration.apps import dashboard_apps

ROOT = Path(__file__).resolve().parents[2]
TARGET_MS = 100.0


@dataclass(frozen=True)
class QueryTiming:
    app: str
    label: str
    rows: int
    p50_ms: float
    p95_ms: float
    runs: int


def _load_app(path: Path):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location(f"bench_dashboard_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def _label(sql: str, index: int) -> str:
    tables = sorted(set(re.findall(r"\b(?:marts|ops)\.\w+", sql)))
    return f"q{index + 1} " + (", ".join(tables) or "(no table)")


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1), linear between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def time_queries(reporter_url: str, repeats: int = 20) -> list[QueryTiming]:
    """Run every app ``repeats`` times (after one warm-up run) and time each of its queries."""
    from dashboards import common

    timings: list[QueryTiming] = []
    for path in dashboard_apps():
        app = _load_app(path)
        app.run(defs={"reporter_url": reporter_url})  # warm-up: imports, plans, caches
        samples: dict[str, list[float]] = {}
        rows: dict[str, int] = {}
        order: list[str] = []
        for _ in range(repeats):
            common.query_log = []
            try:
                app.run(defs={"reporter_url": reporter_url})
                for sql, seconds, count in common.query_log:
                    if sql not in samples:
                        samples[sql] = []
                        order.append(sql)
                    samples[sql].append(seconds * 1000)
                    rows[sql] = count
            finally:
                common.query_log = None
        for index, sql in enumerate(order):
            values = samples[sql]
            timings.append(
                QueryTiming(
                    app=path.stem,
                    label=_label(sql, index),
                    rows=rows[sql],
                    p50_ms=percentile(values, 0.50),
                    p95_ms=percentile(values, 0.95),
                    runs=len(values),
                )
            )
    return timings


def render(timings: list[QueryTiming], target_ms: float = TARGET_MS) -> str:
    """A Markdown table of the timings, slowest p95 marked against the target."""
    lines = [
        "| dashboard | query | rows | p50 ms | p95 ms | runs |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for t in timings:
        flag = "" if t.p95_ms < target_ms else " (over target)"
        lines.append(
            f"| {t.app} | {t.label} | {t.rows:,} | {t.p50_ms:.1f} | {t.p95_ms:.1f}{flag} "
            f"| {t.runs} |"
        )
    if timings:
        worst = max(timings, key=lambda t: t.p95_ms)
        lines.append("")
        apps = len({t.app for t in timings})
        lines.append(
            f"slowest p95: {worst.p95_ms:.1f} ms ({worst.app} {worst.label}); "
            f"target < {target_ms:.0f} ms; {len(timings)} queries in {apps} dashboards"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.benchmarks.dashboards",
        description=(
            "Time every dashboard query (p50/p95 over repeated app runs) on a warehouse built "
            "from N generated orders (built first when missing)."
        ),
    )
    parser.add_argument("--orders", type=int, default=100_000, help="scale (default 100k)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=20, help="app runs timed (default 20)")
    parser.add_argument("--target-ms", type=float, default=TARGET_MS, help="p95 target in ms")
    args = parser.parse_args(argv)

    from orchestration.benchmarks.pipeline import built_warehouse

    warehouse = built_warehouse(args.orders, args.seed)
    print(f"timing dashboard queries on {args.orders:,} orders ({args.repeats} runs each) ...")
    timings = time_queries(warehouse.reporter_database_url, args.repeats)
    print(render(timings, args.target_ms))
    return 0 if all(t.p95_ms < args.target_ms for t in timings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
