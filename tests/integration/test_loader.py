"""The loader against a real PostgreSQL: accounting, quarantine, idempotency, clear errors.

Each test loads into a table of its own (the loader is generic over contracts), so the sample
tables of the pipeline tests stay untouched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
from pathlib import Path

import pytest
from psycopg import sql

from orchestration.contracts import CONTRACTS_BY_TABLE
from orchestration.loader import ContractError, load_source

pytestmark = pytest.mark.integration

ORDERS = CONTRACTS_BY_TABLE["olist_orders"]
HEADER = ",".join(f'"{name}"' for name in ORDERS.column_names)
GOOD = [
    '"0a1b",c1,delivered,2017-10-02 10:56:33,2017-10-02 11:07:15,2017-10-04 19:55:00,'
    "2017-10-10 21:25:13,2017-10-18 00:00:00",
    "b81e,c2,shipped,2018-07-24 20:41:37,2018-07-26 03:24:27,,,2018-08-13 00:00:00",
    "c3d4,c3,canceled,2018-08-08 08:38:49,,,,2018-09-04 00:00:00",
]
_counter = itertools.count()


@pytest.fixture
def contract():
    return dataclasses.replace(ORDERS, table=f"test_orders_{next(_counter)}")


def write(tmp_path: Path, lines: list[str], name: str = "olist_orders_dataset.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def load(settings, contract, path):
    return load_source(contract, settings, settings.role_url("loader"), files=[path])


def count(admin, table: str) -> int:
    return admin.execute(
        sql.SQL("select count(*) from {}").format(sql.Identifier("raw", table))
    ).fetchone()[0]


def test_good_file_loads_every_row_with_lineage(empty_warehouse, admin, contract, tmp_path):
    (result,) = load(empty_warehouse, contract, write(tmp_path, GOOD))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 3, 0)
    rows = admin.execute(
        sql.SQL("select order_id, _row_number, _batch_id from {} order by _row_number").format(
            sql.Identifier("raw", contract.table)
        )
    ).fetchall()
    assert rows == [
        ("0a1b", 1, result.batch_id),
        ("b81e", 2, result.batch_id),
        ("c3d4", 3, result.batch_id),
    ]


def test_bad_values_are_quarantined_with_line_and_reason(
    empty_warehouse, admin, contract, tmp_path
):
    bad = [
        GOOD[0],
        "d5e6,c4,delivered,2017-13-02 10:56:33,,,,2017-10-18 00:00:00",
        "e7f8,c5,lost,2017-10-02 10:56:33,,,,2017-10-18 00:00:00",
        GOOD[1],
    ]
    (result,) = load(empty_warehouse, contract, write(tmp_path, bad))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    rejected = admin.execute(
        sql.SQL("select _line_number, column_name, reason from {} order by _line_number").format(
            sql.Identifier("raw", contract.rejected_table)
        )
    ).fetchall()
    assert rejected[0][:2] == (3, "order_purchase_timestamp")
    assert "expected a timestamp YYYY-MM-DD HH:MM:SS, got '2017-13-02 10:56:33'" in rejected[0][2]
    assert rejected[1][:2] == (4, "order_status")
    assert "got 'lost'" in rejected[1][2]
    ledger = admin.execute(
        "select rows_read, rows_loaded, rows_rejected from ops.loads where batch_id = %s",
        (result.batch_id,),
    ).fetchone()
    assert ledger == (4, 2, 2)


def test_same_file_twice_loads_once(empty_warehouse, admin, contract, tmp_path):
    path = write(tmp_path, GOOD)
    first, second = load(empty_warehouse, contract, path), load(empty_warehouse, contract, path)
    assert [r.status for r in first + second] == ["loaded", "skipped"]
    assert count(admin, contract.table) == 3


def test_changed_file_replaces_its_own_batch(empty_warehouse, admin, contract, tmp_path):
    path = write(tmp_path, GOOD)
    (first,) = load(empty_warehouse, contract, path)
    write(tmp_path, GOOD[:2])
    (second,) = load(empty_warehouse, contract, path)
    assert second.batch_id != first.batch_id
    assert count(admin, contract.table) == 2
    statuses = admin.execute(
        "select status from ops.loads where batch_id = any(%s) order by batch_id",
        ([first.batch_id, second.batch_id],),
    ).fetchall()
    assert statuses == [("replaced",), ("loaded",)]


def test_wrong_header_stops_the_file_and_names_it(empty_warehouse, admin, contract, tmp_path):
    path = tmp_path / "olist_orders_dataset.csv"
    path.write_text('"order_id","client_id"\n1,2\n', encoding="utf-8")
    with pytest.raises(ContractError) as error:
        load(empty_warehouse, contract, path)
    message = str(error.value)
    assert str(path) in message
    assert "missing column(s) customer_id, order_status" in message
    assert "unexpected column(s) client_id" in message
    (status, logged) = admin.execute(
        "select status, error from ops.loads where source_table = %s", (contract.table,)
    ).fetchone()
    assert status == "failed" and "client_id" in logged
    assert count(admin, contract.table) == 0


# --- hostile files: each asserts the exact accounting; nothing is ever lost -----------------

HOSTILE = {
    "wrong field count in one row": (
        [GOOD[0], "d5e6,c4,delivered,2017-10-02 10:56:33", GOOD[1]],
        {3: "expected 8 fields, found 4"},
    ),
    "extra field in one row": (
        [GOOD[0] + ",surplus", GOOD[1]],
        {2: "expected 8 fields, found 9"},
    ),
    "unterminated quote": (
        [GOOD[0], GOOD[1], 'e7f8,"c5,delivered,2017-10-02 10:56:33,,,,2017-10-18 00:00:00'],
        {4: "unterminated quoted field"},
    ),
    # the server's COPY stops at it; the careful path keeps the quote as a literal character
    "stray quote inside an unquoted field": (
        [GOOD[0], 'e7f8,c"5,delivered,2017-10-02 10:56:33,,,,2017-10-18 00:00:00', GOOD[1]],
        {},
    ),
    "file truncated mid-row": (
        [GOOD[0], GOOD[1], "f9a0,c6,deliv"],
        {4: "expected 8 fields, found 3"},
    ),
    "bad date": (
        [GOOD[0], "d5e6,c4,delivered,2017-02-30 10:56:33,,,,2017-10-18 00:00:00"],
        {3: "order_purchase_timestamp: expected a timestamp"},
    ),
    "date in another format": (
        [GOOD[0], "d5e6,c4,delivered,02/10/2017 10:56,,,,2017-10-18 00:00:00"],
        {3: "order_purchase_timestamp: expected a timestamp"},
    ),
    "missing key": (
        [GOOD[0], ",c4,delivered,2017-10-02 10:56:33,,,,2017-10-18 00:00:00"],
        {3: "order_id: expected a value"},
    ),
    "unknown status": (
        [GOOD[0], "d5e6,c4,teleported,2017-10-02 10:56:33,,,,2017-10-18 00:00:00"],
        {3: "order_status: expected one of"},
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_rows_are_quarantined_and_counted(empty_warehouse, admin, contract, tmp_path, case):
    lines, expected_rejects = HOSTILE[case]
    (result,) = load(empty_warehouse, contract, write(tmp_path, lines))
    rejected = admin.execute(
        sql.SQL("select _line_number, reason, raw_record from {} order by _line_number").format(
            sql.Identifier("raw", contract.rejected_table)
        )
    ).fetchall()
    assert {line: reason for line, reason, _ in rejected}.keys() == expected_rejects.keys()
    for line, reason, raw in rejected:
        assert expected_rejects[line] in reason
        assert raw
    assert result.rows_rejected == len(expected_rejects)
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert count(admin, contract.table) == result.rows_loaded


def write_bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "olist_orders_dataset.csv"
    path.write_bytes(HEADER.encode() + b"\n" + data)
    return path


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"d5e6,c4,delivered,2017-10-02 10:56:33,,,,2017-10-18 00:00:00,\xff\xfe\n",
            "expected 8 fields, found 9",
        ),
        (
            b"d5e6,c\xe34,delivered,2017-10-02 10:56:33,,,,2017-10-18 00:00:00\n",
            "customer_id: invalid UTF-8 bytes",
        ),
        (
            b"d5e6,c\x004,delivered,2017-10-02 10:56:33,,,,2017-10-18 00:00:00\n",
            "customer_id: NUL byte",
        ),
    ],
    ids=["invalid bytes in extra field", "invalid UTF-8", "NUL byte"],
)
def test_undecodable_bytes_are_quarantined(
    empty_warehouse, admin, contract, tmp_path, data, reason
):
    path = write_bytes(tmp_path, (GOOD[0] + "\n").encode() + data + (GOOD[1] + "\n").encode())
    (result,) = load(empty_warehouse, contract, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    (line, logged) = admin.execute(
        sql.SQL("select _line_number, reason from {}").format(
            sql.Identifier("raw", contract.rejected_table)
        )
    ).fetchone()
    assert line == 3 and reason in logged


def test_header_only_file_loads_nothing_and_says_so(empty_warehouse, contract, tmp_path):
    (result,) = load(empty_warehouse, contract, write(tmp_path, []))
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 0, 0)


def test_empty_file_stops_with_a_clear_error(empty_warehouse, contract, tmp_path):
    path = tmp_path / "olist_orders_dataset.csv"
    path.write_bytes(b"")
    with pytest.raises(ContractError, match="the file is empty; expected a header line"):
        load(empty_warehouse, contract, path)


def test_wrong_delimiter_stops_with_a_clear_error(empty_warehouse, contract, tmp_path):
    path = tmp_path / "olist_orders_dataset.csv"
    path.write_text(";".join(ORDERS.column_names) + "\n" + GOOD[0].replace(",", ";") + "\n")
    with pytest.raises(ContractError, match="does not seem to be comma-separated"):
        load(empty_warehouse, contract, path)


def test_duplicate_keys_in_one_file_are_all_kept(empty_warehouse, admin, contract, tmp_path):
    newer = GOOD[0].replace("delivered", "shipped")
    (result,) = load(empty_warehouse, contract, write(tmp_path, [GOOD[0], newer]))
    assert (result.rows_read, result.rows_loaded) == (2, 2)  # raw is lossless; staging dedupes
    assert count(admin, contract.table) == 2


def test_multiline_quoted_text_keeps_line_numbers(empty_warehouse, admin, tmp_path):
    reviews = dataclasses.replace(
        CONTRACTS_BY_TABLE["olist_order_reviews"], table=f"test_reviews_{next(_counter)}"
    )
    header = ",".join(f'"{c}"' for c in reviews.column_names)
    body = (
        'r1,o1,5,,"Ótimo, chegou ""rápido""\nrecomendo",2018-01-01 00:00:00,2018-01-02 10:00:00\n'
        "r2,o2,five,,ok,2018-01-01 00:00:00,2018-01-02 10:00:00\n"
    )
    path = tmp_path / reviews.file_name
    path.write_text(header + "\n" + body, encoding="utf-8")
    (result,) = load(empty_warehouse, reviews, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    (line,) = admin.execute(
        sql.SQL("select _line_number from {}").format(sql.Identifier("raw", reviews.rejected_table))
    ).fetchone()
    assert line == 4  # the first record spans lines 2 and 3
    (message,) = admin.execute(
        sql.SQL("select review_comment_message from {}").format(
            sql.Identifier("raw", reviews.table)
        )
    ).fetchone()
    assert message == 'Ótimo, chegou "rápido"\nrecomendo'


def test_bad_numbers_are_quarantined(empty_warehouse, admin, tmp_path):
    items = dataclasses.replace(
        CONTRACTS_BY_TABLE["olist_order_items"], table=f"test_items_{next(_counter)}"
    )
    header = ",".join(f'"{c}"' for c in items.column_names)
    body = (
        "o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72\n"
        'o2,1,p1,s1,2017-10-06 11:07:15,"29,99",8.72\n'  # decimal comma
        "o3,1,p1,s1,2017-10-06 11:07:15,NaN,8.72\n"
        "o4,one,p1,s1,2017-10-06 11:07:15,29.99,8.72\n"
    )
    path = tmp_path / items.file_name
    path.write_text(header + "\n" + body, encoding="utf-8")
    (result,) = load(empty_warehouse, items, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 1, 3)
    reasons = admin.execute(
        sql.SQL("select _line_number, reason from {} order by _line_number").format(
            sql.Identifier("raw", items.rejected_table)
        )
    ).fetchall()
    assert [line for line, _ in reasons] == [3, 4, 5]
    assert "price: expected a decimal number with a dot, got '29,99'" in reasons[0][1]
    assert "price: expected a decimal number" in reasons[1][1]
    assert "order_item_id: expected an integer, got 'one'" in reasons[2][1]


def test_touched_or_copied_file_with_same_content_is_not_loaded_again(
    empty_warehouse, admin, contract, tmp_path
):
    path = write(tmp_path, GOOD)
    (first,) = load(empty_warehouse, contract, path)
    os.utime(path, ns=(1, 1))  # new modification time: hashed again, same content
    (touched,) = load(empty_warehouse, contract, path)
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    (copied,) = load(empty_warehouse, contract, copy)
    assert [first.status, touched.status, copied.status] == ["loaded", "skipped", "skipped"]
    assert touched.sha256 == copied.sha256 == first.sha256
    assert count(admin, contract.table) == 3


def test_timestamp_rule_counting_bytes_says_what_counting_characters_said(admin):
    """The timestamp rule counts bytes: the same verdict as characters, for non-ASCII too."""
    base = ["2017-10-02 10:56:33", "Oct 02 2017 10:56am", "2017-10-02T10:56:33"]
    candidates = [
        text[:i] + char + text[i + replace :]
        for text in base
        for i in range(len(text))
        for char in ("é", "´", "\u00a0", "\u3000", "٣", "０")
        for replace in (0, 1)
    ]
    differing = admin.execute(
        "select c from unnest(%s::text[]) as c where "
        "(length(c) = 19 and pg_input_is_valid(c, 'timestamp')) is distinct from "
        "(octet_length(c) = 19 and pg_input_is_valid(c, 'timestamp'))",
        (candidates + base,),
    ).fetchall()
    assert differing == []


def test_timestamp_of_19_characters_with_a_non_ascii_one_is_quarantined(
    empty_warehouse, admin, contract, tmp_path
):
    line = "d5e6,c4,delivered,2017-10-02 10:56:3é,,,,2017-10-18 00:00:00"
    (result,) = load(empty_warehouse, contract, write(tmp_path, [GOOD[0], line]))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    (reason,) = admin.execute(
        sql.SQL("select reason from {}").format(sql.Identifier("raw", contract.rejected_table))
    ).fetchone()
    assert "order_purchase_timestamp: expected a timestamp" in reason


def test_ledger_holds_the_sha256_of_the_bytes_loaded(empty_warehouse, admin, contract, tmp_path):
    path = write(tmp_path, GOOD)
    (result,) = load(empty_warehouse, contract, path)
    (sha,) = admin.execute(
        "select file_sha256 from ops.loads where batch_id = %s", (result.batch_id,)
    ).fetchone()
    assert sha == result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_duplicate_found_while_streaming_is_rolled_back(
    empty_warehouse, admin, contract, tmp_path, monkeypatch
):
    """A file hashed as it streams (no loaded twin of its size at first sight, as when another
    run loads it meanwhile) and found already loaded leaves nothing behind."""
    from orchestration import loader

    path = write(tmp_path, GOOD)
    (first,) = load(empty_warehouse, contract, path)
    monkeypatch.setattr(loader, "_size_loaded", lambda *args: False)
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    (second,) = load(empty_warehouse, contract, copy)
    assert (second.status, second.sha256) == ("skipped", first.sha256)
    assert count(admin, contract.table) == 3
    partitions = admin.execute(
        "select count(*) from pg_tables where schemaname = 'raw' and tablename like %s",
        (f"{contract.table}\\_\\_batch\\_%",),
    ).fetchone()[0]
    assert partitions == 1
    ledger = admin.execute(
        "select count(*) from ops.loads where source_table = %s", (contract.table,)
    ).fetchone()[0]
    assert ledger == 1
