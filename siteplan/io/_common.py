"""Helpers shared by the loaders: find a file, check its encoding, read it, reproject, write.

Everything here raises :mod:`siteplan.errors` exceptions whose message names the file.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from siteplan.crs import parse_crs
from siteplan.errors import CRSError, InputError, SourceUnavailableError

__all__ = [
    "TEXT_SUFFIXES",
    "VECTOR_SUFFIXES",
    "as_text",
    "atomic_write",
    "check_utf8",
    "did_you_mean",
    "read_csv",
    "read_parquet",
    "read_vector",
    "require_file",
    "row_list",
    "to_working_crs",
]

#: Suffixes read as plain text, whose encoding is checked before parsing.
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".geojson", ".json"})
#: Suffixes read through pyogrio (GDAL); any other non-CSV, non-Parquet file is tried too.
VECTOR_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml"})

_CHUNK_BYTES = 1 << 20
_SWEDISH = frozenset("åäöÅÄÖéÉ")


def require_file(path: str | os.PathLike[str], *, what: str) -> Path:
    """
    Return `path` as a Path, or raise if it is not an existing, non-empty file.

    Parameters
    ----------
    path
        The file.
    what
        What the file should hold, e.g. "incident file", for the message.

    Returns
    -------
    path
        The same path.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is empty (0 bytes).
    """
    path = Path(path)
    if not path.is_file():
        hint = " (it is a folder)" if path.is_dir() else ""
        msg = (
            f"{path}: {what} not found{hint}. Check the path (paths in a scenario are relative "
            "to the scenario file)."
        )
        raise SourceUnavailableError(msg)
    if path.stat().st_size == 0:
        msg = f"{path}: the {what} is empty (0 bytes). Export it again from its source."
        raise InputError(msg)
    return path


def check_utf8(path: Path, *, encoding: str | None = None) -> str:
    """
    Check that a text file decodes, and return the codec to read it with.

    Parameters
    ----------
    path
        A text file.
    encoding
        The encoding the caller asked for; None means UTF-8 (with or without a byte-order mark).

    Returns
    -------
    encoding
        `encoding` if given, else ``"utf-8-sig"`` (which also drops a leading BOM).

    Raises
    ------
    InputError
        If the file does not decode, naming the line and byte and guessing the real encoding.
    """
    codec = encoding or "utf-8-sig"
    try:
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    except LookupError as err:
        msg = f"{path}: unknown encoding {encoding!r}. Use e.g. 'utf-8' or 'cp1252'."
        raise InputError(msg) from err
    offset = 0
    newlines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                line = newlines + chunk.count(b"\n", 0, err.start) + 1
                msg = _decode_message(path, codec, chunk, err, offset + err.start, line)
                raise InputError(msg) from err
            offset += len(chunk)
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            msg = f"{path}: not valid {codec} text: it ends inside a character. Re-save as UTF-8."
            raise InputError(msg) from err
    return codec


def _decode_message(
    path: Path, codec: str, chunk: bytes, err: UnicodeDecodeError, at: int, line: int
) -> str:
    bad = chunk[err.start : err.start + 1]
    is_utf8 = codec.replace("_", "-").lower().startswith("utf-8")
    name = "UTF-8" if is_utf8 else codec
    head = f"{path}: not valid {name} text (byte 0x{bad.hex()} at byte {at}, line {line})"
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return f"{head}. It looks like UTF-16; re-save it as UTF-8 or pass encoding='utf-16'."
    if is_utf8:
        start = chunk.rfind(b"\n", 0, err.start) + 1
        end = chunk.find(b"\n", err.start)
        text = chunk[start : end if end >= 0 else len(chunk)].decode("cp1252", errors="replace")
        if _SWEDISH & set(text):
            return (
                f"{head}. It looks like Latin-1/cp1252 (that line reads {text.strip()[:80]!r} "
                "that way); re-save it as UTF-8 or pass encoding='cp1252'."
            )
    return f"{head}. Re-save it as UTF-8, or pass the file's encoding (e.g. encoding='cp1252')."


def read_csv(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """
    Read a delimited text file with every column as text.

    The delimiter is the one of ``, ; <tab> |`` found most often in the header line, so files
    saved by a Swedish-locale spreadsheet (``;``) read as well as ordinary CSV.

    Parameters
    ----------
    path
        The file.
    encoding
        Its encoding; None checks for UTF-8.

    Returns
    -------
    frame
        One row per data row, a RangeIndex, columns as str with empty cells as missing.

    Raises
    ------
    InputError
        If the file is not in the encoding, cannot be parsed, or has no data rows.
    """
    codec = check_utf8(path, encoding=encoding)
    with path.open(encoding=codec, newline="") as fh:
        header = fh.readline()
    sep = max(",;\t|", key=header.count)
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, encoding=codec, keep_default_na=False, na_values=[""]
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = (
            f"{path}: cannot be read as CSV with delimiter {sep!r}: {err}. Check the quoting "
            "on that line."
        )
        raise InputError(msg) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        msg = f"{path}: no data rows (only the header {list(frame.columns)}). Export it again."
        raise InputError(msg)
    return frame.apply(lambda col: col.str.strip())


def read_vector(path: Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """
    Read a vector file through pyogrio, with date and time fields as text.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, Shapefile or other file GDAL reads.
    layer
        The layer to read; None reads the only layer, or raises if there are several.

    Returns
    -------
    frame
        The features, in the file's CRS, with a RangeIndex.

    Raises
    ------
    InputError
        If the file cannot be read, has several layers and none was chosen, or is empty.
    """
    if path.suffix.lower() in TEXT_SUFFIXES:
        check_utf8(path)
    try:
        layers = pyogrio.list_layers(path)
        if layer is None and len(layers) > 1:
            names = [str(name) for name, _ in layers]
            msg = f"{path}: has {len(names)} layers {names}; pass layer=... to choose one."
            raise InputError(msg)
        with warnings.catch_warnings():
            # GDAL flags times with a UTC offset in a GeoPackage; they are read as text anyway.
            warnings.filterwarnings("ignore", "Non-conformant content", RuntimeWarning)
            frame = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True)
    except pyogrio.errors.DataSourceError as err:
        msg = f"{path}: cannot be read as a vector file ({err}). Use GeoJSON, GeoPackage or CSV."
        raise InputError(msg) from err
    except pyogrio.errors.DataLayerError as err:
        msg = f"{path}: cannot read layer {layer!r} ({err}). Layers found: {list(layers[:, 0])}."
        raise InputError(msg) from err
    if len(frame) == 0:
        msg = f"{path}: the file has no features. Export it again from its source."
        raise InputError(msg)
    return frame


def read_parquet(path: Path) -> pd.DataFrame:
    """
    Read a Parquet or GeoParquet file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    frame
        A GeoDataFrame for GeoParquet, else a DataFrame; any index is turned back into columns.

    Raises
    ------
    ImportError
        If pyarrow is not installed.
    InputError
        If the file cannot be read or has no rows.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError as err:
        msg = "Reading Parquet needs pyarrow: pip install pyarrow (or conda install pyarrow)."
        raise ImportError(msg) from err
    try:
        meta = pq.read_schema(path).metadata or {}
        frame = gpd.read_parquet(path) if b"geo" in meta else pd.read_parquet(path)
    except (OSError, ValueError) as err:
        msg = f"{path}: cannot be read as Parquet ({err})."
        raise InputError(msg) from err
    if len(frame) == 0:
        msg = f"{path}: the file has no rows. Export it again from its source."
        raise InputError(msg)
    named = [n for n in frame.index.names if n is not None]
    return frame.reset_index() if named else frame.reset_index(drop=True)


