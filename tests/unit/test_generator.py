"""The synthetic generator reproduces the real Olist files' bytes, quirks and distributions.

The loader is tested against real files, so the generator must match them byte for byte where
it matters (headers, quoting, BOM, line ends); the marts need every customer segment, so the
segments are recomputed here from the files with the business rules.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from orchestration import generate as cli
from orchestration.generator import (
    DELTA_FILE_NAMES,
    FILE_NAMES,
    generate,
    generate_deltas,
    generate_with_deltas,
)

ORDERS = 2000
SEED = 42
DELTA_DAYS = 3

EXPECTED_HEADERS = {
    "olist_orders_dataset.csv": "order_id,customer_id,order_status,order_purchase_timestamp,"
    "order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,"
    "order_estimated_delivery_date",
    "olist_order_items_dataset.csv": "order_id,order_item_id,product_id,seller_id,"
    "shipping_limit_date,price,freight_value",
    "olist_order_payments_dataset.csv": "order_id,payment_sequential,payment_type,"
    "payment_installments,payment_value",
    "olist_order_reviews_dataset.csv": "review_id,order_id,review_score,review_comment_title,"
    "review_comment_message,review_creation_date,review_answer_timestamp",
    "olist_customers_dataset.csv": "customer_id,customer_unique_id,customer_zip_code_prefix,"
    "customer_city,customer_state",
    "olist_products_dataset.csv": "product_id,product_category_name,product_name_lenght,"
    "product_description_lenght,product_photos_qty,product_weight_g,product_length_cm,"
    "product_height_cm,product_width_cm",
    "olist_sellers_dataset.csv": "seller_id,seller_zip_code_prefix,seller_city,seller_state",
    "olist_geolocation_dataset.csv": "geolocation_zip_code_prefix,geolocation_lat,"
    "geolocation_lng,geolocation_city,geolocation_state",
    "product_category_name_translation.csv": "product_category_name,product_category_name_english",
}
TRANSLATION = "product_category_name_translation.csv"
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], list[Path]]:
    """One base of 2,000 orders with three deltas under it (the loader's landing layout)."""
    out = tmp_path_factory.mktemp("base")
    counts, folders = generate_with_deltas(out, ORDERS, SEED, out, DELTA_DAYS)
    return out, counts, folders


@pytest.fixture(scope="module")
def out(base: tuple[Path, dict[str, int], list[Path]]) -> Path:
    return base[0]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, strict=True))


@pytest.fixture(scope="module")
def tables(out: Path) -> dict[str, list[dict[str, str]]]:
    return {name: read_rows(out / name) for name in FILE_NAMES}


# --- bytes -------------------------------------------------------------------------------------


def test_writes_the_nine_files_with_the_reported_row_counts(base, tables):
    out, counts, _ = base
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(EXPECTED_HEADERS)
    assert counts == {name: len(rows) for name, rows in tables.items()}
    assert counts[TRANSLATION] == 71


@pytest.mark.parametrize("name", [n for n in EXPECTED_HEADERS if n != TRANSLATION])
def test_header_is_exact_and_fully_quoted(out: Path, name: str):
    first_line = (out / name).read_bytes().split(b"\n", 1)[0].decode("utf-8")
    expected = ",".join(f'"{column}"' for column in EXPECTED_HEADERS[name].split(","))
    assert first_line == expected


@pytest.mark.parametrize("name", [n for n in EXPECTED_HEADERS if n != TRANSLATION])
def test_data_files_use_lf_and_end_with_a_newline(out: Path, name: str):
    data = (out / name).read_bytes()
    assert data.endswith(b"\n")
    assert b"\r" not in data
    assert not data.startswith(b"\xef\xbb\xbf")


def test_translation_file_has_bom_crlf_unquoted_header_and_no_final_newline(out: Path):
    data = (out / TRANSLATION).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + EXPECTED_HEADERS[TRANSLATION].encode() + b"\r\n")
    assert not data.endswith(b"\n")
    lines = data.split(b"\r\n")
    assert len(lines) == 72
    assert all(b"\n" not in line and b'"' not in line for line in lines)
    assert b"beleza_saude,health_beauty" in lines
    assert b"cama_mesa_banho,bed_bath_table" in lines


