"""Helpers shared by the loaders: find a file, check its encoding, read it, reproject, write.

Everything here raises :mod:`siteplan.errors` exceptions whose message names the file.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
from numpy.typing import ArrayLike
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from siteplan.crs import parse_crs
from siteplan.errors import CRSError, InputError, InputWarning, SourceUnavailableError

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


def require_file(path: str | os.PathLike[str], *, what: str, key: str | None = None) -> Path:
    """
    Return `path` as a Path, or raise if it is not an existing, non-empty file.

    Parameters
    ----------
    path
        The file.
    what
        What the file should hold, e.g. "incident file", for the message.
    key
        The scenario key that names the file (e.g. ``"inputs.incidents"``), for the message.

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
    where = f"{key} in the scenario" if key else "the path"
    if path.is_dir():
        msg = (
            f"{path}: is a folder, but the {what} must be a file. Set {where} to the file "
            "inside it (paths in a scenario are relative to the scenario file)."
        )
        raise InputError(msg)
    if not path.is_file():
        msg = (
            f"{path}: {what} not found. Check {where} (paths in a scenario are relative to the "
            "scenario file)."
        )
        raise SourceUnavailableError(msg)
    if path.stat().st_size == 0:
        msg = f"{path}: the {what} is empty (0 bytes). Export it again from its source."
        raise InputError(msg)
    return path


def check_utf8(path: Path, *, encoding: str | None = None, encoding_key: str | None = None) -> str:
    """
    Check that a text file decodes, and return the codec to read it with.

    Parameters
    ----------
    path
        A text file.
    encoding
        The encoding the caller asked for; None means UTF-8 (with or without a byte-order mark).
    encoding_key
        The scenario key that sets the encoding (e.g. ``inputs.incident_columns.encoding``),
        named in the fix; None names the Python argument ``encoding=``.

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
                msg = _decode_message(path, codec, chunk, err, (offset + err.start, line))
                msg = _name_the_key(msg, encoding_key)
                raise InputError(msg) from err
            offset += len(chunk)
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            msg = f"{path}: not valid {codec} text: it ends inside a character. Re-save as UTF-8."
            raise InputError(msg) from err
    return codec


def _name_the_key(msg: str, encoding_key: str | None) -> str:
    """Point the fix at the scenario key instead of the Python argument."""
    if encoding_key is None:
        return msg
    return re.sub(
        r"pass (?:the file's encoding \(e\.g\. )?encoding='([^']+)'\)?",
        lambda m: f'set {encoding_key} = "{m.group(1)}" in the scenario',
        msg,
    )


def _decode_message(
    path: Path, codec: str, chunk: bytes, err: UnicodeDecodeError, where: tuple[int, int]
) -> str:
    at, line = where
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


def read_csv(
    path: Path, *, encoding: str | None = None, encoding_key: str | None = None
) -> pd.DataFrame:
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
    encoding_key
        The scenario key that sets the encoding, for the message (see :func:`check_utf8`).

    Returns
    -------
    frame
        One row per data row, a RangeIndex, columns as str with empty cells as missing.

    Raises
    ------
    InputError
        If the file is not in the encoding, cannot be parsed (an unclosed quote, rows with
        another delimiter than the header), or has no data rows. Messages show no cell
        values beyond the header: the file may hold personal data.
    """
    codec = check_utf8(path, encoding=encoding, encoding_key=encoding_key)
    with path.open(encoding=codec, newline="") as fh:
        header = fh.readline()
        first_rows = [line for _, line in zip(range(50), fh, strict=False)]
    sep = max(",;\t|", key=header.count)
    _require_one_delimiter(path, header, first_rows, sep)
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, encoding=codec, keep_default_na=False, na_values=[""]
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        if "EOF inside string" in str(err):
            raise InputError(_unclosed_quote(path, str(err))) from err
        msg = (
            f"{path}: cannot be read as CSV with delimiter {sep!r}: {err}. Check the quoting "
            "and the number of delimiters on that line."
        )
        raise InputError(msg) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        msg = (
            f"{path}: no data rows: its one line was read as the header "
            f"({len(frame.columns)} columns). If that line is data, the file lacks its header "
            "line: add one with the column names first (see the scenario's input columns)."
        )
        raise InputError(msg)
    _require_closed_quotes(path, frame)
    return frame.apply(lambda col: col.str.strip())


def _unclosed_quote(path: Path, err: str) -> str:
    where = re.search(r"starting at row (\d+)", err)
    row = f" in data row {int(where.group(1))}" if where else ""
    return (
        f'{path}: a quote (") opened{row} is never closed, so the rest of the file reads as '
        "one value. Close or remove that quote (values are not shown: the file may hold "
        "personal data)."
    )


def _require_closed_quotes(path: Path, frame: pd.DataFrame) -> None:
    """Raise if a cell spans several lines: a quote opened in it closed lines later."""
    spans = frame.apply(lambda col: col.str.contains("\n", regex=False, na=False))
    rows = np.flatnonzero(spans.to_numpy().any(axis=1))
    if not len(rows):
        return
    first = int(rows[0])
    column = str(frame.columns[np.flatnonzero(spans.iloc[first].to_numpy())[0]])
    n_lines = int(frame.iloc[first][column].count("\n")) + 1
    msg = (
        f'{path}: data row {first + 1}, column {column!r}: a quote (") opened there is closed '
        f"only {n_lines} lines later, so those lines read as one value. Close or remove the "
        "quote on that line (values are not shown: the file may hold personal data)."
    )
    raise InputError(msg)


