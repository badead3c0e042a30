# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="Marketplace: data quality")

with app.setup(hide_code=True):
    import sys
    from pathlib import Path

    # `marimo run dashboards/quality.py` puts only this folder on sys.path; the shared helper
    # (`dashboards.common`) and the settings (`orchestration`) are imported from the repo root.
    _repo_root = str(Path(__file__).resolve().parent.parent)
    if _repo_root not in sys.path:
        sys.path.insert(0, _repo_root)

    import json
    import math

    import altair as alt
    import marimo as mo
    import pandas as pd

    from dashboards.common import (
        format_number,
        format_percent,
        load,
    )
    from orchestration.settings import get_settings

    # How many examples of failing rows a table cell shows (the metadata keeps a few more).
    EXAMPLES_SHOWN = 3


@app.function
def in_utc(values: pd.Series) -> pd.Series:
    """Timestamps as naive UTC, so every time on the page is in one zone, labelled UTC."""
    return pd.to_datetime(values, utc=True).dt.tz_localize(None)


@app.function
def as_int(value: object) -> int | None:
    """A count from the database as an int (``None`` stays ``None``; a table shows "-")."""
    return None if value is None or pd.isna(value) else int(value)


@app.function
def format_examples(examples: object, source_file: str | None = None) -> str:
    """The failing-row examples a check recorded, as one line a table can show.

    Checks record examples in three shapes: ``file:line reason`` strings (loading checks),
    short key descriptions (SQL checks), or, for Great Expectations, a mapping from the failed
    expectation to example rows. ``source_file`` keeps only the examples of that file.
    """
    if isinstance(examples, str):
        try:
            examples = json.loads(examples)
        except ValueError:
            examples = [examples]
    if isinstance(examples, dict):
        lines = []
        for expectation, rows in examples.items():
            for row in rows if isinstance(rows, list) else [rows]:
                shown = (
                    ", ".join(f"{key}={value}" for key, value in row.items())
                    if isinstance(row, dict)
                    else str(row)
                )
                lines.append(f"{expectation}: {shown}")
    elif isinstance(examples, list):
        lines = [
            ", ".join(f"{k}={v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
            for item in examples
        ]
    else:
        lines = []
    if source_file:
        lines = [line for line in lines if line.startswith(f"{source_file}:")]
    shown = "; ".join(lines[:EXAMPLES_SHOWN])
    more = len(lines) - EXAMPLES_SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown


@app.function
def check_rule(check_name: str, metadata: dict, description: str | None) -> str:
    """What a check demands, in words, for the person reading a failure.

    Loading and SQL checks record their rule; Great Expectations suites record an explanation
    (shown in full below the table); dbt tests record neither, so the rule says how to see the
    failing rows.
    """
    if metadata.get("rule"):
        return str(metadata["rule"])
    if metadata.get("explanation"):
        first_line = str(metadata["explanation"]).strip().splitlines()[0]
        return first_line.replace("**", "")
    if description:
        return description
    if metadata.get("unique_id"):
        return f'dbt test; see its failing rows with make dbt ARGS="test -s {check_name}"'
    return ""


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Data quality

    How trustworthy is the data behind the dashboards? Every pipeline run checks each layer,
    from the raw files to the marts. The **quality score** of a run is the share of its
    error-level checks that passed; warn-level checks do not count in the score and are shown
    beside it as **warnings**. **Row validity** is the share of the rows read from the source
    files that loaded (the others are kept aside as rejected rows, with the reason). Times are
    in UTC.
    """)
    return


@app.cell
def _():
    # The read-only reporting connection (a test may pass its own value for this name).
    reporter_url = get_settings().reporter_database_url
    return (reporter_url,)


@app.cell
def _(reporter_url):
    # Reach the warehouse once before any section reads it: when it is down, the page shows one
    # message instead of one per section.
    load("select 1", None, reporter_url)
    warehouse_url = reporter_url
    return (warehouse_url,)


@app.cell
def _(warehouse_url):
    runs = load(
        """
        with loaded as (
            select
                run_id,
                count(*) as files,
                sum(rows_read) as rows_read,
                sum(rows_loaded) as rows_loaded,
                sum(rows_rejected) as rows_rejected
            from ops.row_validity
            group by run_id
        ),

        jobs as (
            select run_id, max(job_name) as job_name
            from ops.check_results
            group by run_id
        )

        select
            scores.run_id,
            jobs.job_name,
            scores.evaluated_at,
            scores.quality_score,
            scores.error_checks,
            scores.error_checks_passed,
            scores.warn_checks,
            scores.warnings,
            loaded.files,
            loaded.rows_read,
            loaded.rows_rejected,
            round(cast(loaded.rows_loaded as numeric) / nullif(loaded.rows_read, 0), 6)
                as row_validity
        from ops.quality_scores as scores
        left join jobs on scores.run_id = jobs.run_id
        left join loaded on scores.run_id = loaded.run_id
        order by scores.evaluated_at
        """,
        None,
        warehouse_url,
    )
    mo.stop(
        runs.empty,
        mo.callout(
            mo.md(
                "No check results are recorded yet. Run the pipeline (`make run` locally, or "
                "materialize all assets in the Dagster UI): each run records its checks in "
                "`ops.check_results`."
            ),
            kind="warn",
            title="No runs yet",
        ),
    )
    runs["run_time"] = in_utc(runs["evaluated_at"])
    return (runs,)


@app.cell
def _(runs):
    # The newest run, and the one before it to show which way the figures moved.
    latest = runs.iloc[-1].to_dict()
    previous = runs.iloc[-2].to_dict() if len(runs) > 1 else None
    _with_files = runs[runs["rows_read"].notna()]
    last_load = _with_files.iloc[-1].to_dict() if not _with_files.empty else None
    return last_load, latest, previous


@app.cell(hide_code=True)
def _(latest):
    mo.md(f"""
    ## Latest run

    Run `{latest["run_id"]}` of job `{latest["job_name"] or "?"}`, checked on
    {latest["run_time"]:%d/%m/%Y at %H:%M} UTC.
    """)
    return


@app.cell
def _(last_load, latest, previous):
    def _direction(key: str) -> str | None:
        if previous is None or pd.isna(previous[key]) or latest[key] == previous[key]:
            return None
        return "increase" if latest[key] > previous[key] else "decrease"

    _failed = as_int(latest["error_checks"]) - as_int(latest["error_checks_passed"])
    if last_load is None:
        _validity_caption = "no file loaded in any run yet"
    elif last_load["run_id"] == latest["run_id"]:
        _validity_caption = (
            f"{format_number(last_load['rows_rejected'])} of "
            f"{format_number(last_load['rows_read'])} rows rejected"
        )
    else:
        _validity_caption = (
            f"this run loaded no new file; last load on {last_load['run_time']:%d/%m/%Y}"
        )
    kpi_cards = mo.hstack(
        [
            mo.stat(
                format_percent(latest["quality_score"], 2),
                label="Quality score",
                caption="error-level checks passed / executed",
                direction=_direction("quality_score"),
                bordered=True,
            ),
            mo.stat(
                f"{format_number(latest['error_checks_passed'])} / "
                f"{format_number(latest['error_checks'])}",
                label="Error checks passed",
                caption="all passed" if _failed == 0 else f"{_failed} failed",
                bordered=True,
            ),
            mo.stat(
                format_number(latest["warnings"]),
                label="Warnings",
                caption=f"of {format_number(latest['warn_checks'])} warn-level checks",
                direction=_direction("warnings"),
                target_direction="decrease",
                bordered=True,
            ),
            mo.stat(
                format_percent(last_load["row_validity"], 2) if last_load else "-",
                label="Row validity",
                caption=_validity_caption,
                bordered=True,
            ),
        ],
        widths="equal",
        gap=1,
    )
    kpi_cards
    return (kpi_cards,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Trend per run
    """)
    return