def test_every_file_parses_with_the_csv_module_into_full_rows(out: Path):
    for name in FILE_NAMES:
        with (out / name).open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, strict=True))
        assert rows[0] == EXPECTED_HEADERS[name].split(","), name
        assert all(len(row) == len(rows[0]) for row in rows), name


def test_ids_are_quoted_exactly_when_they_start_with_a_digit(out: Path):
    quoted = unquoted = 0
    lines = (out / "olist_orders_dataset.csv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        for field in line.split(",")[:2]:
            if field.startswith('"'):
                assert re.fullmatch(r'"[0-9][0-9a-f]{31}"', field), field
                quoted += 1
            else:
                assert re.fullmatch(r"[a-f][0-9a-f]{31}", field), field
                unquoted += 1
    assert quoted and unquoted


def test_numbers_and_timestamps_are_unquoted_with_two_decimals(out: Path):
    lines = (out / "olist_order_items_dataset.csv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        fields = line.split(",")
        assert re.fullmatch(r"\d+", fields[1])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fields[4])
        assert re.fullmatch(r"\d+\.\d\d", fields[5]) and re.fullmatch(r"\d+\.\d\d", fields[6])


def test_estimated_delivery_and_review_creation_dates_are_at_midnight(tables):
    assert all(
        r["order_estimated_delivery_date"].endswith(" 00:00:00")
        for r in tables["olist_orders_dataset.csv"]
    )
    assert all(
        r["review_creation_date"].endswith(" 00:00:00")
        for r in tables["olist_order_reviews_dataset.csv"]
    )


def test_zip_prefixes_keep_leading_zeros_and_are_quoted(out: Path, tables):
    for name, column in (
        ("olist_customers_dataset.csv", "customer_zip_code_prefix"),
        ("olist_sellers_dataset.csv", "seller_zip_code_prefix"),
        ("olist_geolocation_dataset.csv", "geolocation_zip_code_prefix"),
    ):
        values = [row[column] for row in tables[name]]
        assert all(re.fullmatch(r"\d{5}", value) for value in values), name
        assert any(value.startswith("0") for value in values), name
    raw = (out / "olist_customers_dataset.csv").read_text(encoding="utf-8")
    assert re.search(r',"0\d{4}",', raw)


def test_missing_values_are_empty_unquoted_fields(out: Path, tables):
    raw = (out / "olist_products_dataset.csv").read_text(encoding="utf-8")
    assert '""' not in raw
    products = tables["olist_products_dataset.csv"]
    assert any(row["product_category_name"] == "" for row in products)
    assert any(row["product_weight_g"] == "" for row in products)


def test_same_seed_and_scale_give_byte_identical_files(tmp_path: Path, out: Path):
    again = tmp_path / "again"
    generate(again, ORDERS, SEED)
    for name in FILE_NAMES:
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    other = tmp_path / "other"
    generate(other, ORDERS, SEED + 1)
    orders = "olist_orders_dataset.csv"
    assert (other / orders).read_bytes() != (out / orders).read_bytes()


def test_output_does_not_depend_on_the_process_hash_seed(tmp_path: Path):
    digests = []
    for hash_seed in ("1", "2"):
        target = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-m", "orchestration.generate", "--orders", "300", "--seed", "7",
             "--out", str(target)],
            check=True, env=env, capture_output=True, cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
        digests.append([(target / name).read_bytes() for name in FILE_NAMES])
    assert digests[0] == digests[1]


# --- content -----------------------------------------------------------------------------------


def test_review_text_has_multiline_quotes_commas_and_some_pii(tables):
    messages = [r["review_comment_message"] for r in tables["olist_order_reviews_dataset.csv"]]
    assert any("\n" in m for m in messages)
    assert any('"' in m for m in messages)
    assert any("," in m for m in messages)
    assert any(re.search(r"[\w.]+@[\w.]+", m) for m in messages)
    assert any(re.search(r"\(\d\d\) 9?\d{4}-\d{4}", m) for m in messages)
    filled = sum(1 for m in messages if m) / len(messages)
    assert 0.3 < filled < 0.5


