"""Camera options: every site × model × azimuth with the footprint it would see, and its price.

:func:`camera_options` aims each (site, model) along the corridors near the site and at a few
evenly spaced bearings, then builds each option's footprint from the site's rays
(:func:`siteplan.coverage.geometry.ray_footprints`). :func:`option_costs` prices each option
apart from its site's shared cost.
"""

from __future__ import annotations

import logging
import math
import warnings
import zlib
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from siteplan.config import BudgetConfig, CameraModel, CostsConfig
from siteplan.coverage._common import angle_diff_deg, bearing_deg, geometry_array, usable_mask
from siteplan.coverage.geometry import (
    N_RAYS,
    blind_zone_m,
    building_obstacles,
    ray_distances,
    ray_footprints,
)
from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.schemas import require

__all__ = [
    "AIM_SEARCH_M",
    "AZIMUTH_DEDUPE_DEG",
    "FACADE_MAX_TURN_DEG",
    "camera_options",
    "option_costs",
    "options_frame",
    "site_paperwork_sek",
]

log = logging.getLogger(__name__)

AIM_SEARCH_M = 10.0  # corridors this close to a site get an azimuth aimed along them
AZIMUTH_DEDUPE_DEG = 10.0  # azimuths of one site and model at least this far apart
FACADE_MAX_TURN_DEG = 80.0  # a facade camera looks at most this far from the wall's normal

_SITES_HINT = "Build it with coverage.candidate_sites."
_CLASSIFIED_SITES_HINT = "Build it with coverage.candidate_sites, then legal.classify_points."


def camera_options(
    sites: gpd.GeoDataFrame,
    models: Sequence[CameraModel],
    *,
    buildings: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame | None,
    azimuths_per_site: int = 8,
    n_rays: int = N_RAYS,
) -> gpd.GeoDataFrame:
    """
    List the camera options: every site × model × azimuth, with the footprint it would see.

    Azimuths per (site, model): bearings from the site to the points half the model's range
    along each corridor within 10 m of the site, then `azimuths_per_site` evenly spaced
    bearings (turned by a fixed, site-dependent offset), rounded to whole degrees and kept
    only if 10° or more from those already kept. Facade sites keep the azimuths within 80° of
    their wall's outward normal. A 360° model gets one option. Sites inside a building get
    none. Each site's rays are cast once (radius = the longest ground range) and shared by
    all its options; a footprint is the model's ground-range wedge through those rays, minus
    the blind zone (:func:`~siteplan.coverage.blind_zone_m`). It equals
    :func:`~siteplan.coverage.footprint` with the site's
    :func:`~siteplan.coverage.visibility_polygon` up to the ray spacing.

    Parameters
    ----------
    sites
        Candidate sites (see :func:`~siteplan.coverage.candidate_sites`); ``legal_class`` is
        copied if present.
    models
        The camera catalogue.
    buildings
        Building footprints that block the view, or None.
    corridors
        Corridor segments to aim along, or None.
    azimuths_per_site
        Evenly spaced azimuths per site and model.
    n_rays
        Rays of each visibility polygon (angular resolution 360 / n_rays degrees).

    Returns
    -------
    options
        Index ``option_id`` (``"<site_id>/<model>/<azimuth:03d>"``, or ``.../360`` for 360°
        models); the columns of :data:`siteplan.problem.OPTION_COLUMNS` except the costs
        (see :func:`option_costs`); geometry = footprint (may be empty).
    """
    require(sites, ("mount", "area"), name="sites", hint=_SITES_HINT)
    require_projected(sites, "sites")
    for name, layer in (("buildings", buildings), ("corridors", corridors)):
        if layer is not None and len(layer):
            require_same_crs(sites, layer, "sites", name)
    if azimuths_per_site < 1:
        msg = f"azimuths_per_site must be >= 1; got {azimuths_per_site}."
        raise InputError(msg)
    usable = _usable_models(models)
    xy = shapely.get_coordinates(geometry_array(sites))
    if not usable or not len(sites):
        none = np.empty(0, dtype=int)
        rays = (np.empty((0, n_rays)), np.empty(0, dtype=bool))
        return options_frame(sites.iloc[:0], none, usable, none, none.astype(float), rays)
    radius = max(m.ground_range_m for m in usable)
    dist, blocked = ray_distances(xy, building_obstacles(buildings), radius_m=radius, n_rays=n_rays)
    aims = _corridor_aims(xy, corridors, np.array([m.ground_range_m / 2 for m in usable]))
    site_pos, model_pos, azimuth = _option_azimuths(sites, usable, blocked, aims, azimuths_per_site)
    options = options_frame(sites, site_pos, usable, model_pos, azimuth, (dist, blocked))
    n_blocked = int(blocked.sum())
    log.info(
        "camera options: %d at %d sites for %d models (%d sites blocked by a building)",
        len(options),
        len(sites) - n_blocked,
        len(usable),
        n_blocked,
    )
    return options


