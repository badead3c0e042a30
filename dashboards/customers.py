# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Marketplace: customers dashboard")

with app.setup(hide_code=True):
    import sys
    from pathlib import Path

    # `marimo run dashboards/customers.py` puts only this folder on sys.path; the shared helper
    # (`dashboards.common`) and the settings (`orchestration`) are imported from the repo root.
    _repo_root = str(Path(__file__).resolve().parent.parent)
    if _repo_root not in sys.path:
        sys.path.insert(0, _repo_root)

    import html
    from decimal import Decimal

    import altair as alt
    import marimo as mo
    import pandas as pd

    from dashboards.common import (
        format_brl,
        format_number,
        format_percent,
        load,
        stop_if_no_data,
    )
    from orchestration.settings import get_settings

    # The segments in the order their rules are tried (BUSINESS_RULES.md, Customers and
    # segments), with the words a marketer reads. The thresholds live in dbt vars, not here.
    SEGMENTS = {
        "CHURNED": "no order for over a year",
        "VIP": "many orders and a high spend",
        "LOYAL": "four or more orders",
        "REGULAR": "two or three orders",
        "NEW": "first order in the last 90 days",
        "ONE_TIME": "one order (or none counted), not recent",
    }
    SEGMENT_ORDER = list(SEGMENTS)

    # Vega expressions that label chart axes the Brazilian way (1.234.567 and 12,5%); tooltips
    # show text already formatted by dashboards.common.
    THOUSANDS_AXIS = "replace(format(datum.value, ',.0f'), regexp(',', 'g'), '.')"
    PERCENT_AXIS = "replace(format(datum.value, '.1%'), '.', ',')"

    # How many customers the "top customers" table lists.
    TOP_CUSTOMERS = 20


@app.function
def customer_profile(customer_unique_id: str, url: str) -> pd.DataFrame:
    """The mart's row for one person: one row, or none when nobody has that id.

    A function rather than a cell so that a test can look up any id without typing into the page.
    """
    return load(
        """
        select
            customer_unique_id,
            segment,
            rfm_cell,
            recency_score,
            frequency_score,
            monetary_score,
            recency_days,
            counted_orders,
            lifetime_spend,
            first_order_at,
            last_order_at,
            cohort_month,
            customer_city,
            customer_state,
            avg_review_score,
            as_of_date
        from marts.mart_customer_analytics
        where customer_unique_id = %(customer_unique_id)s
        """,
        {"customer_unique_id": customer_unique_id},
        url,
    )


