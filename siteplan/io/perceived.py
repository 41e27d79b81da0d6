"""Load perceived-safety places (trygghetsvandringar, surveys, citizen reports).

A place is a point, a line (a stretch walked on a safety walk) or a polygon (a park, an
under-pass) that people report as unsafe, with a weight (how many said so, or a 1–5 score), an
optional date and an optional reason. The layer becomes a demand component of its own along
the corridors (:func:`siteplan.measures.perceived.perceived_demand`).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siteplan.errors import InputError, InputWarning
from siteplan.io._common import (
    as_text,
    cap_text,
    did_you_mean,
    read_csv,
    read_parquet,
    read_vector,
    require_file,
    row_list,
    to_working_crs,
)

__all__ = ["PERCEIVED_GEOMETRIES", "load_perceived"]

log = logging.getLogger(__name__)

#: Geometry types a perceived-safety place may have.
PERCEIVED_GEOMETRIES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)

_KEY = "inputs.perceived"
_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_PARQUET_SUFFIXES = frozenset({".parquet", ".geoparquet", ".pq"})
_LON_NAMES = ("lon", "longitude", "lng", "long")
_LAT_NAMES = ("lat", "latitude")
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")
_REASON = "reason"


def load_perceived(
    path: str | os.PathLike[str],
    *,
    crs: str = "EPSG:3006",
    weight_column: str | None = "weight",
    date_column: str | None = "date",
    layer: str | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """
    Read a layer of places people report as unsafe.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, GeoParquet or other vector file (any CRS; reprojected), or a
        CSV with ``lon``/``lat`` columns (also ``longitude``/``latitude``) or a WKT column
        (``wkt`` or ``geometry``), in WGS 84 degrees.
    crs
        The working CRS (projected, metres).
    weight_column
        The column with each place's weight (a number ≥ 0; scenario key
        ``inputs.perceived_weight_column``). None gives every place the weight 1.
    date_column
        The column with each place's date (ISO 8601, e.g. ``2024-10-03``; scenario key
        ``inputs.perceived_date_column``). None, or the default ``"date"`` when the file has
        no such column, gives every place NaT.
    layer
        Layer of a multi-layer file such as a GeoPackage.
    encoding
        Encoding of a CSV file; None checks for UTF-8.

    Returns
    -------
    places
        Indexed by ``place_id`` (str: the file's ``id`` column if it has one, else the data
        row number), columns ``weight`` (float ≥ 0), ``date`` (datetime64, NaT where unknown),
        ``reason`` (str, only when the file has a ``reason`` column) and ``geometry`` (Point,
        LineString or Polygon, or their Multi* forms) in `crs`. Rows keep the file's order.

    Raises
    ------
    SourceUnavailableError
        If the file does not exist.
    InputError
        If the file is empty or unreadable, a column is missing, a weight or date cannot be
        read, a geometry is of another type (e.g. a GeometryCollection), coordinates are not
        numbers, ids repeat, or no row is left.
    CRSError
        If a vector file has no CRS, CSV coordinates are not degrees, or `crs` is not projected.

    Warns
    -----
    InputWarning
        When rows are skipped (no geometry; a missing or negative weight), with the count of
        each, or invalid polygons were repaired.
    """
    path = require_file(path, what="perceived-safety file", key=_KEY)
    table, geometry = _read(path, layer=layer, encoding=encoding)
    ids = _ids(table, path)
    weight = _weights(table, weight_column, path)
    dates = _dates(table, date_column, path)
    no_geometry = geometry.isna() | geometry.is_empty
    keep = _rows_kept(path, no_geometry=no_geometry, weight=weight)
    columns: dict[str, pd.Series] = {"weight": weight.astype(float), "date": dates}
    if _REASON in table:
        reason = as_text(table[_REASON])
        columns[_REASON] = cap_text(reason, what=f"reasons in column {_REASON!r}", source=str(path))
    index = pd.Index(ids[keep].to_numpy(), name="place_id", dtype="str")
    places = gpd.GeoDataFrame(
        {name: values[keep].set_axis(index) for name, values in columns.items()},
        geometry=geometry[keep].set_axis(index),
        crs=geometry.crs,
    )
    places = to_working_crs(places, crs, source=path)
    places = places.set_geometry(_repaired(places.geometry, path))
    log.info(
        "loaded %d perceived-safety places (%s) of total weight %g from %s",
        len(places),
        ", ".join(f"{n} {k}" for k, n in places.geom_type.value_counts().sort_index().items()),
        float(places["weight"].sum()),
        path.name,
    )
    return places


# -- reading ---------------------------------------------------------------------------------


def _read(
    path: Path, *, layer: str | None, encoding: str | None
) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    """The attribute table (RangeIndex) and each row's geometry (None where it has none)."""
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        table = read_csv(path, encoding=encoding, encoding_key=f"{_KEY} encoding")
        return table, _csv_geometry(table, path)
    frame = read_parquet(path) if suffix in _PARQUET_SUFFIXES else read_vector(path, layer=layer)
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (
            f"{path}: a table without geometry. Perceived-safety places need points, lines or "
            "polygons: use GeoJSON, GeoPackage or GeoParquet, or a CSV with lon/lat columns."
        )
        raise InputError(msg)
    frame = frame.reset_index(drop=True)
    geometry = frame.geometry
    _check_kinds(geometry, path)
    return pd.DataFrame(frame.drop(columns=frame.geometry.name)), geometry