@app.cell
def _(runs):
    # One row per run and measure, the shape a chart with a legend needs.
    _wide = runs.assign(
        score=runs["quality_score"].astype("float64"),
        validity=runs["row_validity"].astype("float64"),
        run=runs["run_id"].str.slice(0, 8),
    )
    trend = (
        _wide.melt(
            id_vars=["run_time", "run", "error_checks", "error_checks_passed", "warnings"],
            value_vars=["score", "validity"],
            var_name="measure",
            value_name="share",
        )
        .replace({"measure": {"score": "Quality score", "validity": "Row validity"}})
        .dropna(subset=["share"])
    )
    return (trend,)


@app.cell
def _(trend):
    # Scores sit close to 100%: start the axis a little below the lowest value, not at zero.
    _lowest = max(0.0, math.floor((trend["share"].min() - 0.005) * 100) / 100)
    trend_chart = (
        alt.Chart(trend, title="Quality score and row validity per run")
        .mark_line(point=True)
        .encode(
            x=alt.X("run_time:T", title="run (UTC)", axis=alt.Axis(format="%d/%m %H:%M")),
            y=alt.Y(
                "share:Q",
                title="share",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[_lowest, 1]),
            ),
            color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("run:N", title="run"),
                alt.Tooltip("run_time:T", title="checked (UTC)", format="%d/%m/%Y %H:%M"),
                alt.Tooltip("measure:N", title="measure"),
                alt.Tooltip("share:Q", title="value", format=".2%"),
                alt.Tooltip("error_checks_passed:Q", title="error checks passed"),
                alt.Tooltip("error_checks:Q", title="error checks executed"),
                alt.Tooltip("warnings:Q", title="warnings"),
            ],
        )
        .properties(width="container", height=260)
    )
    trend_chart
    return (trend_chart,)


