# marimo shows a cell's last bare expression as its output (not a useless expression):
# ruff: noqa: B018
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Marketplace dashboards")

with app.setup(hide_code=True):
    from pathlib import Path

    import marimo as mo

    # The landing page of `make dashboards`: it serves every app of this folder at /<file name>/
    # and this page at /. One entry per planned dashboard; only apps whose file exists are
    # linked, so a dashboard appears here as soon as its file lands in the folder.
    DASHBOARDS = (
        {
            "name": "executive",
            "title": "Executive: the marketplace at a glance",
            "audience": "Leadership",
            "about": (
                "Orders, GMV, average order value, new customers, on-time rate and review score "
                "with their change against the previous period; GMV and orders over time; top "
                "categories and customer states."
            ),
        },
        {
            "name": "quality",
            "title": "Data quality",
            "audience": "Data engineers and stakeholders",
            "about": (
                "Quality score and row validity per run, failing checks with examples, "
                "rejected rows and the load history."
            ),
        },
        {
            "name": "customers",
            "title": "Customers",
            "audience": "Marketing and CRM",
            "about": "Segments, RFM scores and cohort retention.",
        },
        {
            "name": "delivery",
            "title": "Delivery",
            "audience": "Logistics",
            "about": "Delivery times, on-time rate and late orders by state and lane.",
        },
        {
            "name": "sellers",
            "title": "Sellers",
            "audience": "Seller success",
            "about": "Seller revenue, reviews, on-time rate and late shipments.",
        },
    )


@app.function
def available(dashboards: tuple[dict, ...], folder: Path) -> tuple[list[dict], list[dict]]:
    """The dashboards whose app file is in ``folder`` (linked) and those still to come."""
    ready = [entry for entry in dashboards if (folder / f"{entry['name']}.py").is_file()]
    planned = [entry for entry in dashboards if entry not in ready]
    return ready, planned


@app.cell(hide_code=True)
def _():
    mo.md("""
    # Marketplace dashboards

    Figures are read from the warehouse's marts, which the pipeline rebuilds every night.
    Pick a dashboard; each opens in this tab.
    """)
    return


@app.cell
def _():
    ready, planned = available(DASHBOARDS, Path(__file__).resolve().parent)
    return planned, ready


@app.cell
def _(ready):
    # Relative links: the apps are served beside this page, at /<name>/.
    dashboard_links = mo.vstack(
        [
            mo.callout(
                mo.md(
                    f"### [{entry['title']}]({entry['name']}/)\n\n"
                    f"{entry['about']}  \n<small>For: {entry['audience']}</small>"
                ),
                kind="info",
            )
            for entry in ready
        ],
        gap=1,
    )
    dashboard_links
    return (dashboard_links,)


@app.cell
def _(planned):
    mo.stop(not planned)
    mo.md(
        "### Coming later\n\n"
        + "\n".join(
            f"- **{entry['title']}** ({entry['audience']}): {entry['about']}" for entry in planned
        )
    )
    return


if __name__ == "__main__":
    app.run()
