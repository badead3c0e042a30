# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Marketplace: executive dashboard")

with app.setup(hide_code=True):
    import sys
    from pathlib import Path

    # `marimo run dashboards/executive.py` puts only this folder on sys.path; the shared helper
    # (`dashboards.common`) and the settings (`orchestration`) are imported from the repo root.
    _repo_root = str(Path(__file__).resolve().parent.parent)
    if _repo_root not in sys.path:
        sys.path.insert(0, _repo_root)

    import altair as alt
    import marimo as mo
    import pandas as pd

    from dashboards.common import (
        format_brl,
        format_number,
        load,
    )
    from orchestration.settings import get_settings


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Marketplace at a glance

    Orders, sales and average order value for the dates you pick, read from the daily
    executive mart. **Orders** are counted orders (canceled and unavailable ones are left
    out), **GMV** is what customers paid for items plus freight, and **AOV** is GMV per
    order. Amounts are in Brazilian reais (R$).
    """)
    return


@app.cell
def _():
    # The read-only reporting connection (a test may pass its own value for this name).
    reporter_url = get_settings().reporter_database_url
    return (reporter_url,)


@app.cell
def _(reporter_url):
    _bounds = load(
        """
        select min(order_date) as first_day, max(order_date) as last_day
        from marts.mart_executive_dashboard
        """,
        None,
        reporter_url,
    )
    first_day = _bounds.at[0, "first_day"]
    last_day = _bounds.at[0, "last_day"]
    mo.stop(
        pd.isna(first_day),
        mo.callout(
            mo.md(
                "`marts.mart_executive_dashboard` has no rows yet. Load data and run the "
                "pipeline (`make run` locally, or materialize all assets in the Dagster UI)."
            ),
            kind="warn",
            title="No data yet",
        ),
    )
    return first_day, last_day


@app.cell
def _(first_day, last_day):
    date_range = mo.ui.date_range(
        start=first_day,
        stop=last_day,
        value=(first_day, last_day),
        label=f"Order dates (data from {first_day:%d/%m/%Y} to {last_day:%d/%m/%Y})",
    )
    grain = mo.ui.dropdown(
        options={"Week": "week", "Month": "month"}, value="Week", label="Charts by"
    )
    mo.hstack([date_range, grain], justify="start", gap=2)
    return date_range, grain


@app.cell
def _(date_range, reporter_url):
    start, end = date_range.value
    _totals = load(
        """
        select
            count(*) as days,
            cast(sum(orders) as bigint) as orders,
            sum(gmv) as gmv,
            round(sum(gmv) / nullif(sum(orders), 0), 2) as aov,
            cast(sum(new_customers) as bigint) as new_customers,
            cast(sum(customers) as bigint) as daily_customers
        from marts.mart_executive_dashboard
        where order_date between %(start)s and %(end)s
        """,
        {"start": start, "end": end},
        reporter_url,
    )
    kpis = _totals.iloc[0].to_dict()
    mo.stop(
        kpis["days"] == 0,
        mo.callout(
            mo.md(
                f"There are no orders between **{start:%d/%m/%Y}** and **{end:%d/%m/%Y}**. "
                "Pick a wider date range."
            ),
            kind="warn",
            title="Nothing to show for these dates",
        ),
    )
    return end, kpis, start


@app.cell
def _(kpis):
    mo.hstack(
        [
            mo.stat(
                format_number(kpis["orders"]),
                label="Orders",
                caption="counted orders",
                bordered=True,
            ),
            mo.stat(format_brl(kpis["gmv"]), label="GMV", caption="items + freight", bordered=True),
            mo.stat(
                format_brl(kpis["aov"]),
                label="Average order value",
                caption="GMV / orders",
                bordered=True,
            ),
            mo.stat(
                format_number(kpis["new_customers"]),
                label="New customers",
                caption="first order in these dates",
                bordered=True,
            ),
            mo.stat(
                format_number(kpis["daily_customers"]),
                label="Daily active customers (sum)",
                caption="customers per day, added up: not distinct people",
                bordered=True,
            ),
        ],
        widths=[1, 1.5, 1.2, 1, 1.3],
        gap=1,
    )
    return


@app.cell
def _(end, grain, reporter_url, start):
    trend = load(
        """
        select
            date_trunc(%(grain)s, cast(order_date as timestamp)) as period_start,
            cast(sum(orders) as bigint) as orders,
            sum(gmv) as gmv
        from marts.mart_executive_dashboard
        where order_date between %(start)s and %(end)s
        group by 1
        order by 1
        """,
        {"grain": grain.value, "start": start, "end": end},
        reporter_url,
    ).astype({"orders": "int64", "gmv": "float64"})
    return (trend,)


@app.cell
def _(grain, trend):
    gmv_chart = (
        alt.Chart(trend, title=f"GMV per {grain.value} (R$)")
        .mark_area(line=True, opacity=0.35)
        .encode(
            x=alt.X("period_start:T", title=f"{grain.value} starting"),
            y=alt.Y("gmv:Q", title="GMV (R$)"),
            tooltip=[
                alt.Tooltip("period_start:T", title=f"{grain.value} starting"),
                alt.Tooltip("gmv:Q", title="GMV (R$)", format=",.2f"),
            ],
        )
        .properties(width="container", height=260)
    )
    gmv_chart
    return (gmv_chart,)


@app.cell
def _(grain, trend):
    orders_chart = (
        alt.Chart(trend, title=f"Orders per {grain.value}")
        .mark_line(point=True)
        .encode(
            x=alt.X("period_start:T", title=f"{grain.value} starting"),
            y=alt.Y("orders:Q", title="orders"),
            tooltip=[
                alt.Tooltip("period_start:T", title=f"{grain.value} starting"),
                alt.Tooltip("orders:Q", title="orders", format=","),
            ],
        )
        .properties(width="container", height=260)
    )
    orders_chart
    return (orders_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    <small>The first and last points can cover part of a week or month when the chosen dates
    start or end inside one. Figures are recomputed from the mart on every change.</small>
    """)
    return


if __name__ == "__main__":
    app.run()
