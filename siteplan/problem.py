"""The placement problem: camera options, sites, demand points and who covers whom.

Built by :func:`siteplan.coverage.build_problem`, solved by
:class:`siteplan.placement.CameraPlacement`. Pure data: no solving here.

The model it states::

    maximise   sum_j w_j z_j                            (covered demand weight)
    subject to z_j <= sum_{o covers j} x_o               (a point counts once, if covered)
               sum_o c_o x_o + sum_s (f_s y_s + g_s q_s) <= B
                                                         (budget; f_s and g_s once per site)
               x_o <= y_site(o)                          (a camera needs its site)
               x_o <= q_site(o)  for o with paperwork    (its site's legal paperwork)
               sum_{o in slot} x_o <= 1                  (one azimuth per camera slot)
               x, y, q binary; 0 <= z <= 1

``f_s`` is the site's mount and connectivity, ``g_s`` its legal paperwork (the 9 § assessment
and 10 § entry, or a permit application): one per place, paid when any camera there films
beyond the exempt stop area. Both columns are optional: without ``paperwork`` every option
is priced as given and ``g_s = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from siteplan.errors import InputError

__all__ = [
    "OPTION_COLUMNS",
    "OPTION_PAPERWORK",
    "SITE_COLUMNS",
    "SITE_PAPERWORK",
    "PlacementProblem",
]

#: Columns of `PlacementProblem.options` (index `option_id`, geometry = visibility footprint).
OPTION_COLUMNS = (
    "site_id",  # str, index into `sites`
    "slot_id",  # str; at most one option per slot is chosen (slot = one camera position)
    "model",  # camera model name from the scenario catalogue
    "azimuth_deg",  # compass bearing of the optical axis, 0 = north, clockwise; NaN for 360°
    "hfov_deg",
    "range_m",  # ground range used for the footprint
    "mount",  # lamp_post | facade | new_pole
    "legal_class",  # stop_area | stop_area_borderline | general
    "area",  # priority area name or None
    "capex_sek",  # camera + VMS licence (+ paperwork for general sites)
    "opex_sek_per_year",
    "cost_sek",  # option's own cost over the horizon, excluding the shared site costs
)

#: Optional option column: True where the option needs its site's legal paperwork.
OPTION_PAPERWORK = "paperwork"
#: Optional site column: the site's legal paperwork in SEK, paid once if any option needs it.
SITE_PAPERWORK = "paperwork_sek"

#: Columns of `PlacementProblem.sites` (index `site_id`, geometry = Point).
SITE_COLUMNS = (
    "mount",
    "source",  # lamp | facade | junction | stop | spacing | installed
    "area",
    "legal_class",
    "site_cost_sek",  # mount installation + connectivity, paid once if any camera is placed
)


@dataclass(frozen=True)
class PlacementProblem:
    """
    A budgeted maximum-coverage instance.

    Attributes
    ----------
    options
        Camera options, one row per (site, model, azimuth); index ``option_id``.
    sites
        Candidate sites; index ``site_id``.
    demand
        Demand points; index ``demand_id``; columns ``corridor_id``, ``weight``, ``area``,
        ``legal_class``.
    coverage
        Sparse boolean matrix, options × demand points: True where the option sees the point.
    fixed
        Option ids that must be chosen (cameras already installed).
    excluded
        Option ids that must not be chosen (exclusion layer, policy filters).
    """

    options: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    coverage: sp.csr_matrix
    fixed: frozenset[str] = field(default_factory=frozenset)
    excluded: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        n_opt, n_dem = self.coverage.shape
        if n_opt != len(self.options) or n_dem != len(self.demand):
            msg = (
                f"coverage matrix is {n_opt} x {n_dem} but there are {len(self.options)} options "
                f"and {len(self.demand)} demand points."
            )
            raise InputError(msg)
        missing = [c for c in OPTION_COLUMNS if c not in self.options.columns]
        missing += [c for c in SITE_COLUMNS if c not in self.sites.columns]
        if missing:
            msg = f"PlacementProblem lacks columns {missing}."
            raise InputError(msg)
        unknown_sites = set(self.options["site_id"]) - set(self.sites.index)
        if unknown_sites:
            example = sorted(unknown_sites)[:3]
            msg = f"options refer to {len(unknown_sites)} unknown site ids, e.g. {example}."
            raise InputError(msg)

    @property
    def weights(self) -> np.ndarray:
        """Demand weights as a float array aligned with the coverage columns."""
        return self.demand["weight"].to_numpy(dtype=float)

    @property
    def option_cost_sek(self) -> np.ndarray:
        """Each option's own cost (excluding the shared site cost)."""
        return self.options["cost_sek"].to_numpy(dtype=float)

    @property
    def site_index(self) -> np.ndarray:
        """For each option, the position of its site in `sites`."""
        return self.sites.index.get_indexer(self.options["site_id"])

    @property
    def site_cost_sek(self) -> np.ndarray:
        """Shared cost of each site, aligned with `sites`."""
        return self.sites["site_cost_sek"].to_numpy(dtype=float)

    @property
    def option_paperwork(self) -> np.ndarray:
        """For each option, True where it needs its site's paperwork (all False if unset)."""
        if OPTION_PAPERWORK not in self.options.columns:
            return np.zeros(len(self.options), dtype=bool)
        return self.options[OPTION_PAPERWORK].fillna(False).to_numpy(dtype=bool)

    @property
    def site_paperwork_sek(self) -> np.ndarray:
        """Legal paperwork of each site in SEK, paid once (zeros if unset)."""
        if SITE_PAPERWORK not in self.sites.columns:
            return np.zeros(len(self.sites))
        return self.sites[SITE_PAPERWORK].fillna(0.0).to_numpy(dtype=float)

    def plan_cost_sek(self, pos: np.ndarray) -> float:
        """
        Cost in SEK of the options at rows `pos`.

        Their own costs, plus each site's shared cost once and its paperwork once if a chosen
        option there needs it.
        """
        pos = np.asarray(pos, dtype=np.int64)
        site = self.site_index[pos]
        paper = site[self.option_paperwork[pos]]
        return float(
            self.option_cost_sek[pos].sum()
            + self.site_cost_sek[np.unique(site)].sum()
            + self.site_paperwork_sek[np.unique(paper)].sum()
        )

    def slot_codes(self) -> np.ndarray:
        """Integer code of each option's slot."""
        return pd.factorize(self.options["slot_id"], sort=True)[0]
