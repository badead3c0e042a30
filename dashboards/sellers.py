# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="Marketplace: sellers dashboard")

with app.setup(hide_code=True):
    import sys
    from pathlib import Path

    # `marimo run dashboards/sellers.py` puts only this folder on sys.path; the shared helper
    # (`dashboards.common`) and the settings (`orchestration`) are imported from the repo root.
    _repo_root = str(Path(__file__).resolve().parent.parent)
    if _repo_root not in sys.path:
        sys.path.insert(0, _repo_root)

    import altair as alt
    import marimo as mo

    from dashboards.common import (
        BR_NUMBERS,
        format_brl,
        format_number,
        format_percent,
        load,
        period_label,
        picked,
        state_picker,
        states_text,
        stop_if_filtered_out,
        stop_if_no_data,
    )
    from orchestration.settings import get_settings

    # How many sellers the revenue chart shows (the table lists `leaderboard_size`).
    TOP_SELLERS_CHARTED = 15

    # A seller's figures from a row of the leaderboard mart (aliased `seller`). Rates are never
    # an average of monthly rates: they are the counts divided (orders on time / delivered
    # orders; sum of review scores / reviewed orders), as numeric, so exact.
    SELLER_FIGURES = """
            seller.seller_id,
            seller.seller_state,
            seller.seller_city,
            seller.seller_revenue,
            seller.items,
            seller.orders,
            cast(seller.review_score_sum as numeric) / nullif(seller.reviewed_orders, 0)
                as avg_review_score,
            seller.reviewed_orders,
            seller.review_score_sum,
            seller.delivered_orders,
            seller.on_time_orders,
            cast(seller.on_time_orders as numeric) / nullif(seller.delivered_orders, 0)
                as on_time_rate,
            seller.late_shipments,
            cast(seller.late_shipments as numeric) / seller.items as late_shipment_share
    """


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Sellers

    Who sells the most, and who keeps their promises, over a quarter, a year or the whole
    history.
    **Revenue** is the price of the seller's items in counted orders (canceled and
    unavailable orders are left out; freight is not the seller's revenue). **On time** is the
    share of the seller's delivered orders that reached the customer by the promised date; a
    **late shipment** is an item handed to the carrier after its shipping limit. Months are
    purchase months; amounts are in Brazilian reais (R$).
    """)
    return


@app.cell
def _():
    # The read-only reporting connection (a test may pass its own value for this name).
    reporter_url = get_settings().reporter_database_url
    return (reporter_url,)


@app.cell
def _(reporter_url):
    # The periods the leaderboard is rolled up for, with the months each spans, and the seller
    # states: a few hundred rows of the period totals, not a scan of the seller-months.
    _choices = load(
        """
        select period, period_kind, seller_state, first_month, last_month
        from marts.mart_seller_period_totals
        """,
        None,
        reporter_url,
    )
    stop_if_no_data(_choices.empty, "marts.mart_seller_period_totals")
    _spans = _choices.groupby(["period", "period_kind"], as_index=False).agg(
        first_month=("first_month", "min"), last_month=("last_month", "max")
    )
    # The whole history first, then the years and the quarters, newest first.
    _order = {"all": 0, "year": 1, "quarter": 2}
    _spans = _spans.assign(order=_spans["period_kind"].map(_order)).sort_values(
        ["order", "period"], ascending=[True, False]
    )
    periods = {
        period_label(_row.period): {
            "period": _row.period,
            "first_month": _row.first_month,
            "last_month": _row.last_month,
        }
        for _row in _spans.itertuples()
    }
    seller_states = sorted(_choices["seller_state"].dropna().unique())
    return periods, seller_states


@app.cell
def _(periods):
    period_picker = mo.ui.dropdown(options=periods, value=next(iter(periods)), label="Period")
    return (period_picker,)


@app.cell
def _(seller_states):
    state_filter = state_picker(seller_states, "Seller states")
    return (state_filter,)


@app.cell
def _(period_picker, state_filter):
    mo.hstack([period_picker, state_filter], justify="start", gap=2, wrap=True)
    return


@app.cell
def _(period_picker, state_filter):
    # The parameters of the page's queries; an empty list of states means all of them.
    filters = {
        **period_picker.value,
        "label": period_picker.selected_key,
        "states": list(state_filter.value),
    }
    return (filters,)


@app.cell
def _():
    # How many sellers the leaderboard lists (the best by revenue; the cards below still set a
    # seller against every seller of the chosen states).
    leaderboard_size = 500
    return (leaderboard_size,)


@app.cell
def _(filters, leaderboard_size, reporter_url):
    # The top sellers of the period: the first rows of an index of the leaderboard mart, which
    # holds each seller's sums of monthly counts per quarter, year and the whole history.
    leaderboard = load(
        f"""
        select
            cast(
                row_number() over (order by seller.seller_revenue desc, seller.seller_id)
                as integer
            ) as revenue_rank,
            {SELLER_FIGURES}
        from (
            select *
            from marts.mart_seller_leaderboard
            where
                period = %(period)s
                and {picked("seller_state")}
            order by seller_revenue desc, seller_id
            limit %(leaderboard_size)s
        ) as seller
        order by seller.seller_revenue desc, seller.seller_id
        """,
        {**filters, "leaderboard_size": leaderboard_size},
        reporter_url,
    )
    stop_if_filtered_out(
        leaderboard.empty,
        f"No seller from {states_text(filters['states'])} sold anything in **{filters['label']}**.",
        hint="Pick another period or other states.",
    )
    return (leaderboard,)


@app.cell
def _(filters, reporter_url):
    # Every seller of the chosen period and states, to read a seller against: the period
    # totals per state, summed, then divided (sums of counts, never averages of rates).
    marketplace = (
        load(
            f"""
            select
                sum(sellers) as sellers,
                sum(seller_revenue) as seller_revenue,
                sum(on_time_orders) / nullif(sum(delivered_orders), 0) as on_time_rate,
                sum(review_score_sum) / nullif(sum(reviewed_orders), 0) as avg_review_score,
                sum(late_shipments) / nullif(sum(items), 0) as late_shipment_share
            from marts.mart_seller_period_totals
            where
                period = %(period)s
                and {picked("seller_state")}
            """,
            filters,
            reporter_url,
        )
        .iloc[0]
        .to_dict()
    )
    return (marketplace,)


@app.cell(hide_code=True)
def _(leaderboard_size, marketplace):
    mo.md(f"""
    ## Leaderboard

    The {format_number(leaderboard_size)} sellers with the most revenue in the chosen period
    and states, ranked (of {format_number(marketplace["sellers"])} sellers with a sale). Click
    a column header to sort by it, or search for a seller id or a city. The review score is
    the average score (1 to 5) of the reviews of the seller's orders; the late-shipment share
    is late shipments per item sold.
    """)
    return


@app.cell
def _(leaderboard):
    leaderboard_table = mo.ui.table(
        leaderboard.drop(columns=["reviewed_orders", "review_score_sum", "on_time_orders"])
        # Numbers as numbers (not Decimal objects): the table sorts a column by value.
        .astype(
            {
                "seller_revenue": "float64",
                "avg_review_score": "float64",
                "on_time_rate": "float64",
                "late_shipment_share": "float64",
            }
        )
        .rename(
            columns={
                "revenue_rank": "rank",
                "seller_id": "seller",
                "seller_state": "state",
                "seller_city": "city",
                "seller_revenue": "revenue (R$)",
                "avg_review_score": "review score",
                "delivered_orders": "delivered orders",
                "on_time_rate": "on-time rate",
                "late_shipments": "late shipments",
                "late_shipment_share": "late-shipment share",
            }
        ),
        selection=None,
        page_size=20,
        show_column_summaries=False,
        freeze_columns_left=["rank", "seller"],
        format_mapping={
            "revenue (R$)": format_brl,
            "items": format_number,
            "orders": format_number,
            "review score": lambda value: format_number(value, 2),
            "delivered orders": format_number,
            "on-time rate": format_percent,
            "late shipments": format_number,
            "late-shipment share": format_percent,
        },
        label="Sellers by revenue",
    )
    leaderboard_table
    return (leaderboard_table,)


@app.cell(hide_code=True)
def _():
    mo.md(f"""
    The {TOP_SELLERS_CHARTED} sellers with the most revenue in the chosen period. The
    colour is their on-time rate: a big seller in orange or red is where late deliveries
    hurt the most customers.
    """)
    return


@app.cell
def _(leaderboard):
    _top = leaderboard.head(TOP_SELLERS_CHARTED).astype(
        {"seller_revenue": "float64", "on_time_rate": "float64"}
    )
    _top = _top.assign(seller=_top["seller_id"].str[:8] + "… (" + _top["seller_state"] + ")")
    top_chart = (
        alt.Chart(_top, title=f"Top {TOP_SELLERS_CHARTED} sellers by revenue (R$)")
        .mark_bar()
        .encode(
            x=alt.X("seller_revenue:Q", title="revenue (R$)"),
            y=alt.Y("seller:N", sort="-x", title=None),
            color=alt.Color(
                "on_time_rate:Q",
                title="on-time rate",
                scale=alt.Scale(scheme="redyellowgreen"),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("seller_id:N", title="seller"),
                alt.Tooltip("seller_city:N", title="city"),
                alt.Tooltip("seller_revenue:Q", title="revenue (R$)", format=",.2f"),
                alt.Tooltip("items:Q", title="items", format=",d"),
                alt.Tooltip("on_time_rate:Q", title="on-time rate", format=".1%"),
                alt.Tooltip("late_shipments:Q", title="late shipments", format=",d"),
            ],
        )
        .properties(width="container", height=22 * len(_top) + 40)
        .configure(locale=BR_NUMBERS)
    )
    top_chart
    return (top_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Seller scorecard

    Pick a seller of the leaderboard (type to search by id or city), or type the id of any
    other seller in the box beside it. The cards add up the seller's months in the chosen
    period; the arrows compare the seller with every seller of the chosen states in that
    period.
    """)
    return