def _check_kinds(geometry: gpd.GeoSeries, path: Path) -> None:
    kinds = geometry.geom_type
    bad = kinds.notna() & ~kinds.isin(PERCEIVED_GEOMETRIES) & ~geometry.is_empty
    if bad.any():
        msg = (
            f"{path}: {int(bad.sum())} geometries are {sorted(set(kinds[bad]))} "
            f"({row_list(_rows(bad))}). Places must be points, lines or polygons (or their "
            "Multi* forms); split collections into their parts, or drop those rows."
        )
        raise InputError(msg)


def _csv_geometry(table: pd.DataFrame, path: Path) -> gpd.GeoSeries:
    """Points from lon/lat columns, or shapes from a WKT column, in EPSG:4326."""
    lower = {str(c).lower(): str(c) for c in table.columns}
    lon = next((lower[n] for n in _LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in _LAT_NAMES if n in lower), None)
    wkt = next((lower[n] for n in _WKT_NAMES if n in lower), None)
    if lon is not None and lat is not None:
        x, y = _numbers(table[lon], path, lon), _numbers(table[lat], path, lat)
        have = x.notna() & y.notna()
        points = gpd.points_from_xy(x.fillna(0.0), y.fillna(0.0))
        return gpd.GeoSeries(points, index=table.index, crs="EPSG:4326").where(have, None)
    if wkt is not None:
        return _wkt(table[wkt], path, wkt)
    found = list(table.columns)
    hint = did_you_mean("lon", found) or did_you_mean("lat", found)
    msg = (
        f"{path}: no coordinates: a CSV of perceived-safety places needs columns 'lon' and "
        f"'lat' (WGS 84 degrees) or a WKT column 'wkt'.{hint} Found columns: {found}. Rename "
        "the columns, or export the layer as GeoJSON or GeoPackage."
    )
    raise InputError(msg)


def _wkt(values: pd.Series, path: Path, column: str) -> gpd.GeoSeries:
    text = as_text(values)
    shapes = shapely.from_wkt(text.to_numpy(dtype=object), on_invalid="ignore")
    bad = pd.Series(shapely.is_missing(shapes), index=text.index) & text.notna()
    if bad.any():
        msg = (
            f"{path}: column {column!r}: {int(bad.sum())} value(s) are not WKT geometries "
            f"({row_list(_rows(bad))}). Write them as e.g. 'POINT (15.62 58.41)' in WGS 84 "
            "degrees (lon lat), or use lon/lat columns."
        )
        raise InputError(msg)
    geometry = gpd.GeoSeries(shapes, index=text.index, crs="EPSG:4326")
    _check_kinds(geometry, path)
    return geometry


def _numbers(values: pd.Series, path: Path, column: str) -> pd.Series:
    """A text column as floats (decimal comma accepted); raise naming rows that are not numbers."""
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        text = numbers.astype(str).where(numbers.notna())
    else:
        text = as_text(values)
        numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = (numbers.isna() & text.notna()) | np.isinf(numbers)
    if bad.any():
        msg = (
            f"{path}: column {column!r}: {int(bad.sum())} value(s) are not numbers: "
            f"{row_list(_rows(bad), list(text[bad]))}. Use plain decimals such as 2.5."
        )
        raise InputError(msg)
    return numbers.astype(float)


# -- columns ---------------------------------------------------------------------------------


