"""Incremental models equal a full refresh: after each of three nightly deltas, the tables an
incremental ``dbt build`` leaves behind are exactly (row for row, as multisets) the tables a
``dbt run --full-refresh`` builds from the same raw data.

The loader and dbt are driven directly, without Dagster and the Great Expectations checks, to
keep the test short: the Dagster dbt asset runs the same ``dbt build`` (the nightly e2e test,
test_nightly_deltas.py, covers the incremental path through Dagster). Deltas one and two are
built with ``dbt run``, the last with ``dbt build`` so every test also passes on the
incremental state. Runs in its own database.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.generator import generate_deltas

pytestmark = pytest.mark.e2e

DATABASE = "olist_test_incremental"
SAMPLE_ORDERS, SAMPLE_SEED = 3000, 42  # how data/sample was generated (make sample)
DAYS = 3
INCREMENTAL_FACTS = ("fact_orders", "fact_order_items", "fact_payments", "fact_reviews")
COPY_SCHEMA = "incremental_copy"
UNLOGGED_SCHEMAS = ("staging", "intermediate")  # dbt_project.yml: +unlogged

LOAD_SCRIPT = """
from orchestration.contracts import CONTRACTS
from orchestration.loader import load_source
from orchestration.settings import get_settings

settings = get_settings()
for contract in CONTRACTS:
    load_source(contract, settings, settings.role_url("loader"))
"""


@pytest.fixture(scope="module")
def pipeline(own_database, tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    landing, incoming = root / "landing", root / "incoming"
    landing.mkdir()
    env, url = own_database(
        DATABASE,
        root / "dagster",
        LANDING_DIR=str(landing),
        # dbt commands of this test write their artifacts here, not in dbt_project/target
        DBT_TARGET_PATH=str(root / "dbt-target"),
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        return done.stdout

    run("-m", "orchestration", "db", "start")  # creates and bootstraps the database
    run("-c", LOAD_SCRIPT)
    run("-m", "orchestration", "dbt", "build")
    folders = generate_deltas(incoming, SAMPLE_ORDERS, days=DAYS, seed=SAMPLE_SEED)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn, folders, landing, run
        conn.execute(
            sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(COPY_SCHEMA))
        )


def compared_tables(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Every table dbt builds in staging, intermediate, core and marts, except the snapshots
    (they stamp run times)."""
    return conn.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('staging', 'intermediate', 'core', 'marts') "
        "and table_type = 'BASE TABLE' "
        "and table_name not like '%%snapshot%%' order by 1, 2"
    ).fetchall()


def copy_tables(conn: psycopg.Connection, tables: list[tuple[str, str]]) -> None:
    conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(COPY_SCHEMA)))
    conn.execute(sql.SQL("create schema {}").format(sql.Identifier(COPY_SCHEMA)))
    for schema, name in tables:
        conn.execute(
            sql.SQL("create table {} as select * from {}").format(
                sql.Identifier(COPY_SCHEMA, f"{schema}__{name}"), sql.Identifier(schema, name)
            )
        )


def differences(conn: psycopg.Connection, schema: str, name: str) -> int:
    """Rows in one table and not the other, counting duplicates (symmetric multiset diff)."""
    built, copied = sql.Identifier(schema, name), sql.Identifier(COPY_SCHEMA, f"{schema}__{name}")
    (count,) = conn.execute(
        sql.SQL(
            "select count(*) from ((select * from {a} except all select * from {b}) "
            "union all (select * from {b} except all select * from {a})) as diff"
        ).format(a=built, b=copied)
    ).fetchone()
    return count


def differing_tables(conn: psycopg.Connection, tables: list[tuple[str, str]]) -> dict[str, int]:
    """The tables that differ from their copies (copy_tables), with their differing rows."""
    counts = {f"{schema}.{name}": differences(conn, schema, name) for schema, name in tables}
    return {table: count for table, count in counts.items() if count}


def row_versions(conn: psycopg.Connection) -> dict[str, str]:
    """The physical version (xmin) of every fact_orders row: a merge leaves untouched rows as
    they were, a rebuild rewrites them all."""
    return dict(conn.execute("select order_id, xmin::text from core.fact_orders").fetchall())