@app.cell
def _(leaderboard):
    seller_picker = mo.ui.dropdown(
        options={
            f"{_row.revenue_rank}. {_row.seller_id} ({_row.seller_city}/{_row.seller_state})": (
                _row.seller_id
            )
            for _row in leaderboard.itertuples()
        },
        value=(
            f"1. {leaderboard.at[0, 'seller_id']} "
            f"({leaderboard.at[0, 'seller_city']}/{leaderboard.at[0, 'seller_state']})"
        ),
        searchable=True,
        label="Seller",
        full_width=True,
    )
    return (seller_picker,)


@app.cell
def _():
    seller_search = mo.ui.text(
        label="or any seller id", placeholder="a seller id (32 characters)", full_width=True
    )
    return (seller_search,)


@app.cell
def _(seller_picker, seller_search):
    mo.hstack([seller_picker, seller_search], widths=[3, 2], gap=1, align="end")
    return


@app.cell
def _(filters, leaderboard, reporter_url, seller_picker, seller_search):
    # The seller typed in the box, else the one picked. A seller beyond the leaderboard is read
    # from the mart by key, ranked by counting the sellers of the chosen states ahead of them.
    _chosen = seller_search.value.strip() or seller_picker.value
    _rows = leaderboard[leaderboard["seller_id"] == _chosen]
    if _rows.empty:
        _rows = load(
            f"""
            select
                (
                    select cast(count(*) + 1 as integer)
                    from marts.mart_seller_leaderboard as ahead
                    where
                        ahead.period = seller.period
                        and {picked("ahead.seller_state")}
                        and ahead.seller_revenue >= seller.seller_revenue  -- an index range
                        and (
                            ahead.seller_revenue > seller.seller_revenue
                            or (
                                ahead.seller_revenue = seller.seller_revenue
                                and ahead.seller_id < seller.seller_id
                            )
                        )
                ) as revenue_rank,
                {SELLER_FIGURES}
            from marts.mart_seller_leaderboard as seller
            where
                seller.period = %(period)s
                and seller.seller_id = %(seller_id)s
                and {picked("seller.seller_state")}
            """,
            {**filters, "seller_id": _chosen},
            reporter_url,
        )
    mo.stop(
        _rows.empty,
        mo.callout(
            mo.md(
                f"Seller `{_chosen}` sold nothing in the chosen period and states. "
                "Pick another seller, or widen the filters."
            ),
            kind="warn",
            title="No sales for this seller",
        ),
    )
    scorecard = _rows.iloc[0].to_dict()
    return (scorecard,)