def _ids(table: pd.DataFrame, path: Path) -> pd.Series:
    """The ``id`` column as text if the file has one, else the 1-based data row numbers."""
    rows = pd.Series([str(i + 1) for i in range(len(table))], index=table.index, dtype="str")
    if "id" not in table:
        return rows
    ids = as_text(table["id"])
    repeated = ids.duplicated(keep=False) & ids.notna()
    if repeated.any():
        msg = (
            f"{path}: column 'id' repeats ids ({row_list(_rows(repeated), list(ids[repeated]))})."
            " Ids must be unique: renumber them, or drop the column (rows are then numbered)."
        )
        raise InputError(msg)
    return ids.fillna(rows.radd("row "))


def _weights(table: pd.DataFrame, column: str | None, path: Path) -> pd.Series:
    """The weights (NaN where missing); raise for a missing column or values not numbers."""
    if column is None:
        return pd.Series(1.0, index=table.index)
    if column not in table:
        found = list(table.columns)
        msg = (
            f"{path}: no weight column {column!r}.{did_you_mean(column, found)} Found columns: "
            f"{found}. Set inputs.perceived_weight_column to the column with each place's weight "
            "(e.g. how many people named it, or a 1–5 score), or add a column "
            f"{column!r} with 1 on every row if all places weigh the same."
        )
        raise InputError(msg)
    return _numbers(table[column], path, column)


def _dates(table: pd.DataFrame, column: str | None, path: Path) -> pd.Series:
    """The dates (datetime64, NaT where missing); NaT throughout when there is no date column."""
    none = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    if column is None:
        return none
    if column not in table:
        if column == "date":
            log.info("%s: no 'date' column; the places have no dates", path.name)
            return none
        found = list(table.columns)
        msg = (
            f"{path}: no date column {column!r}.{did_you_mean(column, found)} Found columns: "
            f"{found}. Set inputs.perceived_date_column to the column with each place's date, "
            "or leave it out."
        )
        raise InputError(msg)
    text = as_text(table[column])
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    bad = parsed.isna() & text.notna()
    if bad.any():
        msg = (
            f"{path}: column {column!r}: {int(bad.sum())} value(s) are not readable dates: "
            f"{row_list(_rows(bad), list(text[bad]))}. Use ISO 8601 such as '2024-10-03' or "
            "'2024-10-03T19:30', or leave the cell empty."
        )
        raise InputError(msg)
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _rows_kept(path: Path, *, no_geometry: pd.Series, weight: pd.Series) -> pd.Series:
    """Rows with a geometry and a weight ≥ 0; one warning with the count of each skip."""
    no_weight = weight.isna() & ~no_geometry
    negative = (weight < 0) & ~no_geometry
    skipped = [
        (no_geometry, "with no geometry"),
        (no_weight, "with no weight"),
        (negative, "with a negative weight"),
    ]
    parts = [f"{int(m.sum())} {what} ({row_list(_rows(m))})" for m, what in skipped if m.any()]
    keep = ~(no_geometry | no_weight | negative)
    if parts:
        warnings.warn(
            f"{path.name}: skipped {int((~keep).sum())} of {len(keep)} perceived-safety "
            f"place(s): {'; '.join(parts)}. Fill them in, or drop the rows to silence this.",
            InputWarning,
            stacklevel=3,
        )
    if not keep.any():
        msg = (
            f"{path}: no perceived-safety places left: every row lacked a geometry or a "
            "weight ≥ 0 (see the warning). Check the file and inputs.perceived_weight_column."
        )
        raise InputError(msg)
    return keep


def _repaired(geometry: gpd.GeoSeries, path: Path) -> gpd.GeoSeries:
    """Make invalid polygons and lines valid with :func:`shapely.make_valid`, with a warning."""
    invalid = ~geometry.is_valid
    if not invalid.any():
        return geometry
    fixed = shapely.make_valid(
        geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
    )
    empty = shapely.is_empty(fixed)
    if empty.any():
        msg = (
            f"{path}: places {list(geometry.index[invalid][empty][:5])} have shapes with no "
            "length or area left after repair (e.g. a line of one repeated point). Redraw them "
            "or drop the rows."
        )
        raise InputError(msg)
    warnings.warn(
        f"{path.name}: repaired {int(invalid.sum())} invalid geometries with "
        f"shapely.make_valid (places {list(geometry.index[invalid][:5])}). Check their outlines.",
        InputWarning,
        stacklevel=3,
    )
    out = geometry.copy()
    out[invalid] = fixed
    return out


def _rows(mask: pd.Series) -> list[int]:
    """1-based data row numbers where `mask` is true (the frame has a RangeIndex)."""
    return [int(i) + 1 for i in np.flatnonzero(mask.to_numpy())]