def _require_one_delimiter(path: Path, header: str, rows: list[str], sep: str) -> None:
    """Raise if the data rows use another delimiter than the header (e.g. , and ;)."""
    expected = header.count(sep)
    for other in ",;\t|":
        if other == sep or other in header or not rows:
            continue
        counts = [line.count(other) for line in rows if line.strip()]
        if counts and expected > 0 and sum(c == expected for c in counts) > len(counts) / 2:
            msg = (
                f"{path}: the header line is delimited by {sep!r} but the data rows by "
                f"{other!r}. Save the file with one delimiter throughout (siteplan detects "
                ", ; tab and | from the header line)."
            )
            raise InputError(msg)


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
    if frame.crs.is_geographic and len(frame):
        _require_degrees(frame, source)
    return frame if frame.crs.equals(target) else frame.to_crs(target)


def _require_degrees(frame: gpd.GeoDataFrame, source: str | Path) -> None:
    """Raise if a layer said to be in degrees holds coordinates beyond ±180/±90 (metres)."""
    minx, miny, maxx, maxy = frame.total_bounds
    if min(minx, miny) >= -180 and maxx <= 180 and maxy <= 90 and miny >= -90:
        return
    name = Path(source).name
    msg = (
        f"{source}: the coordinates (x {minx:,.0f}..{maxx:,.0f}, y {miny:,.0f}..{maxy:,.0f}) "
        f"are not degrees, but the file says (or, as GeoJSON, implies) {frame.crs.name}: they "
        "look like metres in a projected CRS with no CRS recorded. Assign the CRS they are in, "
        f"e.g. `ogr2ogr -a_srs EPSG:3006 fixed.gpkg {name}` (QGIS: 'Assign projection'), or "
        "export the file again in EPSG:4326."
    )
    raise CRSError(msg)


def utm_crs_for(lon: ArrayLike, lat: ArrayLike) -> str | None:
    """The WGS 84 UTM zone (``"EPSG:326NN"`` / ``"EPSG:327NN"``) at the median point, or None."""
    xs, ys = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not xs.size:
        return None
    x, y = float(np.median(xs)), float(np.median(ys))
    if not (-180 <= x <= 180 and -80 <= y <= 84):
        return None
    found = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(x, y, x, y))
    return f"{found[0].auth_name}:{found[0].code} ({found[0].name})" if found else None


def require_in_area_of_use(
    lon: ArrayLike, lat: ArrayLike, target: pyproj.CRS, *, source: str
) -> None:
    """
    Raise if most points (lon/lat degrees) lie outside the working CRS's area of use.

    The working CRS (``study_area.crs``) is then wrong for the place, as EPSG:3006 (Sweden)
    for data of Helsinki: the message names the key and suggests the UTM zone of the data.

    Parameters
    ----------
    lon, lat
        Coordinates of the layer's points in degrees.
    target
        The working CRS.
    source
        The input, for the message (e.g. ``"inputs.osm (helsinki.osm.pbf)"``).

    Raises
    ------
    CRSError
        If more than half of the points lie outside the area of use.
    """
    aou = target.area_of_use
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if aou is None or not len(x):
        return
    inside = (x >= aou.west) & (x <= aou.east) & (y >= aou.south) & (y <= aou.north)
    if inside.mean() >= 0.5:
        return
    utm = utm_crs_for(x, y)
    suggestion = f"the UTM zone there, {utm}, or the national grid" if utm else "a projected CRS"
    msg = (
        f"{source}: {int((~inside).sum())} of {len(x)} points (around lon "
        f"{np.median(x):.3f}, lat {np.median(y):.3f}) lie outside the area of use of "
        f"study_area.crs = {target.to_string()} ({target.name}: lon {aou.west}..{aou.east}, "
        f"lat {aou.south}..{aou.north}). study_area.crs must fit the place: use {suggestion}."
    )
    raise CRSError(msg)


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


#: Free-text values (categories, area and stop names) longer than this are cut, with a warning:
#: they are copied into every output (a 100,000-character category made a 147 MB GeoPackage).
MAX_TEXT_CHARS = 100


def cap_text(
    values: pd.Series, *, what: str, source: str, limit: int = MAX_TEXT_CHARS
) -> pd.Series:
    """
    Cut text values longer than `limit` characters, warning with the count.

    Parameters
    ----------
    values
        Text (or missing) values.
    what
        What they are, with the column or key, e.g. ``"categories in column 'typ'"``.
    source
        The file, for the warning (its name only).
    limit
        The longest value kept whole.

    Returns
    -------
    values
        The same values, the long ones cut to `limit` characters.
    """
    lengths = values.str.len()
    long = lengths > limit
    if not long.any():
        return values
    warnings.warn(
        f"{Path(source).name}: {int(long.sum())} {what} are longer than {limit} characters "
        f"(the longest {int(lengths.max())}; {row_list(_rows_of(long))}); cut to {limit}. "
        "Is the column mapping right?",
        InputWarning,
        stacklevel=3,
    )
    return values.where(~long, values.str.slice(0, limit))


def _rows_of(mask: pd.Series) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]


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
        f"{r} ({_short(values[i])})" if values is not None else str(r)
        for i, r in enumerate(rows[:limit])
    ]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(shown) + more


def _short(value: Any, limit: int = 40) -> str:
    """`value`'s repr, cut to `limit` characters (messages must not echo whole rows)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
