"""GeoTIFF output for raster layers such as the incident heat map (rasterio)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import affine
import numpy as np
import pyproj
import rasterio
from rasterio.crs import CRS as RasterioCRS

from siteplan.errors import CRSError, InputError

__all__ = ["write_geotiff"]

log = logging.getLogger(__name__)

_TILE = 256  # block size of tiled output; rasters smaller than this in both sides are striped


def write_geotiff(
    path: str | os.PathLike[str],
    array: np.ndarray,
    transform: affine.Affine,
    crs: str | int | pyproj.CRS | RasterioCRS,
    *,
    nodata: float | None = None,
    description: str = "incident intensity",
) -> Path:
    """
    Write a 2-D array (or a stack of bands) as a compressed GeoTIFF, atomically.

    The file is written to a temporary name in the same folder and then renamed over `path`,
    so readers never see a half-written file. Output is DEFLATE-compressed (with the floating
    point or integer predictor) and tiled in 256 × 256 blocks when either side is at least 256.

    Parameters
    ----------
    path
        Destination file; its folder is created if needed.
    array
        (rows, cols) for one band or (bands, rows, cols); row 0 is north.
    transform
        Affine transform of the top-left corner (e.g. from :func:`siteplan.scoring.heat_raster`).
    crs
        The raster's CRS (anything pyproj accepts, or a rasterio CRS).
    nodata
        Value marking empty cells, or None.
    description
        Band description stored in the file (numbered per band when there are several).

    Returns
    -------
    path
        The written file.

    Raises
    ------
    CRSError
        If `crs` is missing or unknown.
    InputError
        If `array` is not 2-D or 3-D, or is empty.
    """
    path = Path(path)
    data = _bands(array, path)
    profile = _profile(data, transform, _crs_wkt(crs, path), nodata)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, data, profile, description)
    bands, rows, cols = data.shape
    log.info("wrote %s: %d band(s) of %d x %d cells", path, bands, rows, cols)
    return path


def _bands(array: np.ndarray, path: Path) -> np.ndarray:
    """`array` as (bands, rows, cols); raises InputError for other shapes or an empty one."""
    data = np.asarray(array)
    if data.ndim == 2:
        data = data[None, :, :]
    if data.ndim != 3 or 0 in data.shape:
        msg = (
            f"{path}: expected a (rows, cols) or (bands, rows, cols) array; "
            f"found shape {np.shape(array)}."
        )
        raise InputError(msg)
    return data


def _crs_wkt(crs: str | int | pyproj.CRS | RasterioCRS | None, path: Path) -> str:
    """The WKT of `crs`; raises CRSError when it is missing or unknown."""
    if crs is None:
        msg = f"{path}: no CRS given. Pass the working CRS, e.g. scenario.study_area.crs."
        raise CRSError(msg)
    try:
        if isinstance(crs, pyproj.CRS | RasterioCRS):
            return str(crs.to_wkt())
        return pyproj.CRS.from_user_input(crs).to_wkt()
    except pyproj.exceptions.CRSError as err:
        msg = f"{path}: {crs!r} is not a known CRS. Use an EPSG code such as 'EPSG:3006'."
        raise CRSError(msg) from err


def _profile(
    data: np.ndarray, transform: affine.Affine, wkt: str, nodata: float | None
) -> dict[str, object]:
    """The rasterio creation profile: DEFLATE with a predictor, tiled when large."""
    bands, rows, cols = data.shape
    profile: dict[str, object] = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": bands,
        "dtype": data.dtype.name,
        "crs": RasterioCRS.from_wkt(wkt),
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 3 if np.issubdtype(data.dtype, np.floating) else 2,
    }
    if rows >= _TILE or cols >= _TILE:
        profile.update(tiled=True, blockxsize=_TILE, blockysize=_TILE)
    return profile


def _write_atomic(
    path: Path, data: np.ndarray, profile: dict[str, object], description: str
) -> None:
    """Write to a fresh name beside `path`, then rename it over `path`."""
    # A fresh name in the same folder (same file system, so os.replace is atomic); GDAL
    # creates the file itself, with the usual permissions.
    tmp_name = path.parent / f".{path.stem}-{os.getpid()}-{secrets.token_hex(4)}.tmp.tif"
    bands = data.shape[0]
    try:
        with rasterio.open(tmp_name, "w", **profile) as dst:
            dst.write(data)
            for band in range(1, bands + 1):
                label = description if bands == 1 else f"{description} {band}"
                dst.set_band_description(band, label)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