def to_working_crs(
    frame: gpd.GeoDataFrame, crs: str | pyproj.CRS, *, source: str | Path
) -> gpd.GeoDataFrame:
    """
    Reproject a layer read from a file to the working CRS.

    Parameters
    ----------
    frame
        The layer as read.
    crs
        The working CRS (projected, metres).
    source
        The file, for the message.

    Returns
    -------
    frame
        The layer in `crs`.

    Raises
    ------
    CRSError
        If the layer has no CRS, or `crs` is not a projected CRS in metres.
    """
    target = parse_crs(crs, key="crs")
    if frame.crs is None:
        msg = (
            f"{source}: the layer has no CRS, so its coordinates cannot be placed. Save it with "
            "a CRS (GeoJSON is EPSG:4326 by definition; set it in QGIS with 'Assign projection')."
        )
        raise CRSError(msg)
    return frame if frame.crs.equals(target) else frame.to_crs(target)


def as_text(values: pd.Series) -> pd.Series:
    """
    Return `values` as stripped text, with blanks as missing and whole floats without ".0".

    Parameters
    ----------
    values
        Any column.

    Returns
    -------
    text
        A ``str`` Series with the same index.
    """
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    text = values.astype("str").str.strip()
    return text.mask(text == "")


def did_you_mean(name: str, found: Sequence[str]) -> str:
    """
    Return ``" Did you mean 'x'?"`` for close matches of `name` in `found`, or ``""``.

    Parameters
    ----------
    name
        The name that was asked for.
    found
        The names that exist.

    Returns
    -------
    hint
        The suggestion, with a leading space, or an empty string.
    """
    lower = {f.lower(): f for f in found}
    key = name.lower()
    # Abbreviations ("lat" for "latitude") first, then spelling mistakes.
    close = [
        f
        for f in lower
        if f != key and min(len(f), len(key)) >= 2 and (f.startswith(key) or key.startswith(f))
    ]
    close += difflib.get_close_matches(key, [f for f in lower if f not in close], n=3, cutoff=0.6)
    close = close[:3]
    if not close:
        return ""
    return " Did you mean " + " or ".join(repr(lower[c]) for c in close) + "?"


def row_list(rows: Sequence[int], values: Sequence[Any] | None = None, *, limit: int = 5) -> str:
    """
    Describe some rows for a message: ``"rows 3 ('x'), 7 ('y') and 4 more"``.

    Parameters
    ----------
    rows
        1-based data row numbers (the header is not counted).
    values
        The offending value of each row, shown in brackets.
    limit
        How many rows to name.

    Returns
    -------
    text
        The description.
    """
    shown = [
        f"{r} ({values[i]!r})" if values is not None else str(r) for i, r in enumerate(rows[:limit])
    ]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(shown) + more


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """
    Yield a temporary path next to `path` that replaces `path` only if the block succeeds.

    Readers never see a half-written file, and a failed write leaves the old file in place.

    Parameters
    ----------
    path
        The file to write; its folder is created if needed.

    Yields
    ------
    tmp
        Where to write; renamed to `path` on success, deleted on error.

    Examples
    --------
    >>> with atomic_write("out/cameras.csv") as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    # Some writers (GDAL) refuse to open an existing file, so hand over a free name.
    tmp.unlink()
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
