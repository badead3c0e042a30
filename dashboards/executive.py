# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Marketplace: executive dashboard")

with app.setup(hide_code=True):
    import sys
    from datetime import date, timedelta
    from decimal import Decimal
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
        BR_NUMBERS,
        format_brl,
        format_number,
        format_percent,
        load,
        picked,
        stop_if_no_data,
    )
    from orchestration.settings import get_settings

    # The headline figures of one date window, added up from the daily executive mart. Every
    # ratio is a ratio of sums over the window, never an average of daily ratios (a quiet day
    # would otherwise weigh as much as Black Friday).
    # The mart keeps each day's rates with the counts they are made of, so both service KPIs
    # are exact over any window: on-time rate = orders on time / delivered orders, review
    # score = sum of the scores / reviewed orders (orders without a review are left out, as in
    # the daily average). A sum of bigint is numeric in PostgreSQL, so these divisions are
    # exact, not integer divisions.
    KPI_SQL = """
        select
            count(*) as days,
            cast(sum(orders) as bigint) as orders,
            sum(gmv) as gmv,
            round(sum(gmv) / nullif(sum(orders), 0), 2) as aov,
            cast(sum(new_customers) as bigint) as new_customers,
            cast(sum(delivered_orders) as bigint) as delivered_orders,
            cast(sum(on_time_orders) as bigint) as on_time_orders,
            sum(on_time_orders) / nullif(sum(delivered_orders), 0) as on_time_rate,
            cast(sum(reviewed_orders) as bigint) as reviewed_orders,
            cast(sum(review_score_sum) as bigint) as review_score_sum,
            sum(review_score_sum) / nullif(sum(reviewed_orders), 0) as avg_review_score
        from marts.mart_executive_dashboard
        where order_date between %(start)s and %(end)s
    """

    # Quick picks of the date filter: days up to the latest order date (0: the whole history).
    QUICK_PICKS = {"Whole history": 0, "Last 365 days": 365, "Last 90 days": 90, "Last 30 days": 30}


@app.function
def period_totals(start: date, end: date, url: str) -> dict:
    """The headline figures of the dates ``start`` to ``end`` (both included); ``days`` is 0
    and the figures are missing when the mart has no row in the window."""
    return load(KPI_SQL, {"start": start, "end": end}, url).iloc[0].to_dict()


@app.function
def previous_period(start: date, end: date) -> tuple[date, date]:
    """The window of the same length that ends the day before ``start``."""
    length = end - start + timedelta(days=1)
    return start - length, start - timedelta(days=1)


@app.function
def describe_change(current: object, previous: object, unit: str) -> tuple[str, str | None]:
    """The caption and arrow of a KPI card: its change against the previous period.

    ``unit`` says how to compare: ``"percent"`` for amounts and counts (relative change),
    ``"points"`` for rates (percentage points) and ``"score"`` for review scores (difference).
    The arrow follows the change as shown, so a change that rounds to zero gets none.
    """
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return "no previous period in the data", None
    now, before = Decimal(str(current)), Decimal(str(previous))
    if unit == "percent":
        if before == 0:
            return "none in the previous period", "increase" if now > 0 else None
        text = f"{format_number((now - before) / before * 100, 1)}%"
    elif unit == "points":
        text = f"{format_number((now - before) * 100, 1)} p.p."
    elif unit == "score":
        text = format_number(now - before, 2)
    else:
        raise ValueError(f"unknown unit {unit!r}: use percent, points or score")
    if not any(digit in text for digit in "123456789"):
        return f"{text.lstrip('-')} vs previous period", None
    if text.startswith("-"):
        return f"{text} vs previous period", "decrease"
    return f"+{text} vs previous period", "increase"


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Marketplace at a glance

    Sales, customers and service for the dates you pick, each with its change against the
    **previous period**: the same number of days just before. **Orders** are counted orders
    (canceled and unavailable ones are left out), **GMV** is what customers paid for items plus
    freight, **average order value** is GMV per order, **new customers** are people whose first
    order falls in the dates, **on-time delivery** is the share of delivered orders that
    arrived by the estimated date, and the **review score** runs from 1 to 5. Amounts are in
    Brazilian reais (R$).
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
    stop_if_no_data(pd.isna(first_day), "marts.mart_executive_dashboard")
    return first_day, last_day


