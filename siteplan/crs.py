"""Working-CRS helpers: checks that layers are projected, in metres and agree.

Reprojection happens only in :mod:`siteplan.io` (on the way in) and :mod:`siteplan.render.map`
(on the way out, to EPSG:4326).
"""

from __future__ import annotations

import geopandas as gpd
import pyproj

from siteplan.errors import CRSError

__all__ = ["parse_crs", "require_projected", "require_same_crs"]


def parse_crs(value: str | int | pyproj.CRS, *, key: str = "study_area.crs") -> pyproj.CRS:
    """
    Parse a CRS and check that it is projected in metres.

    Parameters
    ----------
    value
        Anything :class:`pyproj.CRS` accepts, e.g. ``"EPSG:3006"``.
    key
        Where the value came from, for the error message.

    Returns
    -------
    crs
        The parsed CRS.

    Raises
    ------
    CRSError
        If the value is not a CRS, or the CRS is geographic or not in metres.
    """
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as err:
        msg = f"{key}: {value!r} is not a known CRS. Use an EPSG code such as 'EPSG:3006'."
        raise CRSError(msg) from err
    if crs.is_geographic:
        msg = (
            f"{key}: {value!r} is a geographic CRS (degrees); siteplan measures in metres. "
            "Use a projected CRS such as 'EPSG:3006' (SWEREF 99 TM) or the local UTM zone."
        )
        raise CRSError(msg)
    units = {ax.unit_name for ax in crs.axis_info}
    if units and not units <= {"metre", "meter"}:
        msg = f"{key}: {value!r} has axis units {sorted(units)}; siteplan needs metres."
        raise CRSError(msg)
    return crs


def require_projected(gdf: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    """
    Raise unless `gdf` has a projected CRS.

    Parameters
    ----------
    gdf
        The layer to check.
    name
        The layer's name, used in the message.

    Raises
    ------
    CRSError
        If the CRS is missing or geographic.
    """
    if gdf.crs is None:
        msg = f"`{name}` has no CRS. Set it with `{name}.set_crs(...)` when loading."
        raise CRSError(msg)
    if gdf.crs.is_geographic:
        msg = (
            f"`{name}` is in a geographic CRS ({gdf.crs.to_string()}); distances would be in "
            f"degrees. Load it through siteplan.io or reproject with `{name}.to_crs(...)`."
        )
        raise CRSError(msg)


def require_same_crs(
    a: gpd.GeoDataFrame | gpd.GeoSeries,
    b: gpd.GeoDataFrame | gpd.GeoSeries,
    name_a: str,
    name_b: str,
) -> None:
    """
    Raise unless both layers are projected and share one CRS.

    Parameters
    ----------
    a, b
        The layers.
    name_a, name_b
        Their names, used in the message.

    Raises
    ------
    CRSError
        If either is unprojected or the CRSs differ.
    """
    require_projected(a, name_a)
    require_projected(b, name_b)
    if not a.crs.equals(b.crs):
        msg = (
            f"`{name_a}` ({a.crs.to_string()}) and `{name_b}` ({b.crs.to_string()}) have "
            f"different CRSs. Use `to_crs()` so both are in the working CRS."
        )
        raise CRSError(msg)
