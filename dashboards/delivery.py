# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Marketplace: delivery dashboard")

with app.setup(hide_code=True):
    import sys
    from pathlib import Path

    # `marimo run dashboards/delivery.py` puts only this folder on sys.path; the shared helper
    # (`dashboards.common`) and the settings (`orchestration`) are imported from the repo root.
    _repo_root = str(Path(__file__).resolve().parent.parent)
    if _repo_root not in sys.path:
        sys.path.insert(0, _repo_root)

    import altair as alt
    import marimo as mo

    from dashboards.common import (
        BR_NUMBERS,
        format_number,
        format_percent,
        load,
        month_filters,
        month_picker,
        picked,
        state_picker,
        states_text,
        stop_if_filtered_out,
        stop_if_no_data,
    )
    from orchestration.settings import get_settings

    # The page's filters as a query condition: purchase months From..To and the chosen customer
    # states (none chosen: all). Their values are query parameters; only this fixed text is
    # pasted into the queries below, never anything a reader typed.
    IN_FILTERS = f"""
            order_month between %(first_month)s and %(last_month)s
            and {picked("customer_state")}
    """

    # The delivery figures of a group of the mart's rows. Rates and averages are rolled up from
    # the counts and sums the mart keeps, so each order weighs the same whatever its month or
    # state (never an average of monthly rates).
    FIGURES = """
            cast(coalesce(sum(delivered_orders), 0) as bigint) as delivered_orders,
            cast(sum(late_orders) as bigint) as late_orders,
            sum(on_time_orders) / nullif(sum(delivered_orders), 0) as on_time_rate,
            sum(total_delivery_days) / nullif(sum(delivered_orders), 0) as avg_delivery_days,
            sum(total_days_late) / nullif(sum(delivered_orders), 0) as avg_days_late
    """

    # The figures' types in a frame: numbers as numbers, not Decimal objects, so that charts
    # get plain JSON and a table sorts a column by value.
    FIGURE_TYPES = {
        "delivered_orders": "int64",
        "late_orders": "int64",
        "on_time_rate": "float64",
        "avg_delivery_days": "float64",
        "avg_days_late": "float64",
    }

    # How the charts' tooltips name and format each figure, the same in every chart.
    FIGURE_TOOLTIPS = {
        "delivered_orders": ("delivered orders", ",d"),
        "on_time_rate": ("on-time rate", ".1%"),
        "avg_delivery_days": ("average delivery days", ",.1f"),
        "avg_days_late": ("average days late", ",.2f"),
    }


