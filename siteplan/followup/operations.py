"""Camera operations per site: footage disclosures to the police and camera uptime.

Optional inputs a coordinator keeps (:mod:`siteplan.io.operations` reads them). Each camera
site is counted over its *active* days: from its first installation (or the period start, if
later) to the period end. Disclosures are counted there, with the share whose footage was used
in the case (among those where it is known) and the rate per 30 active days. Uptime is the
hours-weighted mean of the records overlapping the active days (camera and site records alike),
with the downtime hours it implies. Records naming no installed camera or site are counted, not
guessed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from siteplan.followup.result import Window

if TYPE_CHECKING:
    from siteplan.followup.economics import Period

__all__ = ["Operations", "SiteOperations", "operations"]


@dataclass(frozen=True)
class SiteOperations:
    """
    One camera site's disclosures and uptime over its active days.

    Attributes
    ----------
    site_id, n_cameras
        The site and its cameras installed by the period end.
    active, days
        From the first installation (or the period start) to the period end, and its days.
    n_disclosures, n_used, n_not_used, n_unknown
        Footage disclosures to the police in the active days, and how many were used in the
        case, not used, not known yet; None without a disclosures file.
    used_share
        Used / (used + not used); None when none is known.
    disclosures_per_30_days
        Disclosures per 30 active days.
    uptime_share
        Hours-weighted mean uptime of the records overlapping the active days; None without
        an uptime file or records.
    uptime_hours, downtime_hours
        Record hours in the active days and the hours down they imply (camera-hours for
        camera records); None without records.
    """

    site_id: str
    n_cameras: int
    active: Window
    days: int
    n_disclosures: int | None
    n_used: int | None
    n_not_used: int | None
    n_unknown: int | None
    used_share: float | None
    disclosures_per_30_days: float | None
    uptime_share: float | None
    uptime_hours: float | None
    downtime_hours: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {**asdict(self), "active": self.active.to_dict()}


@dataclass(frozen=True)
class Operations:
    """
    Disclosures and uptime per camera site and in total.

    Attributes
    ----------
    has_disclosures, has_uptime
        Which of the two files was given.
    sites
        Per camera site, sorted by id.
    n_disclosures, n_used, used_share, disclosures_per_30_days
        Totals over the sites (the rate per 30 active site-days); None without disclosures.
    uptime_share, downtime_hours
        Hours-weighted over all sites; None without uptime records.
    n_unmatched_disclosures, n_unmatched_uptime
        Rows naming no installed site or camera (left out).
    n_disclosures_outside
        Disclosures of a known site dated before its installation (left out; those outside
        the period are simply not part of this report).
    """

    has_disclosures: bool
    has_uptime: bool
    sites: tuple[SiteOperations, ...]
    n_disclosures: int | None
    n_used: int | None
    used_share: float | None
    disclosures_per_30_days: float | None
    uptime_share: float | None
    downtime_hours: float | None
    n_unmatched_disclosures: int
    n_unmatched_uptime: int
    n_disclosures_outside: int

    @property
    def given(self) -> bool:
        """Either file was given."""
        return self.has_disclosures or self.has_uptime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {**asdict(self), "sites": [s.to_dict() for s in self.sites]}


class _Tally(NamedTuple):
    """Disclosure counts per site, and the rows left out."""

    counts: pd.DataFrame
    n_unmatched: int
    n_outside: int


class _Uptime(NamedTuple):
    """Uptime per site (``share``, ``hours``, ``down``) and the rows left out."""

    per_site: pd.DataFrame
    n_unmatched: int


def _share(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def _site_of(frame: pd.DataFrame, camera_site: pd.Series, sites: pd.Index) -> pd.Series:
    """Each row's site: its ``site_id`` if installed, else its camera's site (else missing)."""
    by_site = frame["site_id"].where(frame["site_id"].isin(sites))
    by_cam = frame["camera_id"].map(camera_site)
    return by_site.fillna(by_cam)


def _active(installed_on: pd.Series, period: Period) -> pd.DataFrame:
    """Per site: ``installed``, ``start`` (that day or the period start), ``end``, ``days``."""
    installed = installed_on.dt.normalize()
    start = installed.clip(lower=pd.Timestamp(period.start))
    end = pd.Series(pd.Timestamp(period.end), index=installed_on.index)
    days = (end - start).dt.days + 1
    return pd.DataFrame({"installed": installed, "start": start, "end": end, "days": days})


def _disclosures(frame: pd.DataFrame, camera_site: pd.Series, active: pd.DataFrame) -> _Tally:
    """Disclosures per site in its active days: total, used, not used, unknown."""
    site = _site_of(frame, camera_site, active.index)
    known = site.notna()
    start = site.map(active["start"])
    end = site.map(active["end"])
    inside = known & (frame["date"] >= start) & (frame["date"] <= end)
    rows = frame.loc[inside].assign(site=site[inside])
    used = rows["case_used"]
    counts = pd.DataFrame(
        {
            "n": rows.groupby("site").size(),
            "used": used.eq(True).fillna(False).groupby(rows["site"]).sum(),
            "not_used": used.eq(False).fillna(False).groupby(rows["site"]).sum(),
        }
    ).reindex(active.index, fill_value=0)
    counts = counts.fillna(0).astype(int)
    counts["unknown"] = counts["n"] - counts["used"] - counts["not_used"]
    early = known & (frame["date"] < site.map(active["installed"]))
    return _Tally(counts, int((~known).sum()), int(early.sum()))


def _uptime(frame: pd.DataFrame, camera_site: pd.Series, active: pd.DataFrame) -> _Uptime:
    """Hours-weighted uptime per site over the record hours inside its active days."""
    site = _site_of(frame, camera_site, active.index)
    known = site.notna()
    rows = frame.loc[known]
    lo = np.maximum(rows["start"], site[known].map(active["start"]))
    hi = np.minimum(rows["end"], site[known].map(active["end"]))
    hours = ((hi - lo).dt.days + 1).clip(lower=0) * 24.0
    table = pd.DataFrame(
        {
            "site": site[known],
            "hours": hours,
            "up": hours * rows["uptime_share"],
        }
    )
    sums = table.groupby("site")[["hours", "up"]].sum().reindex(active.index, fill_value=0.0)
    sums["down"] = sums["hours"] - sums["up"]
    sums["share"] = (sums["up"] / sums["hours"]).where(sums["hours"] > 0)
    return _Uptime(sums, int((~known).sum()))


def _site_row(
    site: str,
    n_cameras: int,
    act: pd.Series,
    tally: _Tally | None,
    up: _Uptime | None,
) -> SiteOperations:
    """One site's line from the disclosure counts and uptime sums (either may be absent)."""
    days = int(act["days"])
    c = tally.counts.loc[site] if tally is not None else None
    u = up.per_site.loc[site] if up is not None else None
    has_up = u is not None and float(u["hours"]) > 0
    return SiteOperations(
        site_id=site,
        n_cameras=n_cameras,
        active=Window(act["start"].date(), act["end"].date()),
        days=days,
        n_disclosures=None if c is None else int(c["n"]),
        n_used=None if c is None else int(c["used"]),
        n_not_used=None if c is None else int(c["not_used"]),
        n_unknown=None if c is None else int(c["unknown"]),
        used_share=None if c is None else _share(c["used"], c["used"] + c["not_used"]),
        disclosures_per_30_days=None if c is None else float(30 * c["n"] / days),
        uptime_share=float(u["share"]) if has_up and u is not None else None,
        uptime_hours=float(u["hours"]) if has_up and u is not None else None,
        downtime_hours=float(u["down"]) if has_up and u is not None else None,
    )