def test_incremental_runs_equal_a_full_refresh_after_each_delta(pipeline):
    conn, folders, landing, run = pipeline
    assert len(folders) == DAYS
    tables = compared_tables(conn)
    names = {name for _, name in tables}
    assert set(INCREMENTAL_FACTS) <= names and "dim_customer" in names
    assert {"stg_olist__orders", "int_orders_enriched", "mart_seller_performance"} <= names
    # the SQL dbt ran for the bucket ends (DBT_TARGET_PATH is beside the deltas' folder)
    walked_sql = (
        Path(folders[0]).parent.parent
        / "dbt-target/compiled/olist/models/intermediate/int_rfm_ends_found.sql"
    )
    for day, folder in enumerate(sorted(folders), start=1):
        before = row_versions(conn)
        (watermark,) = conn.execute("select max(last_batch_id) from core.fact_orders").fetchone()
        shutil.move(str(folder), landing / folder.name)
        run("-c", LOAD_SCRIPT)
        run("-m", "orchestration", "dbt", "build" if day == DAYS else "run")

        # the build was incremental: most rows untouched, the orders of the delta rewritten
        after = row_versions(conn)
        touched = {
            order_id
            for (order_id,) in conn.execute(
                "select order_id from core.fact_orders where last_batch_id > %s", (watermark,)
            ).fetchall()
        }
        assert touched, f"{folder.name}: the delta touched no order"
        rewritten = {key for key, version in after.items() if before.get(key) != version}
        assert rewritten == touched, folder.name
        assert len(rewritten) < len(after) / 2, folder.name
        # the RFM bucket ends were walked to from the stored ones, not found from everyone
        assert "stored_ends" in walked_sql.read_text(encoding="utf-8"), folder.name

        # ... and equals a full refresh of everything
        copy_tables(conn, tables)
        run("-m", "orchestration", "dbt", "run", "--full-refresh")
        assert differing_tables(conn, tables) == {}, folder.name
        (rows,) = conn.execute("select count(*) from core.fact_orders").fetchone()
        assert rows == len(after), folder.name


def test_snapshots_record_a_changed_product_and_seller_as_new_versions(pipeline):
    """After the deltas, a correction of one product's category and one seller's city: the
    snapshots close the old version and open a new one for each, and every other product and
    seller keeps exactly one open version (products_snapshot compares only rows of newer
    batches: models/intermediate/int_products_unsnapshotted.sql). The models reached through
    the corrected rows alone (the seller's older deliveries and months, the product's
    category months) then equal a full refresh."""
    conn, _, landing, run = pipeline
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    header, product = (
        (sample / "olist_products_dataset.csv").read_text(encoding="utf-8").splitlines()[:2]
    )
    product_id = product.split(",")[0].strip('"')
    old_category = product.split(",")[1]
    new_category = "telefonia" if old_category != "telefonia" else "automotivo"
    seller_header, seller = (
        (sample / "olist_sellers_dataset.csv").read_text(encoding="utf-8").splitlines()[:2]
    )
    seller_id = seller.split(",")[0].strip('"')
    correction = landing / "2018-10-25"  # after the three deltas
    correction.mkdir()
    (correction / "olist_products_dataset.csv").write_text(
        f"{header}\n{product.replace(f',{old_category},', f',{new_category},', 1)}\n",
        encoding="utf-8",
    )
    (correction / "olist_sellers_dataset.csv").write_text(
        f"{seller_header}\n{seller.rsplit(',', 2)[0]},corrected city,SC\n", encoding="utf-8"
    )
    run("-c", LOAD_SCRIPT)
    run("-m", "orchestration", "dbt", "build")

    versions = conn.execute(
        "select product_category_name, dbt_valid_to is null from core.products_snapshot "
        "where product_id = %s order by dbt_valid_from",
        (product_id,),
    ).fetchall()
    assert versions == [(old_category, False), (new_category, True)]
    cities = conn.execute(
        "select seller_city, dbt_valid_to is null from core.sellers_snapshot "
        "where seller_id = %s order by dbt_valid_from",
        (seller_id,),
    ).fetchall()
    assert [open_ for _, open_ in cities] == [False, True] and cities[-1][0] == "corrected city"
    # the seller's older deliveries were reached through its corrected row alone
    (deliveries,) = conn.execute(
        "select count(*) from core.fact_deliveries as deliveries "
        "inner join staging.stg_olist__sellers as sellers using (seller_id) "
        "where deliveries.seller_id = %s and deliveries.last_batch_id = sellers.batch_id",
        (seller_id,),
    ).fetchone()
    assert deliveries > 0
    for snapshot, staging, key in (
        ("products_snapshot", "stg_olist__products", "product_id"),
        ("sellers_snapshot", "stg_olist__sellers", "seller_id"),
    ):
        (open_versions, keys, staged) = conn.execute(
            sql.SQL(
                "select count(*), count(distinct {key}), (select count(*) from staging.{staging})"
                " from core.{snapshot} where dbt_valid_to is null"
            ).format(
                key=sql.Identifier(key),
                staging=sql.Identifier(staging),
                snapshot=sql.Identifier(snapshot),
            )
        ).fetchone()
        assert open_versions == keys == staged, snapshot

    tables = compared_tables(conn)
    copy_tables(conn, tables)
    run("-m", "orchestration", "dbt", "run", "--full-refresh")
    assert differing_tables(conn, tables) == {}