@app.function
def figure_tooltips(*figures: str) -> list[alt.Tooltip]:
    """The tooltips of some delivery figures (columns of the mart), in the order given."""
    return [
        alt.Tooltip(f"{name}:Q", title=FIGURE_TOOLTIPS[name][0], format=FIGURE_TOOLTIPS[name][1])
        for name in figures
    ]


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Deliveries

    How fast and how reliably orders reach customers, read from the delivery mart. Only
    **delivered orders** count here (status delivered, with a delivery date), by the month
    they were **bought**. An order is **on time** when it arrives on or before the date the
    customer was promised (dates, not hours); **days late** are the days past that date, and
    an order on time counts 0.
    """)
    return


@app.cell
def _():
    # The read-only reporting connection (a test may pass its own value for this name).
    reporter_url = get_settings().reporter_database_url
    return (reporter_url,)


@app.cell
def _(reporter_url):
    _choices = load(
        """
        select order_month, customer_state
        from marts.mart_delivery_performance
        where grain = 'customer_state'
        """,
        None,
        reporter_url,
    )
    stop_if_no_data(_choices.empty, "marts.mart_delivery_performance", "delivered orders")
    months = sorted(_choices["order_month"].unique())
    customer_states = sorted(_choices["customer_state"].unique())
    return customer_states, months


@app.cell
def _(months):
    month_from = month_picker(months, "From month")
    return (month_from,)


@app.cell
def _(months):
    month_to = month_picker(months, "To month", last=True)
    return (month_to,)


@app.cell
def _(customer_states):
    state_filter = state_picker(customer_states, "Customer states")
    return (state_filter,)


@app.cell
def _(month_from, month_to, state_filter):
    mo.hstack([month_from, month_to, state_filter], justify="start", gap=2, wrap=True)
    return


@app.cell
def _(month_from, month_to, state_filter):
    # The parameters every query of the page takes; an empty list of states means all of them.
    filters = month_filters(month_from, month_to, state_filter)
    return (filters,)


@app.cell
def _(filters, reporter_url):
    _totals = load(
        f"""
        select {FIGURES}, cast(sum(on_time_orders) as bigint) as on_time_orders
        from marts.mart_delivery_performance
        where grain = 'customer_state' and {IN_FILTERS}
        """,
        filters,
        reporter_url,
    )
    kpis = _totals.iloc[0].to_dict()
    stop_if_filtered_out(
        kpis["delivered_orders"] == 0,
        f"No order bought between **{filters['first_month']:%m/%Y}** and "
        f"**{filters['last_month']:%m/%Y}** was delivered to {states_text(filters['states'])}.",
    )
    # The filters, now known to select some deliveries. The cells below take their parameters
    # from here, so that when there is nothing to show none of them draws an empty chart.
    scope = filters
    return kpis, scope


@app.cell
def _(kpis):
    mo.hstack(
        [
            mo.stat(
                format_number(kpis["delivered_orders"]),
                label="Delivered orders",
                caption="delivered to the customer",
                bordered=True,
            ),
            mo.stat(
                format_percent(kpis["on_time_rate"]),
                label="On-time rate",
                caption=f"{format_number(kpis['late_orders'])} orders arrived late",
                bordered=True,
            ),
            mo.stat(
                format_number(kpis["avg_delivery_days"], 1),
                label="Average delivery days",
                caption="from purchase to delivery",
                bordered=True,
            ),
            mo.stat(
                format_number(kpis["avg_days_late"], 2),
                label="Average days late",
                caption="per delivered order; on time counts 0",
                bordered=True,
            ),
        ],
        widths="equal",
        gap=1,
    )
    return


@app.cell
def _(reporter_url, scope):
    by_state = load(
        f"""
        select customer_state, {FIGURES}
        from marts.mart_delivery_performance
        where grain = 'customer_state' and {IN_FILTERS}
        group by customer_state
        order by avg_delivery_days desc, customer_state
        """,
        scope,
        reporter_url,
    ).astype(FIGURE_TYPES)
    return (by_state,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## By customer state

    Average days from purchase to delivery for each customer state over the chosen months,
    slowest first. The colour is the state's on-time rate: the redder, the more promises
    broken. Hover a bar for the number of orders behind it; a state with few orders can look
    extreme by chance.
    """)
    return


