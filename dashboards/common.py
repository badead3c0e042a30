"""The one shared helper of the dashboards: a read-only connection, a query function, formatting.

Dashboards connect as the reporting role and never as the owner (DESIGN.md, "Database schemas
and roles"). The session is also put in read-only mode, so a dashboard cannot write even if the
role were ever granted too much. A new connection is opened per query: dashboards run a handful
of small queries against indexed marts, and a fresh connection survives a database restart
without any pool bookkeeping.

Errors are turned into exceptions whose message tells the reader what to do, so an app can show
them in a callout instead of a traceback.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
import psycopg
from psycopg import errors
from psycopg.conninfo import conninfo_to_dict

from orchestration.settings import get_settings

if TYPE_CHECKING:
    import marimo as mo

# Applied at connection start, before any query runs; SET SESSION CHARACTERISTICS below repeats
# it in case a pooler in front of the server drops startup options.
_SESSION_OPTIONS = "-c default_transaction_read_only=on -c statement_timeout=60000"
_CONNECT_TIMEOUT_SECONDS = 5

# When a list, every query() appends (sql, seconds, rows) to it: the hook of the dashboard
# benchmark (python -m orchestration.benchmarks.dashboards). Off (None) for the apps.
query_log: list[tuple[str, float, int]] | None = None


class DashboardDataError(RuntimeError):
    """The data behind a dashboard cannot be read; the message says why and what to do."""


class DatabaseUnavailable(DashboardDataError):
    """The warehouse cannot be reached or refuses the reporting role's login."""


class MartNotReady(DashboardDataError):
    """The server answers, but a mart is missing or not readable by the reporting role yet."""


def what_to_do() -> str:
    """The next step for someone who sees the warehouse unreachable, for this configuration."""
    settings = get_settings()
    if settings.reporter_database_url_override:
        return (
            "Check `REPORTER_DATABASE_URL`: the server it names must be running and accept the "
            "reporting role and its password."
        )
    if settings.embedded:
        return (
            "The embedded database is not running: start it and build the marts with `make run` "
            "(`make db-start` only starts it). To use another server, set `DATABASE_URL`."
        )
    return (
        "Check that the server in `DATABASE_URL` is running and reachable, and that "
        "`OLIST_REPORTER_PASSWORD` matches the reporting role's password."
    )


def describe_target(url: str) -> str:
    """Where a connection string points, without its password (safe to show on a page)."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "an unparseable connection string"
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return f"database '{params.get('dbname', '?')}' on {host}:{port} as '{params.get('user', '?')}'"


def connect(url: str | None = None) -> psycopg.Connection:
    """Open a read-only connection as the reporting role (``reporter_database_url`` by default)."""
    url = url or get_settings().reporter_database_url
    try:
        conn = psycopg.connect(
            url,
            options=_SESSION_OPTIONS,
            connect_timeout=_CONNECT_TIMEOUT_SECONDS,
            application_name="olist-dashboards",
        )
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"Cannot connect to the warehouse ({describe_target(url)}): {reason}. {what_to_do()}"
        ) from exc
    conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    conn.commit()
    return conn


def query(
    sql: str, params: Mapping[str, Any] | None = None, *, url: str | None = None
) -> pd.DataFrame:
    """Run one parameterised query (``%(name)s`` placeholders) and return its rows.

    Values keep their database types: ``numeric`` arrives as ``Decimal`` so money stays exact;
    convert to float only where a chart needs it. The time recorded in ``query_log`` covers
    what a viewer waits for: connecting, running the query and fetching its rows.
    """
    started = time.perf_counter()
    with connect(url) as conn:
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                columns = [column.name for column in cur.description or []]
                rows = cur.fetchall() if cur.description else []
        except (errors.UndefinedTable, errors.InvalidSchemaName) as exc:
            raise MartNotReady(
                f"The marts are not built yet ({exc.diag.message_primary}). Run the pipeline "
                "first: `make run` locally, or materialize all assets in the Dagster UI."
            ) from exc
        except errors.InsufficientPrivilege as exc:
            raise MartNotReady(
                f"The reporting role may not read this mart ({exc.diag.message_primary}). "
                "Run the database bootstrap again so it grants the reporter role its rights."
            ) from exc
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(
                f"The warehouse connection broke during a query: {exc}. {what_to_do()}"
            ) from exc
    if query_log is not None:
        query_log.append((sql, time.perf_counter() - started, len(rows)))
    return pd.DataFrame.from_records(rows, columns=columns)


def _group_thousands(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


def format_number(value: float | Decimal | None, decimals: int = 0) -> str:
    """Format a number the Brazilian way: ``1.234.567,89`` (``-`` when there is no value)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    text = _group_thousands(whole)
    return f"{sign}{text},{fraction}" if decimals > 0 else f"{sign}{text}"


def format_brl(value: float | Decimal | None, decimals: int = 2) -> str:
    """Format an amount of Brazilian reais: ``R$ 1.234.567,89``.

    The space after ``R$`` is a no-break space, so the symbol never wraps away from the amount.
    """
    text = format_number(value, decimals)
    if text == "-":
        return text
    if text.startswith("-"):
        return f"-R$\u00a0{text[1:]}"
    return f"R$\u00a0{text}"