@app.cell
def _():
    quick_pick = mo.ui.dropdown(options=QUICK_PICKS, value="Whole history", label="Period")
    return (quick_pick,)


@app.cell
def _(first_day, last_day, quick_pick):
    # A quick pick sets the dates; they can then be changed by hand.
    _from = (
        max(first_day, last_day - timedelta(days=quick_pick.value - 1))
        if quick_pick.value
        else first_day
    )
    date_range = mo.ui.date_range(
        start=first_day,
        stop=last_day,
        value=(_from, last_day),
        label=f"Order dates (data from {first_day:%d/%m/%Y} to {last_day:%d/%m/%Y})",
    )
    return (date_range,)


@app.cell
def _():
    grain = mo.ui.dropdown(
        options={"Week": "week", "Month": "month"}, value="Week", label="Charts by"
    )
    return (grain,)


@app.cell
def _(date_range, grain, quick_pick):
    mo.hstack([quick_pick, date_range, grain], justify="start", gap=2)
    return


@app.cell
def _(date_range, reporter_url):
    start, end = date_range.value
    kpis = period_totals(start, end, reporter_url)
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
    previous_start, previous_end = previous_period(start, end)
    previous_kpis = period_totals(previous_start, previous_end, reporter_url)
    return end, kpis, previous_end, previous_kpis, previous_start, start


@app.cell
def _(end, first_day, kpis, previous_end, previous_kpis, previous_start, start):
    def _card(key: str, label: str, shown: str, unit: str) -> object:
        caption, direction = describe_change(kpis[key], previous_kpis[key], unit)
        return mo.stat(shown, label=label, caption=caption, direction=direction, bordered=True)

    _days = (end - start).days + 1
    if previous_kpis["days"] == 0:
        _compared = (
            f"The data starts on {first_day:%d/%m/%Y}: there is no previous period of "
            f"{_days} days to compare with. Pick later dates to see the changes."
        )
    else:
        _compared = (
            f"Changes are against {previous_start:%d/%m/%Y} to {previous_end:%d/%m/%Y}, the "
            f"{_days} days just before."
        )
        if previous_start < first_day:
            _compared += (
                f" The data starts on {first_day:%d/%m/%Y}, so that period is only partly covered."
            )
    kpi_cards = mo.vstack(
        [
            mo.md(f"<small>{_compared}</small>"),
            mo.hstack(
                [
                    _card("orders", "Orders", format_number(kpis["orders"]), "percent"),
                    _card("gmv", "GMV", format_brl(kpis["gmv"]), "percent"),
                    _card("aov", "Average order value", format_brl(kpis["aov"]), "percent"),
                ],
                widths="equal",
                gap=1,
            ),
            mo.hstack(
                [
                    _card(
                        "new_customers",
                        "New customers",
                        format_number(kpis["new_customers"]),
                        "percent",
                    ),
                    _card(
                        "on_time_rate",
                        "On-time delivery",
                        format_percent(kpis["on_time_rate"]),
                        "points",
                    ),
                    _card(
                        "avg_review_score",
                        "Average review score",
                        format_number(kpis["avg_review_score"], 2),
                        "score",
                    ),
                ],
                widths="equal",
                gap=1,
            ),
        ],
        gap=1,
    )
    kpi_cards
    return (kpi_cards,)


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
        .configure(locale=BR_NUMBERS)
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
        .configure(locale=BR_NUMBERS)
    )
    orders_chart
    return (orders_chart,)