@app.cell
def _(by_state):
    state_chart = (
        alt.Chart(by_state, title="Average delivery days by customer state")
        .mark_bar()
        .encode(
            x=alt.X("customer_state:N", sort="-y", title="customer state"),
            y=alt.Y("avg_delivery_days:Q", title="average delivery days"),
            color=alt.Color(
                "on_time_rate:Q",
                title="on-time rate",
                scale=alt.Scale(scheme="redyellowgreen"),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("customer_state:N", title="state"),
                *figure_tooltips(
                    "delivered_orders", "avg_delivery_days", "on_time_rate", "avg_days_late"
                ),
            ],
        )
        .properties(width="container", height=280)
        .configure(locale=BR_NUMBERS)
    )
    state_chart
    return (state_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## By customer state and month

    One square per state and purchase month; pick what the colour shows. Empty squares are
    months in which no order to that state was delivered. States are ordered by delivered
    orders, busiest at the top.
    """)
    return


@app.cell
def _():
    heatmap_metric = mo.ui.dropdown(
        options={
            "On-time rate": "on_time_rate",
            "Average delivery days": "avg_delivery_days",
            "Average days late": "avg_days_late",
            "Delivered orders": "delivered_orders",
        },
        value="On-time rate",
        label="Colour shows",
    )
    heatmap_metric
    return (heatmap_metric,)


@app.cell
def _(reporter_url, scope):
    state_months = load(
        f"""
        select
            customer_state,
            order_month,
            delivered_orders,
            late_orders,
            on_time_rate,
            avg_delivery_days,
            avg_days_late
        from marts.mart_delivery_performance
        where grain = 'customer_state' and {IN_FILTERS}
        order by customer_state, order_month
        """,
        scope,
        reporter_url,
    ).astype({"order_month": "datetime64[ns]", **FIGURE_TYPES})
    return (state_months,)


@app.cell
def _(by_state, heatmap_metric, state_months):
    _title = heatmap_metric.selected_key
    # Higher is better only for the on-time rate: put green where things go well.
    _is_rate = heatmap_metric.value == "on_time_rate"
    _scheme = "redyellowgreen" if _is_rate else "orangered"
    _busiest_first = by_state.sort_values("delivered_orders", ascending=False)
    state_month_chart = (
        alt.Chart(state_months, title=f"{_title} by customer state and purchase month")
        .mark_rect()
        .encode(
            x=alt.X(
                "yearmonth(order_month):O",
                title="purchase month",
                axis=alt.Axis(format="%m/%Y", labelAngle=-45),
            ),
            y=alt.Y(
                "customer_state:N",
                title="customer state",
                sort=list(_busiest_first["customer_state"]),
            ),
            color=alt.Color(
                f"{heatmap_metric.value}:Q",
                title=_title.lower(),
                scale=alt.Scale(scheme=_scheme),
                legend=alt.Legend(format=".0%" if _is_rate else ",.2~f"),
            ),
            tooltip=[
                alt.Tooltip("customer_state:N", title="state"),
                alt.Tooltip("yearmonth(order_month):O", title="month", format="%m/%Y"),
                *figure_tooltips(
                    "delivered_orders", "on_time_rate", "avg_delivery_days", "avg_days_late"
                ),
            ],
        )
        .properties(width="container", height=max(160, 18 * len(_busiest_first)))
        .configure(locale=BR_NUMBERS)
    )
    state_month_chart
    return (state_month_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Late deliveries month by month

    Bars count the orders that arrived after the promised date, by purchase month, for the
    chosen states; the line is their share of the month's delivered orders (right axis).
    A month can have few late orders simply because few were sold: read the line for the
    trend.
    """)
    return


@app.cell
def _(reporter_url, scope):
    late_trend = load(
        f"""
        select
            order_month,
            cast(sum(delivered_orders) as bigint) as delivered_orders,
            cast(sum(late_orders) as bigint) as late_orders,
            sum(late_orders) / sum(delivered_orders) as late_share,
            sum(total_days_late) / sum(delivered_orders) as avg_days_late
        from marts.mart_delivery_performance
        where grain = 'customer_state' and {IN_FILTERS}
        group by order_month
        order by order_month
        """,
        scope,
        reporter_url,
    ).astype(
        {
            "order_month": "datetime64[ns]",
            "delivered_orders": "int64",
            "late_orders": "int64",
            "late_share": "float64",
            "avg_days_late": "float64",
        }
    )
    return (late_trend,)