def _option_azimuths(
    sites: gpd.GeoDataFrame,
    models: Sequence[CameraModel],
    blocked: np.ndarray,
    aims: list[dict[int, list[float]]],
    azimuths_per_site: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (site position, model position, azimuth) of every option, site by site."""
    normals = (
        sites["facade_normal_deg"].to_numpy(dtype=float)
        if "facade_normal_deg" in sites
        else np.full(len(sites), np.nan)
    )
    site_ids = sites.index.to_numpy(dtype=str)
    site_pos: list[int] = []
    model_pos: list[int] = []
    azimuth: list[float] = []
    for s in range(len(sites)):
        if blocked[s]:
            continue
        for m, model in enumerate(models):
            azs = (
                [0]
                if model.is_360
                else _site_azimuths(site_ids[s], aims[m].get(s, []), normals[s], azimuths_per_site)
            )
            site_pos += [s] * len(azs)
            model_pos += [m] * len(azs)
            azimuth += azs
    return (
        np.asarray(site_pos, dtype=int),
        np.asarray(model_pos, dtype=int),
        np.asarray(azimuth, dtype=float),
    )


def _usable_models(models: Sequence[CameraModel]) -> list[CameraModel]:
    usable = [m for m in models if m.ground_range_m > 0]
    dropped = [m.model for m in models if m.ground_range_m <= 0]
    if dropped:
        msg = (
            f"camera model(s) {dropped} reach no head at 1.7 m from their mount height at the "
            f"required DORI level and get no options; lower `mount_height_m` or the `level`."
        )
        warnings.warn(msg, InputWarning, stacklevel=3)
    return usable


def _corridor_aims(
    xy: np.ndarray, corridors: gpd.GeoDataFrame | None, half_ranges: np.ndarray
) -> list[dict[int, list[float]]]:
    """Per model (by half range): site position -> bearings along the corridors at the site."""
    out: list[dict[int, list[float]]] = [{} for _ in half_ranges]
    if corridors is None or not len(corridors) or not len(xy):
        return out
    geoms = geometry_array(corridors)
    geoms = geoms[usable_mask(geoms, ("LineString",))]
    pts = shapely.points(xy)
    s_i, c_i = shapely.STRtree(geoms).query(pts, predicate="dwithin", distance=AIM_SEARCH_M)
    if not len(s_i):
        return out
    order = np.lexsort((c_i, s_i))
    s_i, c_i = s_i[order], c_i[order]
    lines = geoms[c_i]
    length = shapely.length(lines)
    along = shapely.line_locate_point(lines, pts[s_i])
    for m, half in enumerate(half_ranges):
        for sign in (-1.0, 1.0):
            target = shapely.line_interpolate_point(lines, np.clip(along + sign * half, 0, length))
            dxy = shapely.get_coordinates(target) - xy[s_i]
            far = np.hypot(dxy[:, 0], dxy[:, 1]) > 1.0
            bearing = bearing_deg(dxy[:, 0], dxy[:, 1])
            for s, b in zip(s_i[far], bearing[far], strict=True):
                out[m].setdefault(int(s), []).append(float(b))
    return out


def _site_azimuths(site_id: str, aims: list[float], normal_deg: float, k: int) -> list[int]:
    """Corridor-aimed then evenly spaced azimuths, ≥ 10° apart, facing away from any wall."""
    offset = (zlib.crc32(site_id.encode()) % 1000) / 1000 * (360.0 / k)
    even = [offset + i * 360.0 / k for i in range(k)]
    kept: list[int] = []
    for a in [*aims, *even]:
        az = round(a) % 360
        if all(min((az - b) % 360, (b - az) % 360) >= AZIMUTH_DEDUPE_DEG for b in kept):
            kept.append(az)
    if not math.isnan(normal_deg):
        kept = [a for a in kept if angle_diff_deg(a, normal_deg) <= FACADE_MAX_TURN_DEG]
        if not kept:
            kept = [round(normal_deg) % 360]
    return sorted(kept)


def options_frame(
    sites: gpd.GeoDataFrame,
    site_pos: np.ndarray,
    models: Sequence[CameraModel],
    model_pos: np.ndarray,
    azimuth: np.ndarray,
    rays: tuple[np.ndarray, np.ndarray],
) -> gpd.GeoDataFrame:
    """
    Option rows with their footprints, for the given (site, model, azimuth) triples.

    `rays` is ``(dist, blocked)`` of the sites (see
    :func:`siteplan.coverage.geometry.ray_distances`); options at blocked sites, or of a
    model that reaches no head, get an empty footprint. Costs are not included.
    """
    xy = shapely.get_coordinates(geometry_array(sites))
    hfov = np.array([m.hfov_deg for m in models], dtype=float)[model_pos]
    ground = np.array([m.ground_range_m for m in models], dtype=float)[model_pos]
    blind = np.array([blind_zone_m(m) for m in models], dtype=float)[model_pos]
    pano = hfov >= 360
    az = np.where(pano, np.nan, azimuth)
    dist, blocked = rays
    geoms = ray_footprints(xy, dist, site_pos, np.nan_to_num(az), hfov, ground, blind)
    geoms[blocked[site_pos] | (ground <= 0)] = Polygon()
    site_ids = sites.index.to_numpy(dtype=str)[site_pos]
    names = np.array([m.model for m in models], dtype=object)[model_pos]
    slot = [f"{s}/{m}" for s, m in zip(site_ids, names, strict=True)]
    option_id = [
        f"{sl}/360" if p else f"{sl}/{int(a):03d}"
        for sl, p, a in zip(slot, pano, azimuth, strict=True)
    ]
    # Site columns keep the sites' dtype (`.array.take`): inferring it from the values taken
    # would make it depend on which other sites are in the frame (e.g. all-missing areas).
    legal = (
        sites["legal_class"].array.take(site_pos)
        if "legal_class" in sites
        else np.full(len(site_pos), None, dtype=object)
    )
    frame = pd.DataFrame(
        {
            "site_id": site_ids,
            "slot_id": slot,
            "model": names,
            "azimuth_deg": az,
            "hfov_deg": hfov,
            "range_m": ground,
            "mount": sites["mount"].array.take(site_pos),
            "legal_class": legal,
            "area": sites["area"].array.take(site_pos),
        },
        index=pd.Index(option_id, name="option_id"),
    )
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=sites.crs)


def option_costs(
    options: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    models: Sequence[CameraModel],
    costs: CostsConfig,
    budget: BudgetConfig,
    regime: str,
) -> pd.DataFrame:
    """
    Price each option, apart from its site's shared costs, and say if it needs paperwork.

    ``capex_sek`` = camera capex + VMS licence;
    ``cost_sek = capex_sek + opex_sek_per_year × horizon_years``. ``paperwork`` is True where
    the option needs its site's legal paperwork (:func:`site_paperwork_sek`), which the
    optimiser pays once per site, like the mount and connectivity in ``sites.site_cost_sek``:
    the assessment is made per place, not per camera. The legal class is the option's own (by
    what it films, see :func:`siteplan.legal.classify_views`) where ``options`` has
    ``legal_class``, else its site's. Every class but ``stop_area`` needs paperwork
    (borderline views get the full 9 § assessment and a 10 § entry, with the exemption
    argument as an annex), and under ``kbl-2018`` every option.

    Parameters
    ----------
    options
        Camera options with ``site_id`` and ``model``, optionally ``legal_class``.
    sites
        Sites with ``legal_class``.
    models
        The camera catalogue.
    costs
        The scenario's ``costs`` section.
    budget
        The scenario's ``budget`` section (``horizon_years``).
    regime
        The camera-law regime id, e.g. ``"kbl-2025"``.

    Returns
    -------
    costs
        Indexed like `options`: ``capex_sek``, ``opex_sek_per_year``, ``cost_sek`` and
        ``paperwork`` (bool).

    Raises
    ------
    InputError
        If an option's model is not in the catalogue, or `sites` lacks ``legal_class``.
    """
    require(sites, ("legal_class",), name="sites", hint=_CLASSIFIED_SITES_HINT)
    catalogue = {m.model: m for m in models}
    unknown = sorted(set(options["model"]) - set(catalogue))
    if unknown:
        msg = f"options use camera model(s) {unknown} not in the catalogue {sorted(catalogue)}."
        raise InputError(msg)
    needs = _legal_classes(options, sites) != "stop_area"
    paperwork = np.ones(len(options), bool) if regime == "kbl-2018" else needs
    camera = options["model"].map({k: m.capex_sek for k, m in catalogue.items()}).to_numpy(float)
    opex = options["model"].map({k: m.opex_sek_per_year for k, m in catalogue.items()})
    capex = camera + costs.vms_licence_sek
    opex = opex.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "capex_sek": capex,
            "opex_sek_per_year": opex,
            "cost_sek": capex + opex * budget.horizon_years,
            "paperwork": paperwork,
        },
        index=options.index,
    )


def site_paperwork_sek(costs: CostsConfig, regime: str) -> float:
    """
    The legal paperwork of one place (site) in SEK, paid once whatever its number of cameras.

    ``paperwork_hours × hourly_rate_sek`` (the 9 § assessment and 10 § entry, or the permit
    application), plus ``permit_penalty_sek`` under the permit regimes (``kbl-2018``,
    ``kbl-2020``), where the cameras needing paperwork are those needing a permit.
    """
    permit = costs.permit_penalty_sek if regime in ("kbl-2018", "kbl-2020") else 0.0
    return float(costs.paperwork_hours * costs.hourly_rate_sek + permit)


def _legal_classes(options: pd.DataFrame, sites: pd.DataFrame) -> np.ndarray:
    """Each option's legal class: its own (by view) where known, else its site's."""
    by_site = sites["legal_class"].reindex(options["site_id"]).to_numpy(dtype=object)
    if "legal_class" not in options:
        return by_site
    own = options["legal_class"].to_numpy(dtype=object)
    known = pd.notna(own)
    return np.where(known, own, by_site)