@app.cell
def _(runs):
    _failures = pd.DataFrame(
        {
            "run_time": runs["run_time"],
            "run": runs["run_id"].str.slice(0, 8),
            "Error checks failed": (runs["error_checks"] - runs["error_checks_passed"]).astype(
                "int64"
            ),
            "Warnings": runs["warnings"].astype("int64"),
        }
    ).melt(id_vars=["run_time", "run"], var_name="kind", value_name="checks")
    failures_chart = (
        alt.Chart(_failures, title="Failed checks per run")
        .mark_bar()
        .encode(
            x=alt.X("run:N", title="run", sort=alt.SortField("run_time")),
            xOffset="kind:N",
            y=alt.Y(
                "checks:Q",
                title="checks",
                axis=alt.Axis(tickMinStep=1, format="d"),
                # a run where nothing failed still gets a readable axis (0 to 1, not 0 to 0)
                scale=alt.Scale(domain=[0, max(1, int(_failures["checks"].max()))]),
            ),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(
                    domain=["Error checks failed", "Warnings"], range=["#d62728", "#ff7f0e"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("run:N", title="run"),
                alt.Tooltip("run_time:T", title="checked (UTC)", format="%d/%m/%Y %H:%M"),
                alt.Tooltip("kind:N", title="kind"),
                alt.Tooltip("checks:Q", title="checks"),
            ],
        )
        .properties(width="container", height=200)
    )
    failures_chart
    return (failures_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## What failed in a run

    Pick a run to see its failing checks, why each failed and a few of the failing rows.
    Error-level failures lower the quality score; warnings annotate data that is unusual but
    usable.
    """)
    return


@app.cell
def _(runs):
    _newest_first = runs.iloc[::-1]
    _labels = {
        (
            f"{row.run_time:%d/%m/%Y %H:%M} UTC · {row.job_name or '?'} · {row.run_id[:8]}"
            + (" (latest)" if position == 0 else "")
        ): row.run_id
        for position, row in enumerate(_newest_first.itertuples())
    }
    run_picker = mo.ui.dropdown(options=_labels, value=next(iter(_labels)), label="Run")
    run_picker
    return (run_picker,)


@app.cell
def _(run_picker, warehouse_url):
    selected_run = run_picker.value
    checks = load(
        """
        select severity, asset_key, check_name, passed, failing_count, description, metadata
        from ops.check_results
        where run_id = %(run_id)s
        order by case severity when 'ERROR' then 0 else 1 end, asset_key, check_name
        """,
        {"run_id": selected_run},
        warehouse_url,
    )
    checks["metadata"] = [meta or {} for meta in checks["metadata"]]
    failing = checks[~checks["passed"].astype(bool)].reset_index(drop=True)
    return checks, failing, selected_run


@app.cell
def _(checks, failing):
    mo.stop(
        failing.empty,
        mo.callout(
            mo.md(f"All **{len(checks)}** checks of this run passed."),
            kind="success",
            title="Nothing failed",
        ),
    )
    failing_table = mo.ui.table(
        pd.DataFrame(
            {
                "Severity": failing["severity"],
                "Asset": failing["asset_key"],
                "Check": failing["check_name"],
                "Column": [
                    meta.get("failing_columns") or meta.get("column") or ""
                    for meta in failing["metadata"]
                ],
                "Failing rows": [as_int(count) for count in failing["failing_count"]],
                "Examples": [format_examples(meta.get("examples")) for meta in failing["metadata"]],
                "Rule": [
                    check_rule(name, meta, description)
                    for name, meta, description in zip(
                        failing["check_name"],
                        failing["metadata"],
                        failing["description"],
                        strict=True,
                    )
                ],
            }
        ),
        selection=None,
        wrapped_columns=["Asset", "Check", "Column", "Examples", "Rule"],
        column_widths={
            "Severity": 70,
            "Asset": 160,
            "Check": 180,
            "Column": 120,
            "Failing rows": 70,
            "Examples": 300,
            "Rule": 220,
        },
        format_mapping={"Failing rows": lambda value: format_number(value)},
        page_size=20,
        show_column_summaries=False,
        show_data_types=False,
        label=(
            f"{(failing['severity'] == 'ERROR').sum()} error-level and "
            f"{(failing['severity'] == 'WARN').sum()} warn-level checks failed "
            f"(of {len(checks)} executed)"
        ),
    )
    failing_table
    return (failing_table,)


@app.cell
def _(failing):
    # Great Expectations suites explain each failed expectation; show those in full.
    mo.stop(failing.empty)
    _explained = failing[[bool(meta.get("explanation")) for meta in failing["metadata"]]]
    mo.stop(_explained.empty)
    mo.accordion(
        {
            f"{row.severity} · {row.asset_key} · {row.check_name}": mo.md(
                row.metadata["explanation"]
            )
            for row in _explained.itertuples()
        },
        multiple=True,
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    ### Rejected rows per file

    Rows that broke a file's contract (an unparseable value, a wrong column count) are not
    loaded; they are kept with file, line and reason. Files of the run picked above.
    """)
    return


@app.cell
def _(selected_run, warehouse_url):
    # The rows_valid check of each raw table names a few rejected rows (file:line reason).
    rejected = load(
        """
        select
            files.source_table,
            files.source_file,
            files.rows_read,
            files.rows_loaded,
            files.rows_rejected,
            files.row_validity,
            checks.metadata -> 'examples' as examples
        from ops.row_validity as files
        left join ops.check_results as checks
            on
                files.run_id = checks.run_id
                and checks.check_name = 'rows_valid'
                and checks.asset_key = 'raw/' || files.source_table
        where files.run_id = %(run_id)s
        order by files.rows_rejected desc, files.source_table, files.source_file
        """,
        {"run_id": selected_run},
        warehouse_url,
    )
    return (rejected,)


@app.cell
def _(rejected):
    mo.stop(
        rejected.empty,
        mo.callout(
            mo.md(
                "This run loaded no new file: every file in the landing folder had been "
                "loaded before. Pick a run that loaded files, or see the load history below."
            ),
            kind="info",
            title="No files loaded in this run",
        ),
    )
    rejected_table = mo.ui.table(
        pd.DataFrame(
            {
                "Table": rejected["source_table"],
                "File": rejected["source_file"],
                "Rows read": [as_int(v) for v in rejected["rows_read"]],
                "Rows loaded": [as_int(v) for v in rejected["rows_loaded"]],
                "Rows rejected": [as_int(v) for v in rejected["rows_rejected"]],
                "Row validity": rejected["row_validity"].astype("float64"),
                "Rejected rows (file:line reason)": [
                    format_examples(examples, source_file)
                    for examples, source_file in zip(
                        rejected["examples"], rejected["source_file"], strict=True
                    )
                ],
            }
        ),
        selection=None,
        wrapped_columns=["File", "Rejected rows (file:line reason)"],
        column_widths={
            "Table": 160,
            "File": 220,
            "Rows read": 80,
            "Rows loaded": 80,
            "Rows rejected": 80,
            "Row validity": 80,
            "Rejected rows (file:line reason)": 340,
        },
        format_mapping={
            "Rows read": lambda value: format_number(value),
            "Rows loaded": lambda value: format_number(value),
            "Rows rejected": lambda value: format_number(value),
            "Row validity": lambda value: format_percent(value, 2),
        },
        show_column_summaries=False,
        show_data_types=False,
        label=(
            f"{format_number(rejected['rows_rejected'].sum())} rows rejected in "
            f"{int((rejected['rows_rejected'] > 0).sum())} of {len(rejected)} files"
            if rejected["rows_rejected"].sum() > 0
            else f"No rejected rows: every row of the {len(rejected)} files loaded"
        ),
    )
    rejected_table
    return (rejected_table,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Load history

    Every file the loader has seen, newest first: a file loads once (the ledger keys it by its
    SHA-256), a changed file **replaces** its earlier batch, and a file that broke its
    contract is **failed** with the reason.
    """)
    return


@app.cell
def _(warehouse_url):
    loads = load(
        """
        select
            batch_id,
            started_at,
            source_table,
            source_file,
            file_bytes,
            rows_read,
            rows_loaded,
            rows_rejected,
            duration_seconds,
            round(rows_read / nullif(duration_seconds, 0)) as rows_per_second,
            status,
            error,
            run_id
        from ops.loads
        order by started_at desc, batch_id desc
        limit 1000
        """,
        None,
        warehouse_url,
    )
    mo.stop(
        loads.empty,
        mo.callout(
            mo.md(
                "No file has been loaded yet. Put extracts in the landing folder and run the "
                "pipeline (`make run`)."
            ),
            kind="warn",
            title="No loads yet",
        ),
    )
    return (loads,)


@app.cell
def _(loads):
    _failed = loads[loads["status"] == "failed"]
    mo.stop(_failed.empty)
    _newest = _failed.iloc[0]
    _when = in_utc(_failed["started_at"]).iloc[0]
    mo.callout(
        mo.md(
            f"**{len(_failed)}** load(s) failed. The latest, `{_newest['source_file']}` on "
            f"{_when:%d/%m/%Y %H:%M} UTC: {_newest['error'] or 'no reason recorded'}"
        ),
        kind="warn",
        title="Failed loads",
    )
    return


@app.cell
def _(loads):
    load_table = mo.ui.table(
        pd.DataFrame(
            {
                "Started (UTC)": in_utc(loads["started_at"]),
                "Table": loads["source_table"],
                "File": loads["source_file"],
                "Size (KiB)": [
                    None if pd.isna(v) else round(float(v) / 1024, 1) for v in loads["file_bytes"]
                ],
                "Rows read": [as_int(v) for v in loads["rows_read"]],
                "Rows loaded": [as_int(v) for v in loads["rows_loaded"]],
                "Rows rejected": [as_int(v) for v in loads["rows_rejected"]],
                "Duration (s)": [
                    None if pd.isna(v) else float(v) for v in loads["duration_seconds"]
                ],
                "Rows/s": [as_int(v) for v in loads["rows_per_second"]],
                "Status": loads["status"],
                "Error": loads["error"].fillna(""),
                "Run": loads["run_id"].fillna("").str.slice(0, 8),
            }
        ),
        selection=None,
        wrapped_columns=["File", "Error"],
        column_widths={"File": 220, "Error": 260},
        freeze_columns_left=["Started (UTC)"],
        format_mapping={
            "Started (UTC)": lambda value: f"{value:%d/%m/%Y %H:%M:%S}",
            "Size (KiB)": lambda value: format_number(value, 1),
            "Rows read": lambda value: format_number(value),
            "Rows loaded": lambda value: format_number(value),
            "Rows rejected": lambda value: format_number(value),
            "Duration (s)": lambda value: format_number(value, 3),
            "Rows/s": lambda value: format_number(value),
        },
        page_size=15,
        show_column_summaries=False,
        show_data_types=False,
        label=f"{len(loads)} most recent loads",
    )
    load_table
    return (load_table,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    <small>Check results are copied from Dagster into `ops.check_results` after every run;
    the Dagster UI shows the same checks with their full history per asset. Figures are read
    again on every change.</small>
    """)
    return


if __name__ == "__main__":
    app.run()