def operations(
    disclosures: pd.DataFrame | None,
    uptime: pd.DataFrame | None,
    *,
    cameras: pd.DataFrame,
    period: Period,
) -> Operations:
    """
    Disclosures and uptime per camera site over its active days.

    Parameters
    ----------
    disclosures
        From :func:`siteplan.io.operations.load_disclosures`; None when not given.
    uptime
        From :func:`siteplan.io.operations.load_uptime`; None when not given.
    cameras
        The cameras installed by the period end, indexed by camera id, with ``site_id`` (their
        site; the camera's own id when missing) and ``installed_on``.
    period
        The report period.

    Returns
    -------
    operations
        Per site and in total; empty (``given`` false) when neither file was given.
    """
    cams = pd.DataFrame(
        {"site_id": cameras["site_id"].astype(str), "installed_on": cameras["installed_on"]},
        index=cameras.index.astype(str),
    )
    camera_site = cams["site_id"]
    sites = cams.groupby("site_id")
    active = _active(sites["installed_on"].min(), period).sort_index()
    n_cams = sites.size()
    tally = None if disclosures is None else _disclosures(disclosures, camera_site, active)
    up = None if uptime is None else _uptime(uptime, camera_site, active)
    rows = tuple(_site_row(str(s), int(n_cams[s]), active.loc[s], tally, up) for s in active.index)
    return _total(rows, tally, up)


def _total(
    rows: tuple[SiteOperations, ...], tally: _Tally | None, up: _Uptime | None
) -> Operations:
    """The totals over the sites' lines."""
    n = used = None
    used_share = rate = share = down = None
    if tally is not None:
        c = tally.counts
        n, used = int(c["n"].sum()), int(c["used"].sum())
        used_share = _share(used, used + int(c["not_used"].sum()))
        rate = _share(30 * n, sum(r.days for r in rows))
    if up is not None and float(up.per_site["hours"].sum()) > 0:
        sums = up.per_site.sum()
        share = float(sums["up"] / sums["hours"])
        down = float(sums["down"])
    return Operations(
        has_disclosures=tally is not None,
        has_uptime=up is not None,
        sites=rows if tally is not None or up is not None else (),
        n_disclosures=n,
        n_used=used,
        used_share=used_share,
        disclosures_per_30_days=rate,
        uptime_share=share,
        downtime_hours=down,
        n_unmatched_disclosures=0 if tally is None else tally.n_unmatched,
        n_unmatched_uptime=0 if up is None else up.n_unmatched,
        n_disclosures_outside=0 if tally is None else tally.n_outside,
    )
