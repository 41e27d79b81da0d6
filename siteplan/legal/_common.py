"""Shared helpers of the legal package: column checks and missing values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from siteplan.schemas import require

BUILD_HINT = "Build it with siteplan.corridors.build_corridors."


def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str, hint: str) -> None:
    require(frame, columns, name=name, hint=hint)


def is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | tuple | list) and bool(pd.isna(value)))
