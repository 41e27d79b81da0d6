"""Tests for the spending loader and the amount parser."""

from __future__ import annotations

import pandas as pd
import pytest

from siteplan.errors import InputError, SourceUnavailableError
from siteplan.io.spending import load_spending, parse_amount


def test_parse_amount_swedish_and_english():
    text = pd.Series(["12 500,50", "12500.50", "1\u00a0000", "-2000", "1,000.5", "x", None])
    values = parse_amount(text)
    assert values.iloc[:4].tolist() == [12500.5, 12500.5, 1000.0, -2000.0]
    assert values.iloc[4:].isna().all()  # ambiguous, not a number, missing


def test_spending_reads_swedish_amounts(tmp_path):
    path = tmp_path / "spending.csv"
    path.write_text(
        "date;category;area;amount_sek;note\n"
        "2025-02-01;Camera;City;12 500,50;första\n"
        "2025-01-15;vms;;-2000;kreditnota\n",
        encoding="utf-8",
    )
    frame = load_spending(path)
    assert list(frame["amount_sek"]) == [-2000.0, 12500.5]  # sorted by date
    assert list(frame["category"]) == ["vms", "camera"]
    assert frame["area"].isna().tolist() == [True, False]


def test_spending_bad_rows_name_row_and_column(tmp_path):
    path = tmp_path / "spending.csv"
    path.write_text(
        "date,category,area,amount_sek,note\n"
        "2025-02-01,camera,City,1000,\n"
        "2025-02-31,camera,City,1000,\n"
        "2025-03-01,camerra,City,1000,\n"
        "2025-03-02,mount,City,12x,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_spending(path)
    msg = str(err.value)
    assert "spending.csv: 3 problem(s)" in msg
    assert "column 'date' is not a date in row 2 ('2025-02-31')" in msg
    assert "column 'category' has unknown values in row 3 ('camerra')" in msg
    assert "Did you mean 'camera'?" in msg
    assert "column 'amount_sek' is not a number in row 4 ('12x')" in msg


def test_spending_missing_column(tmp_path):
    path = tmp_path / "spending.csv"
    path.write_text("date,category,amount\n2025-01-01,camera,10\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column\(s\) \['amount_sek'\]"):
        load_spending(path)


def test_spending_missing_file(tmp_path):
    with pytest.raises(SourceUnavailableError):
        load_spending(tmp_path / "nope.csv")