@app.cell
def _(marketplace, scorecard):
    def _compared(value, overall):
        """Arrow up or down against the marketplace (none when either side is missing)."""
        if value is None or overall is None or value == overall:
            return None
        return "increase" if value > overall else "decrease"

    mo.hstack(
        [
            mo.stat(
                format_brl(scorecard["seller_revenue"]),
                label="Revenue",
                caption=(
                    f"rank {scorecard['revenue_rank']} of {format_number(marketplace['sellers'])} "
                    f"in {scorecard['seller_city']}/{scorecard['seller_state']}"
                ),
                bordered=True,
            ),
            mo.stat(
                format_number(scorecard["items"]),
                label="Items sold",
                caption=f"in {format_number(scorecard['orders'])} orders",
                bordered=True,
            ),
            mo.stat(
                format_number(scorecard["avg_review_score"], 2),
                label="Review score",
                caption=f"of 5; all sellers {format_number(marketplace['avg_review_score'], 2)}",
                direction=_compared(scorecard["avg_review_score"], marketplace["avg_review_score"]),
                bordered=True,
            ),
            mo.stat(
                format_percent(scorecard["on_time_rate"]),
                label="On-time rate",
                caption=(
                    f"of {format_number(scorecard['delivered_orders'])} delivered orders; "
                    f"all sellers {format_percent(marketplace['on_time_rate'])}"
                ),
                direction=_compared(scorecard["on_time_rate"], marketplace["on_time_rate"]),
                bordered=True,
            ),
            mo.stat(
                format_number(scorecard["late_shipments"]),
                label="Late shipments",
                caption=(
                    f"{format_percent(scorecard['late_shipment_share'])} of items; "
                    f"all sellers {format_percent(marketplace['late_shipment_share'])}"
                ),
                direction=_compared(
                    scorecard["late_shipment_share"], marketplace["late_shipment_share"]
                ),
                target_direction="decrease",
                bordered=True,
            ),
        ],
        widths="equal",
        gap=1,
    )
    return


