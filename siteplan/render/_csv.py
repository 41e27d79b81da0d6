"""CSV text that a spreadsheet opens as data, never as a formula.

Text cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with
a single quote (OWASP, "CSV Injection"), so a street or area named ``=HYPERLINK(...)`` shows as
text in Excel or LibreOffice. Numbers stay numbers: only text cells are touched.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["csv_text", "neutralise"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """`value` with a leading quote when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame, *, index: bool = True, float_format: str = "%.6f") -> str:
    """
    `frame` as CSV text with formula-like text cells neutralised.

    Parameters
    ----------
    frame
        The table.
    index
        Write the index as the first column(s).
    float_format
        Format of float cells.

    Returns
    -------
    text
        The CSV, one line per row.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(neutralise)
    if index:
        out.index = out.index.map(neutralise)
    return out.to_csv(index=index, float_format=float_format, lineterminator="\n")