@app.function
def in_segment_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by segment in rule order (unknown segments last), so every view agrees."""
    rank = {name: position for position, name in enumerate(SEGMENT_ORDER)}
    return frame.sort_values(
        "segment", key=lambda column: column.map(lambda name: rank.get(name, len(rank)))
    ).reset_index(drop=True)


@app.function
def count_texts(customers: pd.Series, spend: pd.Series) -> dict[str, list[str]]:
    """The tooltip texts of a chart of customer counts: each count, its share of all the
    counts given, and the customers' spend, already written the Brazilian way (see
    THOUSANDS_AXIS above), so that every chart's tooltips read alike."""
    total = customers.sum()
    return {
        "customers_text": [format_number(value) for value in customers],
        "spend_text": [format_brl(value) for value in spend],
        "share_text": [format_percent(value / total) for value in customers],
    }


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Customers

    Who buys on the marketplace, how often and for how much, read from the customer mart. A
    **customer** is a person (`customer_unique_id`), whatever the number of orders. Orders are
    **counted orders** (canceled and unavailable ones are left out) and **spend** is what the
    person paid for items plus freight on those orders, in Brazilian reais (R$). Pick a state or
    a segment to narrow the figures; the cohort retention section covers every customer.
    """)
    return


@app.cell
def _():
    # The read-only reporting connection (a test may pass its own value for this name).
    reporter_url = get_settings().reporter_database_url
    return (reporter_url,)


@app.cell
def _(reporter_url):
    # The filter choices from the rolled-up mart (a few thousand rows, whatever the scale).
    _choices = load(
        """
        select customer_state, segment, max(as_of_date) as as_of_date
        from marts.mart_customer_segments
        group by customer_state, segment
        """,
        None,
        reporter_url,
    )
    stop_if_no_data(_choices.empty, "marts.mart_customer_segments")
    states = sorted(_choices["customer_state"].dropna().unique())
    segments = in_segment_order(pd.DataFrame({"segment": _choices["segment"].dropna().unique()}))[
        "segment"
    ].tolist()
    as_of_date = _choices["as_of_date"].max()
    return as_of_date, segments, states


@app.cell
def _(as_of_date, segments, states):
    state_filter = mo.ui.dropdown(
        options={"All states": None, **{uf: uf for uf in states}},
        value="All states",
        searchable=True,
        label="State",
    )
    segment_filter = mo.ui.dropdown(
        options={"All segments": None, **{name: name for name in segments}},
        value="All segments",
        label="Segment",
    )
    mo.hstack(
        [
            state_filter,
            segment_filter,
            mo.md(
                f"<small>Figures as of **{as_of_date:%d/%m/%Y}**, the latest purchase date in "
                "the data.</small>"
            ),
        ],
        justify="start",
        align="center",
        gap=2,
    )
    return segment_filter, state_filter


@app.cell
def _(segment_filter, state_filter):
    # Query parameters, never text pasted into SQL: `None` means "all".
    filters = {"state": state_filter.value, "segment": segment_filter.value}
    filter_text = " and ".join(
        text
        for text in (
            f"state **{filters['state']}**" if filters["state"] else "",
            f"segment **{filters['segment']}**" if filters["segment"] else "",
        )
        if text
    )
    return filter_text, filters


@app.cell
def _(filter_text, filters, reporter_url):
    segment_summary = load(
        """
        select
            segment,
            cast(sum(customers) as bigint) as customers,
            cast(sum(buying_customers) as bigint) as buying_customers,
            coalesce(sum(counted_orders), 0) as counted_orders,
            coalesce(sum(spend), 0) as spend
        from marts.mart_customer_segments
        where (cast(%(state)s as text) is null or customer_state = %(state)s)
            and (cast(%(segment)s as text) is null or segment = %(segment)s)
        group by segment
        """,
        filters,
        reporter_url,
    )
    mo.stop(
        segment_summary.empty,
        mo.callout(
            mo.md(
                f"No customer matches {filter_text or 'these filters'}. Pick another state or "
                "segment."
            ),
            kind="warn",
            title="No customers for these filters",
        ),
    )
    segment_summary = in_segment_order(segment_summary)
    return (segment_summary,)


@app.cell
def _(segment_summary):
    _customers = int(segment_summary["customers"].sum())
    _buying = int(segment_summary["buying_customers"].sum())
    _spend = sum(segment_summary["spend"], Decimal(0))
    _top = segment_summary.loc[segment_summary["segment"].isin(["VIP", "LOYAL"]), "customers"]
    kpis = {
        "customers": _customers,
        "buying_customers": _buying,
        "spend": _spend,
        "spend_per_buyer": ((_spend / _buying).quantize(Decimal("0.01")) if _buying else None),
        "vip_loyal_share": int(_top.sum()) / _customers,
    }
    return (kpis,)


@app.cell
def _(kpis):
    kpi_cards = mo.hstack(
        [
            mo.stat(
                format_number(kpis["customers"]),
                label="Customers",
                caption="people (customer_unique_id)",
                bordered=True,
            ),
            mo.stat(
                format_number(kpis["buying_customers"]),
                label="Customers with a counted order",
                caption="at least one order not canceled or unavailable",
                bordered=True,
            ),
            mo.stat(
                format_brl(kpis["spend"]),
                label="Total spend",
                caption="items + freight of counted orders",
                bordered=True,
            ),
            mo.stat(
                format_brl(kpis["spend_per_buyer"]),
                label="Spend per buying customer",
                caption="total spend / customers with an order",
                bordered=True,
            ),
            mo.stat(
                format_percent(kpis["vip_loyal_share"]),
                label="VIP or LOYAL",
                caption="share of the customers",
                bordered=True,
            ),
        ],
        widths=[1, 1.2, 1.5, 1.3, 1],
        gap=1,
    )
    kpi_cards
    return (kpi_cards,)


@app.cell(hide_code=True)
def _():
    mo.md(
        "## Segments\n\n"
        "Every customer is in exactly one segment: the first rule below that matches wins, so a "
        "customer who has not ordered for over a year is `CHURNED` however much they spent. The "
        "bars show how many customers each segment holds and how much they spent over their "
        "lifetime.\n\n"
        "| segment | who |\n| --- | --- |\n"
        + "\n".join(f"| `{name}` | {meaning} |" for name, meaning in SEGMENTS.items())
    )
    return


@app.cell
def _(segment_summary):
    _bars = pd.DataFrame(
        {
            "segment": segment_summary["segment"],
            "customers": segment_summary["customers"].astype("int64"),
            "spend": segment_summary["spend"].astype("float64"),
            **count_texts(segment_summary["customers"], segment_summary["spend"]),
        }
    )
    _base = alt.Chart(_bars).encode(
        y=alt.Y("segment:N", sort=SEGMENT_ORDER, title=None),
        color=alt.Color("segment:N", scale=alt.Scale(domain=SEGMENT_ORDER), legend=None),
        tooltip=[
            alt.Tooltip("segment:N", title="segment"),
            alt.Tooltip("customers_text:N", title="customers"),
            alt.Tooltip("share_text:N", title="share of customers"),
            alt.Tooltip("spend_text:N", title="spend"),
        ],
    )
    segment_chart = alt.hconcat(
        _base.mark_bar()
        .encode(x=alt.X("customers:Q", title="customers", axis=alt.Axis(labelExpr=THOUSANDS_AXIS)))
        .properties(title="Customers per segment", width=360, height=220),
        _base.mark_bar()
        .encode(x=alt.X("spend:Q", title="R$", axis=alt.Axis(labelExpr=THOUSANDS_AXIS)))
        .properties(title="Lifetime spend per segment (R$)", width=360, height=220),
    )
    segment_chart
    return (segment_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## RFM grid

    Each customer with a counted order has three scores from 1 to 5, where 5 is best:
    **recency** (how recently they last ordered), **frequency** (how many orders) and
    **monetary** (how much they spent). Each score splits the customers into five groups of the
    same size; as most customers have a single order, their frequency scores split ties
    arbitrarily and say little. The grid counts customers per pair of scores: the top right
    corner holds recent, valuable customers to keep; the top left, valuable customers who have
    not ordered for a while, to win back; the bottom right, recent customers who spent little,
    to grow. Customers without a counted order have no scores and are not shown.
    """)
    return


