"""Camera coverage: candidate sites, visibility footprints, demand points, coverage and costs.

The steps, each a pure function on in-memory frames in the working CRS (metres):

1. :func:`candidate_sites` proposes where a camera could hang: street lamps, building
   facades, walk-network junctions, public-transport stops and evenly spaced points along
   the corridors (:mod:`siteplan.coverage.sites`).
2. :func:`camera_options` lists, for every site and camera model, a few azimuths and the
   ground footprint each would see: a wedge of the model's DORI range (a disc for 360°
   models), minus the blind zone under the camera, clipped by a ray-cast visibility polygon
   against the building footprints (:func:`visibility_polygon`, :func:`footprint`;
   :mod:`siteplan.coverage.options`, :mod:`siteplan.coverage.geometry`).
3. :func:`demand_points` samples the corridors every few metres; each point carries the
   corridor score times the length it stands for.
4. :func:`coverage_matrix` says which option sees which demand point.
5. :func:`option_costs` prices each option (camera, licence) and says if it needs its site's
   paperwork, priced once per site by :func:`site_paperwork_sek` (assessment, permit risk).
6. :func:`build_problem` chains the above into a :class:`~siteplan.problem.PlacementProblem`
   (:mod:`siteplan.coverage.problem`).

Speed: the rays of all sites are cast at once in numpy (each building edge is intersected
analytically with the rays it spans), and option footprints are built straight from those
ray distances, so no polygon is clipped per option. About 180 000 options for 11 000 sites
take 8-12 s on one core, the coverage matrix 2 s more (Linköping road network).

Geometry model and its limits: buildings are opaque and infinitely tall; the visibility
polygon is cast with ``n_rays`` rays (1° apart by default), so an obstacle narrower than the
gap between two rays can be missed; the blind zone under a camera is an assumption
(:func:`blind_zone_m`). See :mod:`siteplan.coverage.geometry`.
"""

from siteplan.coverage.geometry import (
    HEAD_HEIGHT_M,
    N_RAYS,
    blind_zone_m,
    footprint,
    visibility_polygon,
)
from siteplan.coverage.options import (
    AIM_SEARCH_M,
    AZIMUTH_DEDUPE_DEG,
    FACADE_MAX_TURN_DEG,
    camera_options,
    option_costs,
    site_paperwork_sek,
)
from siteplan.coverage.problem import build_problem, coverage_matrix, demand_points
from siteplan.coverage.sites import (
    DEDUPE_M,
    FACADE_NUDGE_M,
    LAMP_MOUNT_M,
    MIN_WALL_M,
    SNAP_M,
    SOURCE_PRIORITY,
    candidate_sites,
)

__all__ = [
    "AIM_SEARCH_M",
    "AZIMUTH_DEDUPE_DEG",
    "DEDUPE_M",
    "FACADE_MAX_TURN_DEG",
    "FACADE_NUDGE_M",
    "HEAD_HEIGHT_M",
    "LAMP_MOUNT_M",
    "MIN_WALL_M",
    "N_RAYS",
    "SNAP_M",
    "SOURCE_PRIORITY",
    "blind_zone_m",
    "build_problem",
    "camera_options",
    "candidate_sites",
    "coverage_matrix",
    "demand_points",
    "footprint",
    "option_costs",
    "site_paperwork_sek",
    "visibility_polygon",
]