@app.cell
def _():
    trend_metric = mo.ui.dropdown(
        options={
            "Revenue (R$)": "seller_revenue",
            "Items sold": "items",
            "Orders": "orders",
            "Review score": "avg_review_score",
            "On-time rate": "on_time_rate",
            "Late shipments": "late_shipments",
        },
        value="Revenue (R$)",
        label="Monthly trend of",
    )
    trend_metric
    return (trend_metric,)


@app.cell
def _(filters, reporter_url, scorecard):
    seller_months = load(
        """
        select
            order_month,
            seller_revenue,
            items,
            orders,
            avg_review_score,
            delivered_orders,
            on_time_rate,
            late_shipments
        from marts.mart_seller_performance
        where
            seller_id = %(seller_id)s
            and order_month between %(first_month)s and %(last_month)s
        order by order_month
        """,
        {**filters, "seller_id": scorecard["seller_id"]},
        reporter_url,
    ).astype(
        {
            "order_month": "datetime64[ns]",
            "seller_revenue": "float64",
            "items": "int64",
            "orders": "int64",
            "avg_review_score": "float64",
            "delivered_orders": "int64",
            "on_time_rate": "float64",
            "late_shipments": "int64",
        }
    )
    return (seller_months,)


@app.cell
def _(seller_months, trend_metric):
    _metric = trend_metric.value
    _title = trend_metric.selected_key
    _format = {
        "seller_revenue": ",.2f",
        "avg_review_score": ",.2f",
        "on_time_rate": ".1%",
    }.get(_metric, ",d")
    # Amounts and counts add up over a month: bars. Scores and rates do not: a line.
    _is_rate = _metric in ("avg_review_score", "on_time_rate")
    _base = alt.Chart(seller_months, title=f"{_title} by purchase month")
    _marks = _base.mark_line(point=True) if _is_rate else _base.mark_bar()
    trend_chart = (
        _marks.encode(
            x=alt.X(
                "yearmonth(order_month):T",
                title="purchase month",
                axis=alt.Axis(format="%m/%Y", labelAngle=-45),
            ),
            y=alt.Y(
                f"{_metric}:Q",
                title=_title.lower(),
                axis=alt.Axis(format=".0%") if _metric == "on_time_rate" else alt.Axis(),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(order_month):T", title="month", format="%m/%Y"),
                alt.Tooltip(f"{_metric}:Q", title=_title.lower(), format=_format),
                alt.Tooltip("orders:Q", title="orders", format=",d"),
                alt.Tooltip("delivered_orders:Q", title="delivered orders", format=",d"),
            ],
        )
        .properties(width="container", height=260)
        .configure(locale=BR_NUMBERS)
    )
    mo.vstack(
        [
            trend_chart,
            mo.md(
                "<small>One bar or point per month in which the seller sold something; "
                "a month without sales has none. A month's review score and on-time rate "
                "rest on few orders for most sellers, so expect them to jump.</small>"
            ),
        ]
    )
    return (trend_chart,)


if __name__ == "__main__":
    app.run()