@app.cell
def _(end, start):
    # The category and state marts are monthly: they cover the whole months the dates touch.
    month_from = start.replace(day=1)
    months_note = (
        f"Whole months {month_from:%m/%Y} to {end:%m/%Y}"
        if (month_from.year, month_from.month) != (end.year, end.month)
        else f"The whole month {end:%m/%Y}"
    )
    return month_from, months_note


@app.cell(hide_code=True)
def _(months_note):
    mo.md(f"""
    ## What sells: categories

    GMV of counted orders by product category. {months_note}: category sales are kept per
    month, so the first and last month count whole. Pick categories to compare them, or leave
    the choice empty to see the top sellers.
    """)
    return


@app.cell
def _(reporter_url):
    _names = load(
        "select distinct category from marts.mart_category_sales order by category",
        None,
        reporter_url,
    )
    category_pick = mo.ui.multiselect(
        options=_names["category"].tolist(), label="Categories (empty: the top ones)"
    )
    top_n = mo.ui.slider(5, 25, step=1, value=10, show_value=True, label="Top")
    return category_pick, top_n


@app.cell
def _(category_pick, top_n):
    # With categories picked, the top-N slider has nothing to do: hide it.
    mo.hstack(
        [category_pick] if category_pick.value else [category_pick, top_n],
        justify="start",
        gap=2,
    )
    return


@app.cell
def _(category_pick, end, month_from, reporter_url, top_n):
    category_sales = load(
        f"""
        with sales as (
            select
                category,
                sum(gmv) as gmv,
                cast(sum(orders) as bigint) as orders,
                cast(sum(items) as bigint) as items
            from marts.mart_category_sales
            where order_month between %(month_from)s and %(end)s
            group by category
        )
        select category, gmv, orders, items, gmv / nullif(sum(gmv) over (), 0) as gmv_share
        from sales
        where {picked("category", "categories")}
        order by gmv desc, category
        limit %(top)s
        """,
        {
            "month_from": month_from,
            "end": end,
            "categories": list(category_pick.value),
            # LIMIT NULL is no limit: picked categories are all shown
            "top": None if category_pick.value else top_n.value,
        },
        reporter_url,
    ).astype({"gmv": "float64", "orders": "int64", "items": "int64", "gmv_share": "float64"})
    return (category_sales,)


@app.cell
def _(category_sales, months_note):
    mo.stop(
        category_sales.empty,
        mo.callout(mo.md("No category sales in these months."), kind="warn"),
    )
    category_chart = (
        alt.Chart(category_sales, title=f"GMV by category (R$). {months_note}")
        .mark_bar()
        .encode(
            x=alt.X("gmv:Q", title="GMV (R$)"),
            y=alt.Y("category:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("category:N", title="category"),
                alt.Tooltip("gmv:Q", title="GMV (R$)", format=",.2f"),
                alt.Tooltip("gmv_share:Q", title="share of all GMV", format=".1%"),
                alt.Tooltip("orders:Q", title="orders", format=","),
                alt.Tooltip("items:Q", title="items", format=","),
            ],
        )
        .properties(width="container", height=max(160, 24 * len(category_sales)))
        .configure(locale=BR_NUMBERS)
    )
    category_chart
    return (category_chart,)


@app.cell(hide_code=True)
def _(months_note):
    mo.md(f"""
    ## Where customers are: states

    Delivered orders by the customer's state, with the share delivered on time and the
    average days from purchase to delivery. {months_note}, by purchase date. Rates are worked
    out from the orders of the whole period, not averaged over months.
    """)
    return


@app.cell
def _(reporter_url):
    _states = load(
        """
        select distinct customer_state
        from marts.mart_delivery_performance
        where grain = 'customer_state'
        order by customer_state
        """,
        None,
        reporter_url,
    )
    state_pick = mo.ui.multiselect(
        options=_states["customer_state"].tolist(), label="Customer states (empty: all)"
    )
    # Keys are what the reader sees; values are column names of the frame below, never SQL.
    state_measure = mo.ui.dropdown(
        options={
            "Delivered orders": "delivered_orders",
            "On-time delivery": "on_time_rate",
            "Average delivery days": "avg_delivery_days",
        },
        value="Delivered orders",
        label="Rank by",
    )
    mo.hstack([state_pick, state_measure], justify="start", gap=2)
    return state_measure, state_pick