def test_review_ids_repeat_across_orders_and_some_orders_have_two_reviews(tables):
    orders_per_review: dict[str, set[str]] = defaultdict(set)
    reviews_per_order: dict[str, int] = defaultdict(int)
    for row in tables["olist_order_reviews_dataset.csv"]:
        orders_per_review[row["review_id"]].add(row["order_id"])
        reviews_per_order[row["order_id"]] += 1
        assert 1 <= int(row["review_score"]) <= 5
        assert row["review_answer_timestamp"] > row["review_creation_date"]
    assert any(len(orders) > 1 for orders in orders_per_review.values())
    assert any(count > 1 for count in reviews_per_order.values())


def test_some_orders_have_no_items_mostly_unavailable_or_canceled(tables):
    with_items = {r["order_id"] for r in tables["olist_order_items_dataset.csv"]}
    orders = tables["olist_orders_dataset.csv"]
    without = [r for r in orders if r["order_id"] not in with_items]
    assert 0.002 < len(without) / len(orders) < 0.02
    unsold = sum(r["order_status"] in ("unavailable", "canceled") for r in without)
    assert unsold / len(without) > 0.8


def test_payments_split_use_vouchers_and_reconcile_with_items(tables):
    payments = tables["olist_order_payments_dataset.csv"]
    sequentials: dict[str, list[int]] = defaultdict(list)
    paid: dict[str, float] = defaultdict(float)
    for row in payments:
        sequentials[row["order_id"]].append(int(row["payment_sequential"]))
        paid[row["order_id"]] += float(row["payment_value"])
    assert all(sorted(s) == list(range(1, len(s) + 1)) for s in sequentials.values())
    assert sum(len(s) > 1 for s in sequentials.values()) >= 20
    types = {row["payment_type"] for row in payments}
    assert {"credit_card", "boleto", "voucher", "debit_card", "not_defined"} <= types
    assert any(row["payment_installments"] == "0" for row in payments)
    assert any(row["payment_value"] == "0.00" for row in payments)
    value: dict[str, float] = defaultdict(float)
    for row in tables["olist_order_items_dataset.csv"]:
        value[row["order_id"]] += float(row["price"]) + float(row["freight_value"])
    matching = sum(abs(value[o] - paid[o]) <= 0.011 for o in value)
    assert matching / len(value) >= 0.99


def test_order_statuses_and_timestamps_are_realistic(tables):
    orders = tables["olist_orders_dataset.csv"]
    delivered = [r for r in orders if r["order_status"] == "delivered"]
    assert 0.95 < len(delivered) / len(orders) < 0.99
    on_time = 0
    for row in delivered:
        steps = [row[c] for c in ("order_purchase_timestamp", "order_approved_at",
                                  "order_delivered_carrier_date",
                                  "order_delivered_customer_date")]  # fmt: skip
        assert all(steps) and steps == sorted(steps), row
        on_time += row["order_delivered_customer_date"][:10] <= row[
            "order_estimated_delivery_date"][:10]  # fmt: skip
    assert 0.88 < on_time / len(delivered) < 0.96
    for row in orders:
        if row["order_status"] != "delivered":
            assert row["order_delivered_customer_date"] == ""
    purchases = [r["order_purchase_timestamp"] for r in orders]
    assert min(purchases).startswith("2016-09-04") and max(purchases).startswith("2018-10-17")
    assert purchases != sorted(purchases)
    november = sum(p.startswith("2017-11") for p in purchases)
    october = sum(p.startswith("2017-10") for p in purchases)
    assert november > 1.2 * october  # about 2x at scale; 2,000 orders are noisy