def test_a_replaced_geolocation_file_replaces_its_points(pipeline):
    """The geolocation points have no key, so staging appends them by batch: a changed copy of
    a loaded file (the loader replaces its batch) must take the old copy's points out of
    staging, not add its own beside them; the points then equal a full rebuild's."""
    conn, _, landing, run = pipeline
    delivered = sorted(landing.glob("*/olist_geolocation_dataset.csv"))[-1]
    header, *points = delivered.read_text(encoding="utf-8").splitlines()
    assert len(points) >= 2, delivered
    (before,) = conn.execute(
        "select count(*) from staging.stg_olist__geolocation where batch_id = "
        "(select max(batch_id) from ops.loads where source_table = 'olist_geolocation' "
        "and status = 'loaded' and source_file like %s)",
        (f"%{delivered.parent.name}/{delivered.name}",),
    ).fetchone()
    assert before >= 1
    delivered.write_text("\n".join([header, *points[:-1]]) + "\n", encoding="utf-8")
    run("-c", LOAD_SCRIPT)
    run("-m", "orchestration", "dbt", "run", "-s", "stg_olist__geolocation", "dim_geolocation")

    (staged, raw, orphans) = conn.execute(
        "select (select count(*) from staging.stg_olist__geolocation), "
        "(select count(*) from raw.olist_geolocation), "
        "(select count(*) from staging.stg_olist__geolocation as staged where not exists "
        "(select 1 from raw.olist_geolocation as loaded where loaded._batch_id = staged.batch_id))"
    ).fetchone()
    assert orphans == 0 and staged == raw
    tables = [("staging", "stg_olist__geolocation")]
    copy_tables(conn, tables)
    run("-m", "orchestration", "dbt", "run", "--full-refresh", "-s", "stg_olist__geolocation")
    assert differences(conn, "staging", "stg_olist__geolocation") == 0


def test_a_crash_that_empties_the_unlogged_layers_is_rebuilt_by_the_next_run(pipeline):
    """staging and intermediate are unlogged tables (dbt_project.yml): a server crash leaves
    them empty (crash recovery resets them; raw, core and marts are logged and kept). The next
    incremental build reads every raw batch into them again and leaves every table as it was.
    The crash is simulated in this database alone by emptying them, which is the state crash
    recovery leaves: stopping the shared test server would empty every test database's."""
    conn, _, _, run = pipeline
    relations = conn.execute(
        "select n.nspname, c.relname, c.relpersistence from pg_class as c "
        "join pg_namespace as n on n.oid = c.relnamespace where c.relkind = 'r' "
        "and n.nspname in ('raw', 'staging', 'intermediate', 'core', 'marts')"
    ).fetchall()
    working = [(schema, name) for schema, name, _ in relations if schema in UNLOGGED_SCHEMAS]
    assert working
    assert {kind for schema, _, kind in relations if schema in UNLOGGED_SCHEMAS} == {"u"}
    assert {kind for schema, _, kind in relations if schema not in UNLOGGED_SCHEMAS} == {"p"}

    (orders, people) = conn.execute(
        "select (select count(*) from staging.stg_olist__orders), "
        "(select count(*) from intermediate.int_customer_orders_summarised)"
    ).fetchone()
    assert orders > 0 and people > 0
    tables = compared_tables(conn)
    copy_tables(conn, tables)
    conn.execute(
        sql.SQL("truncate {}").format(
            sql.SQL(", ").join(sql.Identifier(schema, name) for schema, name in working)
        )
    )
    run("-m", "orchestration", "dbt", "build")
    assert differing_tables(conn, tables) == {}