@app.cell
def _(late_trend):
    _base = alt.Chart(late_trend).encode(
        x=alt.X(
            "yearmonth(order_month):T",
            title="purchase month",
            axis=alt.Axis(format="%m/%Y"),
        ),
        tooltip=[
            alt.Tooltip("yearmonth(order_month):T", title="month", format="%m/%Y"),
            alt.Tooltip("delivered_orders:Q", title="delivered orders", format=",d"),
            alt.Tooltip("late_orders:Q", title="late orders", format=",d"),
            alt.Tooltip("late_share:Q", title="share late", format=".1%"),
            alt.Tooltip("avg_days_late:Q", title="average days late", format=",.2f"),
        ],
    )
    late_chart = (
        alt.layer(
            _base.mark_bar(opacity=0.5, color="#e45756").encode(
                y=alt.Y("late_orders:Q", title="late orders")
            ),
            _base.mark_line(point=True, color="#4c78a8").encode(
                y=alt.Y(
                    "late_share:Q",
                    title="share of delivered orders late",
                    axis=alt.Axis(format=".0%"),
                )
            ),
        )
        .resolve_scale(y="independent")
        .properties(title="Late orders by purchase month", width="container", height=260)
        .configure(locale=BR_NUMBERS)
    )
    late_chart
    return (late_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Lanes: from the seller's state to the customer's

    An order travels on the lane from its (first item's) seller state to the customer's state.
    The table lists the busiest lanes over the chosen months and customer states; click a
    column header to sort by it. The map below colours each lane by its average delivery
    days. Lanes with fewer orders than the minimum are left out of both, since a handful of
    orders says little.
    """)
    return


@app.cell
def _():
    min_lane_orders = mo.ui.number(
        start=1, stop=100_000, step=1, value=10, label="Minimum delivered orders per lane"
    )
    min_lane_orders
    return (min_lane_orders,)


@app.cell
def _(min_lane_orders, reporter_url, scope):
    lanes = load(
        f"""
        select seller_state, customer_state, {FIGURES}
        from marts.mart_delivery_performance
        where grain = 'lane' and {IN_FILTERS}
        group by seller_state, customer_state
        having sum(delivered_orders) >= %(min_orders)s
        order by delivered_orders desc, seller_state, customer_state
        """,
        {**scope, "min_orders": int(min_lane_orders.value or 1)},
        reporter_url,
    ).astype(FIGURE_TYPES)
    mo.stop(
        lanes.empty,
        mo.callout(
            mo.md(
                f"No lane carried {format_number(min_lane_orders.value or 1)} delivered orders "
                "or more in these months and states. Lower the minimum or widen the filters."
            ),
            kind="warn",
            title="No lane is busy enough",
        ),
    )
    return (lanes,)


@app.cell
def _(lanes):
    lanes_table = mo.ui.table(
        lanes.rename(
            columns={
                "seller_state": "seller state",
                "customer_state": "customer state",
                "delivered_orders": "delivered orders",
                "late_orders": "late orders",
                "on_time_rate": "on-time rate",
                "avg_delivery_days": "average delivery days",
                "avg_days_late": "average days late",
            }
        ),
        selection=None,
        page_size=15,
        show_column_summaries=False,
        format_mapping={
            "delivered orders": format_number,
            "late orders": format_number,
            "on-time rate": format_percent,
            "average delivery days": lambda value: format_number(value, 1),
            "average days late": lambda value: format_number(value, 2),
        },
        label="Busiest lanes",
    )
    lanes_table
    return (lanes_table,)


@app.cell
def _(lanes):
    lanes_chart = (
        alt.Chart(lanes, title="Average delivery days by lane")
        .mark_rect()
        .encode(
            x=alt.X("customer_state:N", title="customer state"),
            y=alt.Y("seller_state:N", title="seller state"),
            color=alt.Color(
                "avg_delivery_days:Q",
                title="average delivery days",
                scale=alt.Scale(scheme="orangered"),
            ),
            tooltip=[
                alt.Tooltip("seller_state:N", title="from"),
                alt.Tooltip("customer_state:N", title="to"),
                *figure_tooltips(
                    "delivered_orders", "avg_delivery_days", "on_time_rate", "avg_days_late"
                ),
            ],
        )
        .properties(width="container", height=max(120, 28 * lanes["seller_state"].nunique()))
        .configure(locale=BR_NUMBERS)
    )
    lanes_chart
    return (lanes_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    <small>Months are purchase months: an order bought in March and delivered in April counts
    in March. Figures are recomputed from the mart on every change; they are as fresh as the
    pipeline's last run.</small>
    """)
    return


if __name__ == "__main__":
    app.run()