def test_referential_integrity(tables):
    orders = {r["order_id"]: r for r in tables["olist_orders_dataset.csv"]}
    customers = {r["customer_id"]: r for r in tables["olist_customers_dataset.csv"]}
    products = {r["product_id"] for r in tables["olist_products_dataset.csv"]}
    sellers = {r["seller_id"] for r in tables["olist_sellers_dataset.csv"]}
    geo = {r["geolocation_zip_code_prefix"] for r in tables["olist_geolocation_dataset.csv"]}
    assert len(orders) == ORDERS and len(customers) == ORDERS
    assert {r["customer_id"] for r in orders.values()} == set(customers)
    for row in tables["olist_order_items_dataset.csv"]:
        assert row["order_id"] in orders and row["product_id"] in products
        assert row["seller_id"] in sellers
    for name in ("olist_order_payments_dataset.csv", "olist_order_reviews_dataset.csv"):
        assert all(row["order_id"] in orders for row in tables[name]), name
    assert all(r["customer_zip_code_prefix"] in geo for r in customers.values())
    assert all(r["seller_zip_code_prefix"] in geo for r in tables["olist_sellers_dataset.csv"])
    all_ids = [*orders, *customers, *products, *sellers]
    assert all(HEX_ID.match(i) for i in all_ids) and len(set(all_ids)) == len(all_ids)


def test_two_categories_used_by_products_have_no_translation(tables):
    translated = {r["product_category_name"] for r in tables[TRANSLATION]}
    used = {r["product_category_name"] for r in tables["olist_products_dataset.csv"]} - {""}
    assert used - translated == {"pc_gamer", "portateis_cozinha_e_preparadores_de_alimentos"}


def test_customers_are_brazilian_and_weighted_to_the_southeast(tables):
    customers = tables["olist_customers_dataset.csv"]
    states = [r["customer_state"] for r in customers]
    assert 0.36 < states.count("SP") / len(states) < 0.48
    assert len(set(states)) >= 20
    assert any(r["customer_city"] == "são paulo" for r in customers)
    unique = {r["customer_unique_id"] for r in customers}
    assert 0.9 * len(customers) < len(unique) < len(customers)


def test_geolocation_has_duplicates_and_outliers(tables):
    rows = tables["olist_geolocation_dataset.csv"]
    keys = [tuple(r.values()) for r in rows]
    duplicate_share = 1 - len(set(keys)) / len(keys)
    assert 0.15 < duplicate_share < 0.35
    outside = [
        r for r in rows
        if not (-33.75 <= float(r["geolocation_lat"]) <= 5.27
                and -73.99 <= float(r["geolocation_lng"]) <= -34.79)
    ]  # fmt: skip
    assert 0 < len(outside) < 0.01 * len(rows)


def segments(tables: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """Segment per customer_unique_id, computed as BUSINESS_RULES.md defines it."""
    unique_of = {
        r["customer_id"]: r["customer_unique_id"] for r in tables["olist_customers_dataset.csv"]
    }
    value: dict[str, float] = defaultdict(float)
    for row in tables["olist_order_items_dataset.csv"]:
        value[row["order_id"]] += float(row["price"]) + float(row["freight_value"])
    history: dict[str, list[tuple[date, bool, float]]] = defaultdict(list)
    for row in tables["olist_orders_dataset.csv"]:
        day = datetime.fromisoformat(row["order_purchase_timestamp"]).date()
        counted = row["order_status"] not in ("canceled", "unavailable")
        history[unique_of[row["customer_id"]]].append((day, counted, value[row["order_id"]]))
    as_of = max(day for orders in history.values() for day, _, _ in orders)
    result = {}
    for customer, orders in history.items():
        counted = [o for o in orders if o[1]]
        spend = sum(o[2] for o in counted)
        days = [o[0] for o in (counted or orders)]
        if (as_of - max(days)).days > 365:
            result[customer] = "CHURNED"
        elif len(counted) >= 6 and spend >= 1200:
            result[customer] = "VIP"
        elif len(counted) >= 4:
            result[customer] = "LOYAL"
        elif len(counted) >= 2:
            result[customer] = "REGULAR"
        elif (as_of - min(days)).days <= 90:
            result[customer] = "NEW"
        else:
            result[customer] = "ONE_TIME"
    return result


def test_every_customer_segment_occurs(tables):
    found = defaultdict(int)
    for segment in segments(tables).values():
        found[segment] += 1
    assert set(found) == {"VIP", "LOYAL", "REGULAR", "NEW", "CHURNED", "ONE_TIME"}
    assert found["ONE_TIME"] + found["CHURNED"] + found["NEW"] > 0.9 * sum(found.values())


# --- deltas ------------------------------------------------------------------------------------


def test_deltas_are_dated_folders_after_the_last_purchase(base):
    out, _, folders = base
    assert [f.name for f in folders] == ["2018-10-18", "2018-10-19", "2018-10-20"]
    for folder in folders:
        assert folder.parent == out
        assert sorted(p.name for p in folder.glob("*.csv")) == sorted(DELTA_FILE_NAMES)
        for name in DELTA_FILE_NAMES:
            with (folder / name).open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle, strict=True))
            assert rows[0] == EXPECTED_HEADERS[name].split(","), (folder.name, name)