def format_percent(value: float | Decimal | None, decimals: int = 1) -> str:
    """Format a share (``0.9753``) as a Brazilian percentage: ``97,5%`` (``-`` when missing).

    Used for the quality score and row validity, which the warehouse keeps as shares of 1.
    """
    if value is None or pd.isna(value):
        return "-"
    return f"{format_number(Decimal(str(value)) * 100, decimals)}%"


# The number locale of the altair (Vega) charts, so that axes, legends and tooltips write
# numbers the Brazilian way (1.234,5 and R$ 1.234,50), like format_number and format_brl in the
# cards and tables. Use it as ``chart.configure(locale=BR_NUMBERS)``; altair copies it into the
# chart spec, so the apps share one dict and never change it.
BR_NUMBERS: dict[str, Any] = {
    "number": {
        "decimal": ",",
        "thousands": ".",
        "grouping": [3],
        "currency": ["R$\u00a0", ""],
    }
}


def load(sql: str, params: dict | None, url: str) -> pd.DataFrame:
    """Run one query for a dashboard cell; if the data cannot be read, stop the cell with a
    callout.

    The callout replaces a traceback: it says what went wrong and what to do, and the cells
    that depend on this one do not run.
    """
    import marimo as mo

    try:
        return query(sql, params, url=url)
    except DashboardDataError as exc:
        title = (
            "The warehouse is not reachable"
            if isinstance(exc, DatabaseUnavailable)
            else "The dashboard data is not ready"
        )
        mo.stop(True, mo.callout(mo.md(str(exc)), kind="danger", title=title))
        raise  # mo.stop always raises; this keeps the return type honest


# The filters of the monthly dashboards (delivery, sellers): a From and a To month picked
# among the mart's months, and states to narrow to. Each app creates every picker in a cell of
# its own and keeps it in a global (`month_from`, `month_to`, `state_filter`), so that marimo
# re-runs the cells that read it, and a test can replace any of them by name.


def month_picker(months: Sequence[date], label: str, *, last: bool = False) -> mo.ui.dropdown:
    """A dropdown of the mart's ``months`` (labelled ``mm/yyyy``), set to the first month, or
    to the last one with ``last``: together a From and a To picker open on every month."""
    import marimo as mo

    return mo.ui.dropdown(
        options={f"{month:%m/%Y}": month for month in months},
        value=f"{months[-1 if last else 0]:%m/%Y}",
        label=label,
    )


def period_label(period: str) -> str:
    """How a leaderboard period reads in a picker: ``all`` is "All time", ``2018`` stays,
    ``2018-Q2`` is "Q2 2018"."""
    if period == "all":
        return "All time"
    year, _, quarter = period.partition("-")
    return f"{quarter} {year}" if quarter else year


def picked(column: str, parameter: str = "states") -> str:
    """The SQL condition "``column`` is one of the values picked" for a multiselect whose
    values go to the query as the list parameter ``parameter`` (empty: every value passes).
    Only this fixed text is pasted into a query; the values stay query parameters."""
    return (
        f"(cardinality(cast(%({parameter})s as text[])) = 0 "
        f"or {column} = any(cast(%({parameter})s as text[])))"
    )


def state_picker(states: Sequence[str], label: str) -> mo.ui.multiselect:
    """A multiselect of ``states``; picking none means every state (see ``month_filters``)."""
    import marimo as mo

    return mo.ui.multiselect(options=states, label=f"{label} (none picked: all)")


def month_filters(
    month_from: mo.ui.dropdown, month_to: mo.ui.dropdown, state_filter: mo.ui.multiselect
) -> dict[str, Any]:
    """The query parameters of the pickers: ``first_month``, ``last_month`` and ``states``
    (an empty list: all states).

    A From month after the To month would select nothing without saying why: that stops the
    cell with a callout that says what to change instead.
    """
    import marimo as mo

    mo.stop(
        month_from.value > month_to.value,
        mo.callout(
            mo.md(
                f"**From** ({month_from.value:%m/%Y}) is after **To** "
                f"({month_to.value:%m/%Y}). Pick a From month on or before the To month."
            ),
            kind="warn",
            title="The months are the wrong way round",
        ),
    )
    return {
        "first_month": month_from.value,
        "last_month": month_to.value,
        "states": list(state_filter.value),
    }


def states_text(states: Sequence[str]) -> str:
    """The chosen states for a sentence: ``RJ, SP``, or ``any state`` when none is chosen."""
    return ", ".join(states) or "any state"


def stop_if_filtered_out(
    nothing: bool, message: str, hint: str = "Pick more months or other states."
) -> None:
    """Stop the cell when the filters select nothing (``nothing``).

    ``message`` says what the chosen months (or period) and states lack; ``hint`` says what to
    do, so the cells that depend on this one draw no empty chart.
    """
    import marimo as mo

    mo.stop(
        nothing,
        mo.callout(
            mo.md(f"{message} {hint}"),
            kind="warn",
            title="Nothing to show for these filters",
        ),
    )


def stop_if_no_data(empty: bool, mart: str, rows: str = "rows") -> None:
    """Stop the cell when ``mart`` (``marts.<name>``) holds no ``rows`` yet: the pipeline has
    not run on any data, and the callout says how to run it."""
    import marimo as mo

    mo.stop(
        empty,
        mo.callout(
            mo.md(
                f"`{mart}` has no {rows} yet. Load data and run the pipeline (`make run` "
                "locally, or materialize all assets in the Dagster UI)."
            ),
            kind="warn",
            title="No data yet",
        ),
    )