@app.cell
def _(end, month_from, reporter_url, state_pick):
    # grain = 'customer_state' rows only: the mart's lane rows count the same orders again.
    state_delivery = load(
        f"""
        select
            customer_state,
            cast(sum(delivered_orders) as bigint) as delivered_orders,
            cast(sum(on_time_orders) as bigint) as on_time_orders,
            sum(total_delivery_days) as total_delivery_days,
            cast(sum(on_time_orders) as numeric) / nullif(sum(delivered_orders), 0)
                as on_time_rate,
            sum(total_delivery_days) / nullif(sum(delivered_orders), 0) as avg_delivery_days
        from marts.mart_delivery_performance
        where grain = 'customer_state'
            and order_month between %(month_from)s and %(end)s
            and {picked("customer_state")}
        group by customer_state
        order by delivered_orders desc, customer_state
        """,
        {"month_from": month_from, "end": end, "states": list(state_pick.value)},
        reporter_url,
    )
    return (state_delivery,)


@app.cell
def _(months_note, state_delivery, state_measure):
    mo.stop(
        state_delivery.empty,
        mo.callout(mo.md("No delivered orders in these months and states."), kind="warn"),
    )
    _measure = state_measure.value
    _titles = {
        "delivered_orders": ("Delivered orders", ",d"),
        "on_time_rate": ("On-time delivery", ".1%"),
        "avg_delivery_days": ("Average delivery days", ",.1f"),
    }
    _chart_data = state_delivery[["customer_state", *_titles]].astype(
        {"delivered_orders": "int64", "on_time_rate": "float64", "avg_delivery_days": "float64"}
    )
    state_chart = (
        alt.Chart(
            _chart_data,
            title=f"{_titles[_measure][0]} by customer state. {months_note}",
        )
        .mark_bar()
        .encode(
            x=alt.X(
                f"{_measure}:Q",
                title=_titles[_measure][0],
                axis=alt.Axis(format=_titles[_measure][1]),
            ),
            y=alt.Y("customer_state:N", sort="-x", title="customer state"),
            tooltip=[
                alt.Tooltip("customer_state:N", title="state"),
                *(
                    alt.Tooltip(f"{column}:Q", title=title, format=fmt)
                    for column, (title, fmt) in _titles.items()
                ),
            ],
        )
        .properties(width="container", height=max(160, 20 * len(_chart_data)))
        .configure(locale=BR_NUMBERS)
    )
    state_chart
    return (state_chart,)


@app.cell
def _(state_delivery):
    mo.stop(state_delivery.empty)
    # ratios of the states' sums, as for the KPIs (not an average of the states' rates)
    _delivered = int(state_delivery["delivered_orders"].sum())
    _together = (
        f"These {len(state_delivery)} states together: {format_number(_delivered)} delivered "
        f"orders, {format_percent(int(state_delivery['on_time_orders'].sum()) / _delivered)} on "
        f"time, {format_number(state_delivery['total_delivery_days'].sum() / _delivered, 1)} "
        "days from purchase to delivery on average."
    )
    mo.md(f"<small>{_together}</small>")
    return


@app.cell(hide_code=True)
def _():
    mo.md("""
    <small>The first and last points of the time charts can cover part of a week or month when
    the chosen dates start or end inside one. The on-time rate and the average review score are
    worked out from the orders of the whole period, not averaged over days; orders without a
    review (about 1%) are left out of the review score. Figures are recomputed from the marts
    on every change.</small>
    """)
    return


if __name__ == "__main__":
    app.run()