def test_deltas_change_the_status_of_open_base_orders(base, tables):
    _, _, folders = base
    base_status = {r["order_id"]: r["order_status"] for r in tables["olist_orders_dataset.csv"]}
    changes = []
    for folder in folders:
        for row in read_rows(folder / "olist_orders_dataset.csv"):
            if row["order_id"] in base_status:
                changes.append((base_status[row["order_id"]], row))
    assert changes
    assert any(
        before != "delivered" and row["order_status"] == "delivered" for before, row in changes
    )
    assert all(before in ("shipped", "invoiced", "processing", "created", "approved")
               for before, _ in changes)  # fmt: skip
    first_day = read_rows(folders[0] / "olist_orders_dataset.csv")
    assert any(row["order_id"] in base_status for row in first_day)
    for _, row in changes:
        if row["order_status"] == "delivered":
            assert row["order_delivered_customer_date"] >= row["order_delivered_carrier_date"]


def test_deltas_add_customers_orders_and_items_that_reference_known_ids(base, tables):
    _, _, folders = base
    orders = {r["order_id"] for r in tables["olist_orders_dataset.csv"]}
    customers = {r["customer_id"] for r in tables["olist_customers_dataset.csv"]}
    products = {r["product_id"] for r in tables["olist_products_dataset.csv"]}
    sellers = {r["seller_id"] for r in tables["olist_sellers_dataset.csv"]}
    new_orders = 0
    for folder in folders:
        delta = {name: read_rows(folder / name) for name in DELTA_FILE_NAMES}
        products |= {r["product_id"] for r in delta["olist_products_dataset.csv"]}
        sellers |= {r["seller_id"] for r in delta["olist_sellers_dataset.csv"]}
        new_customers = {r["customer_id"] for r in delta["olist_customers_dataset.csv"]}
        assert new_customers and not new_customers & customers
        customers |= new_customers
        for row in delta["olist_orders_dataset.csv"]:
            assert row["customer_id"] in customers
            assert row["order_purchase_timestamp"][:10] <= folder.name
            if row["order_id"] not in orders:
                new_orders += 1
                assert row["order_purchase_timestamp"].startswith(folder.name)
        orders |= {r["order_id"] for r in delta["olist_orders_dataset.csv"]}
        for row in delta["olist_order_items_dataset.csv"]:
            assert row["order_id"] in orders
            assert row["product_id"] in products and row["seller_id"] in sellers
        for name in ("olist_order_payments_dataset.csv", "olist_order_reviews_dataset.csv"):
            assert all(row["order_id"] in orders for row in delta[name])
    assert new_orders >= DELTA_DAYS * ORDERS * 0.01


def test_deltas_alone_match_the_deltas_written_with_the_base(tmp_path: Path, base):
    _, _, folders = base
    written = generate_deltas(tmp_path, ORDERS, DELTA_DAYS - 1, SEED)
    assert [f.name for f in written] == [f.name for f in folders[:-1]]
    for mine, theirs in zip(written, folders, strict=False):
        for name in DELTA_FILE_NAMES:
            assert (mine / name).read_bytes() == (theirs / name).read_bytes(), (mine, name)


# --- command line ------------------------------------------------------------------------------


def test_cli_writes_files_and_reports_progress_on_stderr(tmp_path: Path, capsys):
    assert cli.main(["--orders", "60", "--seed", "3", "--out", str(tmp_path / "x")]) == 0
    assert sorted(p.name for p in (tmp_path / "x").glob("*.csv")) == sorted(FILE_NAMES)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "olist_orders_dataset.csv: 60 rows" in captured.err


def test_cli_rejects_a_missing_output_folder(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--orders", "10"])
    assert "--out is required" in capsys.readouterr().err
