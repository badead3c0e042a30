"""Header checks speak to the person who must fix the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.contracts import CONTRACTS, CONTRACTS_BY_TABLE
from orchestration.loader import ContractError, check_header, read_header

ORDERS = CONTRACTS_BY_TABLE["olist_orders"]


def write(tmp_path: Path, text: str, name: str = "olist_orders_dataset.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def quoted(names) -> str:
    return ",".join(f'"{name}"' for name in names)


def test_every_contract_has_unique_columns_and_a_known_key():
    for contract in CONTRACTS:
        assert len(set(contract.column_names)) == len(contract.column_names)
        assert set(contract.primary_key) <= set(contract.column_names)


def test_quoted_header_and_bom_crlf_header_are_read(tmp_path):
    path = write(tmp_path, quoted(ORDERS.column_names) + "\n")
    assert read_header(path) == list(ORDERS.column_names)
    translation = CONTRACTS_BY_TABLE["product_category_name_translation"]
    path = write(
        tmp_path,
        "\ufeff" + ",".join(translation.column_names) + "\r\nbeleza,beauty",
        "product_category_name_translation.csv",
    )
    check_header(translation, path, read_header(path))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (ORDERS.column_names[:-1], "missing column(s) order_estimated_delivery_date"),
        ((*ORDERS.column_names, "coupon"), "unexpected column(s) coupon"),
        (
            ("order_id", "client_id", *ORDERS.column_names[2:]),
            "missing column(s) customer_id; unexpected column(s) client_id",
        ),
        (
            (ORDERS.column_names[1], ORDERS.column_names[0], *ORDERS.column_names[2:]),
            "columns out of order",
        ),
    ],
)
def test_header_mismatch_names_file_and_columns(tmp_path, header, message):
    path = write(tmp_path, quoted(header) + "\n")
    with pytest.raises(ContractError) as error:
        check_header(ORDERS, path, read_header(path))
    assert str(path) in str(error.value)
    assert message in str(error.value)
    assert "Expected: order_id, customer_id" in str(error.value)


def test_semicolon_file_is_called_out(tmp_path):
    path = write(tmp_path, ";".join(ORDERS.column_names) + "\n")
    with pytest.raises(ContractError, match="does not seem to be comma-separated"):
        check_header(ORDERS, path, read_header(path))


def test_empty_file_is_called_out(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(ContractError, match="the file is empty"):
        read_header(path)