@app.cell
def _():
    rfm_axis = mo.ui.dropdown(
        options={"Monetary (spend)": "monetary_score", "Frequency (orders)": "frequency_score"},
        value="Monetary (spend)",
        label="Recency against",
    )
    rfm_axis
    return (rfm_axis,)


@app.cell
def _(filter_text, filters, reporter_url):
    rfm_scores = load(
        """
        select
            recency_score,
            frequency_score,
            monetary_score,
            cast(sum(customers) as bigint) as customers,
            coalesce(sum(spend), 0) as spend
        from marts.mart_customer_segments
        where recency_score is not null
            and (cast(%(state)s as text) is null or customer_state = %(state)s)
            and (cast(%(segment)s as text) is null or segment = %(segment)s)
        group by recency_score, frequency_score, monetary_score
        """,
        filters,
        reporter_url,
    )
    mo.stop(
        rfm_scores.empty,
        mo.callout(
            mo.md(
                f"None of the customers of {filter_text or 'the data'} has a counted order, so "
                "none has RFM scores. Pick another state or segment."
            ),
            kind="warn",
            title="No RFM scores for these filters",
        ),
    )
    return (rfm_scores,)


@app.cell
def _(rfm_axis, rfm_scores):
    _axis_title = rfm_axis.selected_key.split(" ")[0].lower()
    _grid = (
        rfm_scores.groupby(["recency_score", rfm_axis.value], as_index=False)
        .agg(customers=("customers", "sum"), spend=("spend", "sum"))
        .rename(columns={rfm_axis.value: "other_score"})
    )
    _grid = pd.DataFrame(
        {
            "recency_score": _grid["recency_score"].astype("int64"),
            "other_score": _grid["other_score"].astype("int64"),
            "customers": _grid["customers"].astype("int64"),
            **count_texts(_grid["customers"], _grid["spend"]),
        }
    )
    _cells = alt.Chart(_grid).encode(
        x=alt.X("recency_score:O", title="recency score (5 = ordered most recently)"),
        y=alt.Y(
            "other_score:O",
            sort="descending",
            title=f"{_axis_title} score (5 = highest)",
        ),
    )
    rfm_chart = (
        alt.layer(
            _cells.mark_rect().encode(
                color=alt.Color(
                    "customers:Q",
                    title="customers",
                    scale=alt.Scale(scheme="blues"),
                    legend=alt.Legend(labelExpr=THOUSANDS_AXIS),
                ),
                tooltip=[
                    alt.Tooltip("recency_score:O", title="recency score"),
                    alt.Tooltip("other_score:O", title=f"{_axis_title} score"),
                    alt.Tooltip("customers_text:N", title="customers"),
                    alt.Tooltip("share_text:N", title="share of scored customers"),
                    alt.Tooltip("spend_text:N", title="spend"),
                ],
            ),
            _cells.mark_text(baseline="middle").encode(text="customers_text:N"),
        )
        .properties(
            title=f"Customers by recency and {_axis_title} score",
            width="container",
            height=300,
        )
        .configure_axis(labelAngle=0)
    )
    rfm_chart
    return (rfm_chart,)


@app.cell(hide_code=True)
def _():
    mo.md(f"""
    ## Top customers

    The {TOP_CUSTOMERS} customers with the highest lifetime spend for the filters above. Copy an
    id into the search at the bottom of the page to see the customer's profile.
    """)
    return


@app.cell
def _(filters, reporter_url):
    top_customers = load(
        """
        select
            customer_unique_id,
            segment,
            rfm_cell,
            counted_orders,
            lifetime_spend,
            last_order_at,
            customer_city,
            customer_state
        from marts.mart_customer_analytics
        where (cast(%(state)s as text) is null or customer_state = %(state)s)
            and (cast(%(segment)s as text) is null or segment = %(segment)s)
        order by lifetime_spend desc nulls last, customer_unique_id
        limit %(limit)s
        """,
        {**filters, "limit": TOP_CUSTOMERS},
        reporter_url,
    )
    return (top_customers,)


@app.cell
def _(top_customers):
    top_customers_table = mo.ui.table(
        pd.DataFrame(
            {
                "Customer id": top_customers["customer_unique_id"],
                "Segment": top_customers["segment"],
                "RFM cell": top_customers["rfm_cell"].fillna("-"),
                "Orders": [format_number(value) for value in top_customers["counted_orders"]],
                "Spend": [format_brl(value) for value in top_customers["lifetime_spend"]],
                "Last order": [
                    "-" if pd.isna(value) else f"{value:%d/%m/%Y}"
                    for value in top_customers["last_order_at"]
                ],
                "City": top_customers["customer_city"].fillna("-"),
                "State": top_customers["customer_state"].fillna("-"),
            }
        ),
        selection=None,
        show_download=False,
        page_size=TOP_CUSTOMERS,
        text_justify_columns={"Orders": "right", "Spend": "right"},
    )
    top_customers_table
    return (top_customers_table,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Cohort retention

    Customers are grouped by the month of their first counted order (their **cohort**). A cell
    shows the share of a cohort that ordered again *k* months later: a darker cell is a cohort
    that came back more. Month 0 is left out (it is 100% by definition). This section covers
    every customer: the state and segment filters do not apply.
    """)
    return


@app.cell
def _(reporter_url):
    cohort_retention = load(
        """
        select
            cohort_month,
            months_since_first_order,
            cohort_size,
            active_customers,
            retention_rate
        from marts.mart_cohort_retention
        where months_since_first_order > 0
        order by cohort_month, months_since_first_order
        """,
        None,
        reporter_url,
    )
    mo.stop(
        cohort_retention.empty,
        mo.callout(
            mo.md(
                "Retention needs at least two months of orders: every cohort is still in its "
                "first month. Come back once the data covers a later month."
            ),
            kind="warn",
            title="No retention to show yet",
        ),
    )
    _first_month = cohort_retention[cohort_retention["months_since_first_order"] == 1]
    month_one_retention = _first_month["active_customers"].sum() / _first_month["cohort_size"].sum()
    return cohort_retention, month_one_retention


@app.cell
def _(cohort_retention, month_one_retention):
    # Only plain JSON types reach the chart: months as text, rates as floats.
    _heat = pd.DataFrame(
        {
            "cohort": [f"{value:%Y-%m}" for value in cohort_retention["cohort_month"]],
            "months_since_first_order": cohort_retention["months_since_first_order"],
            "retention": cohort_retention["retention_rate"].astype("float64"),
            "cohort_text": [f"{value:%m/%Y}" for value in cohort_retention["cohort_month"]],
            "size_text": [format_number(value) for value in cohort_retention["cohort_size"]],
            "active_text": [format_number(value) for value in cohort_retention["active_customers"]],
            "retention_text": [
                format_percent(value, 2) for value in cohort_retention["retention_rate"]
            ],
        }
    )
    retention_chart = (
        alt.Chart(_heat)
        .mark_rect()
        .encode(
            x=alt.X("months_since_first_order:O", title="months since the first order"),
            y=alt.Y("cohort:O", title="cohort (month of the first order)"),
            color=alt.Color(
                "retention:Q",
                title="retention",
                scale=alt.Scale(scheme="greens"),
                legend=alt.Legend(labelExpr=PERCENT_AXIS),
            ),
            tooltip=[
                alt.Tooltip("cohort_text:N", title="cohort"),
                alt.Tooltip("months_since_first_order:O", title="months since"),
                alt.Tooltip("size_text:N", title="cohort size"),
                alt.Tooltip("active_text:N", title="ordered that month"),
                alt.Tooltip("retention_text:N", title="retention"),
            ],
        )
        .properties(title="Share of each cohort ordering again", width="container", height=360)
        .configure_axis(labelAngle=0)
    )
    mo.vstack(
        [
            mo.md(
                "Over all cohorts, **"
                f"{format_percent(month_one_retention, 2)}** of the customers ordered again in "
                "the month after their first order."
            ),
            retention_chart,
        ]
    )
    return (retention_chart,)


@app.cell(hide_code=True)
def _():
    mo.md("""
    ## Find a customer

    Paste a `customer_unique_id` (for instance from the top customers table) to see that
    person's segment, scores and order history.
    """)
    return


@app.cell
def _():
    customer_search = mo.ui.text(
        placeholder="e.g. 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        max_length=64,
        label="Customer id",
        full_width=True,
    )
    customer_search
    return (customer_search,)


@app.cell
def _(customer_search, reporter_url):
    _wanted = customer_search.value.strip()
    mo.stop(
        not _wanted,
        mo.md("<small>Type or paste a customer id above to see the customer's profile.</small>"),
    )
    profile = customer_profile(_wanted, reporter_url)
    mo.stop(
        profile.empty,
        mo.callout(
            mo.md(
                f"There is no customer with the id <code>{html.escape(_wanted)}</code>. Check "
                "that it is a `customer_unique_id` (the person), not a `customer_id` (one "
                "order's customer), and that it was copied whole."
            ),
            kind="warn",
            title="No such customer",
        ),
    )
    return (profile,)


@app.cell
def _(profile):
    _row = profile.iloc[0]

    def _day(value: object) -> str:
        return "-" if value is None or pd.isna(value) else f"{value:%d/%m/%Y}"

    _recency = (
        "no counted order"
        if pd.isna(_row["recency_days"])
        else f"{format_number(_row['recency_days'])} days before {_day(_row['as_of_date'])}"
    )
    _place = " / ".join(
        str(value) for value in (_row["customer_city"], _row["customer_state"]) if value
    )
    profile_cards = mo.vstack(
        [
            mo.md(f"### Customer `{_row['customer_unique_id']}`"),
            mo.hstack(
                [
                    mo.stat(
                        _row["segment"],
                        label="Segment",
                        caption=SEGMENTS.get(_row["segment"], ""),
                        bordered=True,
                    ),
                    mo.stat(
                        _row["rfm_cell"] or "-",
                        label="RFM cell",
                        caption="recency, frequency, monetary (5 = best)",
                        bordered=True,
                    ),
                    mo.stat(
                        format_number(_row["counted_orders"]),
                        label="Counted orders",
                        caption="not canceled or unavailable",
                        bordered=True,
                    ),
                    mo.stat(
                        format_brl(_row["lifetime_spend"]),
                        label="Lifetime spend",
                        caption="items + freight",
                        bordered=True,
                    ),
                ],
                widths="equal",
                gap=1,
            ),
            mo.hstack(
                [
                    mo.stat(
                        _day(_row["first_order_at"]),
                        label="First order",
                        caption=(
                            "no counted order"
                            if pd.isna(_row["cohort_month"])
                            else f"cohort {_row['cohort_month']:%m/%Y}"
                        ),
                        bordered=True,
                    ),
                    mo.stat(
                        _day(_row["last_order_at"]),
                        label="Last order",
                        caption=_recency,
                        bordered=True,
                    ),
                    mo.stat(_place or "-", label="Place", caption="city / state", bordered=True),
                    mo.stat(
                        format_number(_row["avg_review_score"], 2),
                        label="Average review given",
                        caption="1 to 5 stars",
                        bordered=True,
                    ),
                ],
                widths="equal",
                gap=1,
            ),
        ],
        gap=1,
    )
    profile_cards
    return (profile_cards,)


if __name__ == "__main__":
    app.run()
