"""The scenario: every choice a plan depends on, validated once (pydantic, frozen).

A scenario is a TOML file with the groups ``study_area``, ``inputs``, ``legal``, ``corridors``,
``scoring``, ``cameras``, ``costs``, ``coverage``, ``budget``, ``placement``, ``privacy``,
``output``, ``measures`` and ``portfolio``. Unknown keys are errors with a "did you mean"
suggestion. Paths are relative to the scenario file. :func:`load_scenario` reports every
problem at once, each with its key path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args, get_origin, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from siteplan.crs import parse_crs
from siteplan.errors import ScenarioError

__all__ = [
    "DORI_PPM",
    "BudgetConfig",
    "CameraModel",
    "CorridorsConfig",
    "CostsConfig",
    "CoverageConfig",
    "EffectPrior",
    "FollowupConfig",
    "IncidentColumns",
    "InputsConfig",
    "LegalConfig",
    "MeasureConfig",
    "OutputConfig",
    "PlacementConfig",
    "PortfolioConfig",
    "PrivacyConfig",
    "Scenario",
    "ScoringConfig",
    "StudyArea",
    "SweepConfig",
    "SweepRange",
    "load_scenario",
    "scenario_from_dict",
    "scenario_reference",
]

#: DORI pixel densities in pixels per metre (IEC EN 62676-4:2015).
DORI_PPM: dict[str, float] = {
    "detect": 25.0,
    "observe": 62.0,
    "recognise": 125.0,
    "identify": 250.0,
}

Regime = Literal["kbl-2018", "kbl-2020", "kbl-2025"]
Purpose = Literal["crime", "order", "accident", "trygghet"]
Mount = Literal["lamp_post", "facade", "new_pole"]
MeasureKind = Literal["camera", "lighting", "help_point", "vegetation", "custom"]
MeasureUnit = Literal["m", "lamp", "site", "camera"]
MeasureHours = Literal["all", "darkness"]
Evidence = Literal["strong", "moderate", "weak"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class StudyArea(_Section):
    """Name, working CRS and time zone of the study."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    """Short name of the study, used for the default output folder (letters, digits, . _ -)."""
    title: str | None = None
    """Title shown on the map and the reports; the name when unset."""
    crs: str = "EPSG:3006"
    """Working CRS: any projected CRS in metres (EPSG:3006, SWEREF 99 TM, for Sweden)."""
    timezone: str = "Europe/Stockholm"
    """IANA time zone of the incident times (Europe/Stockholm)."""
    fictional: bool = False
    """Mark every output as fictional data (the sample town)."""

    @field_validator("name")
    @classmethod
    def _name_is_not_a_path(cls, value: str) -> str:
        if set(value) == {"."}:
            msg = (
                f"{value!r} is not a usable name: it names a folder; use letters, e.g. 'linkoping'"
            )
            raise ValueError(msg)
        return value

    @field_validator("crs")
    @classmethod
    def _crs_is_metric(cls, value: str) -> str:
        parse_crs(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _tz_known(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            msg = f"unknown time zone {value!r}; use an IANA name such as 'Europe/Stockholm'"
            raise ValueError(msg) from err
        return value


class IncidentColumns(_Section):
    """How to read an incident file whose columns differ from siteplan's own schema."""

    id: str = "id"
    """Column with a unique incident id."""
    time: str = "occurred_at"
    """Column with the time of the incident. "none": the file has no times; then there are
    no hour-of-day or recency weights, no hold-out evaluation and no before/after follow-up
    (``occurred_at`` is empty, with a warning)."""
    time_format: str | None = None
    """strftime format of the time column; None: ISO 8601 and common formats."""
    category: str = "category"
    """Column with the incident category (matched against scoring.severity). "none": the
    file has no categories; every incident gets one category ("Okänd", weighted by
    scoring.default_severity), with a warning."""
    allow_future: bool = False
    """Accept incidents dated after the day the file is loaded (e.g. planned events);
    otherwise such rows are an error, as they usually are a date typo."""
    lat: str | None = "lat"
    """Column with the latitude (with lon; in coord_crs)."""
    lon: str | None = "lon"
    """Column with the longitude (with lat; in coord_crs)."""
    x: str | None = None
    """Column with the x coordinate (instead of lat/lon; in coord_crs)."""
    y: str | None = None
    """Column with the y coordinate (instead of lat/lon; in coord_crs)."""
    coord_crs: str = "EPSG:4326"
    """CRS of the coordinate columns."""
    encoding: str | None = None
    """Encoding of a CSV file, e.g. "cp1252" for a Swedish spreadsheet export; None: UTF-8."""
    area_text: list[str] | None = None
    """Columns searched for an area name when a row has no usable coordinates."""
    placeholder_lonlat: list[tuple[float, float]] | None = None
    """(lon, lat) points the source puts on rows it cannot place (e.g. a municipality or
    county centroid); one pair is accepted too."""

    @field_validator("placeholder_lonlat", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(isinstance(v, int | float) for v in value)
        ):
            return [tuple(value)]
        return value


class InputsConfig(_Section):
    """Input files (relative to the scenario file) and how to read them."""

    osm: Path
    """Walk network: .osm, .osm.bz2, .osm.pbf or .graphml (or road lines as GeoJSON/GeoPackage)."""
    gtfs: Path | None = None
    """GTFS feed: a zip or a folder. None: stops from OSM (bus stops, platforms, stop
    positions; routes from route relations) with a warning; departures are then unknown and
    footfall uses a proxy of 2 departures per hour by day per route."""
    incidents: Path
    """Incidents: CSV, GeoJSON, GeoPackage or Parquet."""
    areas: Path | None = None
    """Priority areas: polygons with a name column."""
    areas_name_column: str = "name"
    """Column of the areas file with the area name."""
    incident_columns: IncidentColumns = IncidentColumns()
    """How to read the incident file's columns."""
    gtfs_service_date: dt.date | None = None
    """Day whose departures count for footfall; None: a typical weekday of the feed."""
    installed_cameras: Path | None = None
    """Cameras already installed (cameras.csv schema): kept and counted in the plan."""
    exclusion: Path | None = None
    """Polygons where no camera may be placed."""
    perceived: Path | None = None
    """Places reported as unsafe (safety walks, surveys, citizen reports): points, lines or
    polygons with a weight and a date; a perceived-safety demand of its own. None: no layer."""
    perceived_weight_column: str = "weight"
    """Column of the perceived-safety file with each place's weight."""
    perceived_date_column: str | None = "date"
    """Column of the perceived-safety file with the date of the report; None: no dates."""


def _default_purposes() -> list[Purpose]:
    return ["crime", "order"]


#: First and last day in force of each regime (None: still in force).
_REGIME_DATES: Mapping[str, tuple[dt.date, dt.date | None]] = MappingProxyType(
    {
        "kbl-2018": (dt.date(2018, 8, 1), dt.date(2020, 7, 31)),
        "kbl-2020": (dt.date(2020, 8, 1), dt.date(2025, 3, 31)),
        "kbl-2025": (dt.date(2025, 4, 1), None),
    }
)


class LegalConfig(_Section):
    """Camera-law regime and the assumptions where the statute gives no number."""

    plan_date: dt.date = Field(default_factory=dt.date.today)
    """Date of the plan; decides the camera-law regime unless legal.regime is set."""
    regime: Regime | None = None
    """Camera-law regime to apply; None: the one in force on plan_date."""
    stop_area_radius_m: PositiveFloat = 25.0
    """Assumed radius of a stop area around each platform of a served stop (no law says)."""
    strak_max_walk_m: PositiveFloat = 400.0
    """Longest walk between two stops that counts as a stråk (walkway between stops)."""
    strak_policy: Literal["borderline", "exempt", "general"] = "borderline"
    """How stråk are classed: borderline (legal review), exempt or general."""
    purposes: list[Purpose] = Field(default_factory=_default_purposes, min_length=1)
    """Purposes of the surveillance (8 § kamerabevakningslagen)."""
    exempt_view_share: float = Field(default=1.0, gt=0.0, le=1.0)
    """Assumed share of a camera's view that must lie inside stop areas for the exemption."""
    near_zone_m: PositiveFloat = 50.0
    """Assumed near-zone around a camera's view: packs list its incidents apart from the view's."""
    historical: bool = False
    """Allow a legal.regime not in force on plan_date (a historical comparison)."""
    mask_views: bool = False
    """Also offer each partly exempt view masked to the stop area (coverage loss reported)."""

    @model_validator(mode="after")
    def _regime_in_force(self) -> LegalConfig:
        if self.regime is None or self.historical:
            return self
        in_force = _REGIME_DATES[self.regime]
        start, end = in_force
        if self.plan_date < start or (end is not None and self.plan_date > end):
            until = end.isoformat() if end is not None else "today"
            msg = (
                f"legal.regime = {self.regime!r} was not in force on legal.plan_date = "
                f"{self.plan_date.isoformat()} (in force {start.isoformat()} – {until}). "
                "Remove legal.regime to use the regime of plan_date, change plan_date, or set "
                "legal.historical = true for a historical comparison."
            )
            raise ValueError(msg)
        return self

    @property
    def effective_regime(self) -> Regime:
        """The regime named, or the one in force on `plan_date`."""
        if self.regime is not None:
            return self.regime
        if self.plan_date >= dt.date(2025, 4, 1):
            return "kbl-2025"
        if self.plan_date >= dt.date(2020, 8, 1):
            return "kbl-2020"
        return "kbl-2018"


class CorridorsConfig(_Section):
    """How the walk network is cut into corridor segments."""

    max_length_m: PositiveFloat = 50.0
    """Longest corridor segment; longer walkways are cut."""


def _default_severity() -> dict[str, float]:
    return {
        "Mord/dråp": 10.0,
        "Mord/dråp, försök": 8.0,
        "Rån": 5.0,
        "Misshandel": 4.0,
        "Misshandel, grov": 6.0,
        "Våldtäkt": 6.0,
        "Hot": 3.0,
        "Skottlossning": 8.0,
        "Narkotikabrott": 2.0,
        "Brand": 2.0,
        "Skadegörelse": 1.5,
        "Stöld": 1.0,
        "Ordningslagen": 1.0,
        "Fylleri/LOB": 1.0,
    }


def _default_weights() -> dict[Literal["incidents", "area_incidents", "footfall"], float]:
    return {"incidents": 0.7, "area_incidents": 0.1, "footfall": 0.2}


def _default_time_weights() -> list[float]:
    # Hours 0-23: nights and evenings weigh more than daytime.
    return [2.0] * 4 + [1.5] * 2 + [1.0] * 12 + [1.5] * 3 + [2.0] * 3


class ScoringConfig(_Section):
    """Weights and kernels of the corridor score, and the hold-out evaluation."""

    bandwidth_m: PositiveFloat | Literal["cv"] = 75.0
    """Bandwidth of the incident kernel, or "cv" to choose it by cross-validation."""
    bandwidth_candidates_m: list[PositiveFloat] = Field(
        default_factory=lambda: [25.0, 50.0, 75.0, 100.0, 150.0, 200.0]
    )
    """Bandwidths tried when bandwidth_m is "cv"."""
    raster_cell_m: PositiveFloat = 10.0
    """Cell size of the heat raster."""
    severity: dict[str, NonNegativeFloat] = Field(default_factory=_default_severity)
    """Weight of each incident category."""
    default_severity: NonNegativeFloat = 1.0
    """Weight of a category not listed in severity."""
    hour_weights: list[NonNegativeFloat] = Field(
        default_factory=_default_time_weights, min_length=24, max_length=24
    )
    """Weight of each hour of the day (24 values, hour 0 first)."""
    half_life_days: PositiveFloat | None = 365.0
    """Recency half-life of an incident's weight; None: no decay."""
    footfall_decay_m: PositiveFloat = 150.0
    """Distance over which a stop's footfall halves along the walk network."""
    footfall_max_walk_m: PositiveFloat = 400.0
    """Farthest walk from a stop that gets its footfall."""
    weights: dict[Literal["incidents", "area_incidents", "footfall"], NonNegativeFloat] = Field(
        default_factory=_default_weights
    )
    """Weights of the score components."""
    evaluation_cut_date: dt.date | None = None
    """Incidents before this date train the score, later ones test it (default: last 25 %)."""

    @field_validator("weights")
    @classmethod
    def _some_weight(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or sum(value.values()) <= 0:
            msg = "at least one component weight must be > 0"
            raise ValueError(msg)
        return value


class CameraModel(_Section):
    """One camera model of the catalogue."""

    model: str = Field(min_length=1)
    """Name of the model (unique in the catalogue)."""
    horizontal_px: PositiveInt
    """Horizontal resolution of the sensor."""
    hfov_deg: float = Field(gt=0, le=360)
    """Horizontal field of view (360 for a panoramic camera)."""
    level: Literal["detect", "observe", "recognise", "identify"] = "recognise"
    """DORI level the camera must reach (EN 62676-4); decides its range."""
    mount_height_m: float = Field(default=4.5, gt=0, le=30)
    """Mounting height above the ground."""
    capex_sek: NonNegativeFloat
    """Purchase and installation cost of one camera."""
    opex_sek_per_year: NonNegativeFloat = 0.0
    """Running cost of one camera per year."""
    max_range_m: PositiveFloat | None = None
    """Optional cap on range, e.g. from lens or lighting; the DORI range applies otherwise."""

    @property
    def is_360(self) -> bool:
        """True for panoramic (360°) models, whose footprint is a disc."""
        return self.hfov_deg >= 360

    @property
    def range_m(self) -> float:
        """Horizontal range at the required DORI level (flat model), before the height cut."""
        ppm = DORI_PPM[self.level]
        if self.is_360:
            # A panoramic sensor spreads its pixels over the circumference at range d.
            d = self.horizontal_px / (2 * math.pi * ppm)
        else:
            d = self.horizontal_px / (2 * ppm * math.tan(math.radians(self.hfov_deg) / 2))
        return min(d, self.max_range_m) if self.max_range_m else d

    @property
    def ground_range_m(self) -> float:
        """Ground reach to a head at 1.7 m: sqrt(r² − (h − 1.7)²), 0 if out of reach."""
        dh = max(self.mount_height_m - 1.7, 0.0)
        r = self.range_m
        return math.sqrt(r * r - dh * dh) if r > dh else 0.0


def _default_mounts() -> dict[Mount, float]:
    return {"lamp_post": 17_500.0, "facade": 10_000.0, "new_pole": 45_000.0}


class CostsConfig(_Section):
    """Cost model in SEK (typical Swedish municipal prices; override with procurement data)."""

    mount_sek: dict[Mount, NonNegativeFloat] = Field(default_factory=_default_mounts)
    """Cost of a mount by type (lamp_post, facade, new_pole)."""
    connectivity_sek: NonNegativeFloat = 10_000.0
    """Cost of power and network for a new site."""
    connectivity_opex_sek_per_year: NonNegativeFloat = 0.0
    """Running cost of a site's connection per year."""
    vms_licence_sek: NonNegativeFloat = 2_000.0
    """Video-management licence per camera."""
    paperwork_hours: NonNegativeFloat = 16.0
    """Hours of legal paperwork per site where the regime asks for it."""
    hourly_rate_sek: NonNegativeFloat = 750.0
    """Hourly rate of the paperwork."""
    permit_penalty_sek: NonNegativeFloat = 15_000.0
    """kbl-2020 only: lead time and refusal risk of an IMY permit, per general site."""


def _default_site_sources() -> list[Literal["lamps", "facades", "junctions", "stops", "spacing"]]:
    return ["lamps", "facades", "junctions", "stops", "spacing"]


class CoverageConfig(_Section):
    """Candidate sites, azimuths and the demand sampling."""

    sample_step_m: PositiveFloat = 5.0
    """Spacing of the demand points along the corridors."""
    azimuths_per_site: PositiveInt = 8
    """Camera directions tried per site."""
    corridor_spacing_m: PositiveFloat = 50.0
    """Spacing of candidate sites along corridors without other sites."""
    site_sources: list[Literal["lamps", "facades", "junctions", "stops", "spacing"]] = Field(
        default_factory=_default_site_sources
    )
    """Where candidate sites come from."""
    facade_spacing_m: PositiveFloat = 40.0
    """Spacing of candidate sites along building facades."""
    facade_max_distance_m: PositiveFloat = 15.0
    """Farthest a facade may be from a corridor to carry a site."""
    max_sites: PositiveInt | None = None
    """Keep at most this many candidate sites (the best by nearby demand); None: all."""
    min_demand_weight: NonNegativeFloat = 0.0
    """Drop demand points lighter than this."""


class BudgetConfig(_Section):
    """Budget and the horizon over which operating costs count."""

    total_sek: PositiveFloat = 500_000.0
    """Budget of the plan."""
    horizon_years: NonNegativeFloat = 1.0
    """Years of running costs counted against the budget."""


class PlacementConfig(_Section):
    """Optimiser options."""

    method: Literal["auto", "milp", "greedy"] = "auto"
    """auto: greedy, bounds and MILP as needed; milp: exact MILP; greedy: heuristic only."""
    time_limit_s: PositiveFloat = Field(
        default=60.0,
        description=(
            "Safety net on the solve's wall-clock time, in seconds. The work limits below "
            "decide the plan; if this limit is hit first, the status says 'time_limit'."
        ),
    )
    mip_gap: float = Field(default=1e-3, ge=0, lt=1)
    """Relative optimality gap at which the solver stops."""
    threads: int = Field(
        default=1,
        ge=1,
        description=(
            "Threads for the HiGHS solver. Results are reproducible for a fixed thread count."
        ),
    )
    local_search_moves: int = Field(
        default=1000,
        ge=0,
        description=(
            "Work limit (0 skips the step): swap moves of the local search after the greedy."
        ),
    )
    lagrangian_iterations: int = Field(
        default=3000,
        ge=0,
        description=(
            "Work limit (0 skips the step): subgradient iterations of the Lagrangian bound."
        ),
    )
    lp_iterations: int = Field(
        default=1_000_000,
        ge=0,
        description=(
            "Work limit (0 skips the step): "
            "simplex (or interior-point) iterations per LP relaxation."
        ),
    )
    rins_nodes: int = Field(
        default=2_000,
        ge=0,
        description=(
            "Work limit (0 skips the step): "
            "branch-and-bound nodes of the MILP near the LP solution."
        ),
    )
    proof_nodes: int = Field(
        default=20_000,
        ge=0,
        description=(
            "Work limit (0 skips the step): branch-and-bound nodes of the MILP that closes the gap."
        ),
    )
    budget_dual_steps: int = Field(
        default=12,
        ge=0,
        description=(
            "Work limit (0 skips the step): priced MILPs (the budget row dualised at a price "
            "per SEK) of the search for the budget-dual bound, which holds at every budget."
        ),
    )
    frontier_proven_gap: float = Field(
        default=0.005,
        ge=0,
        lt=1,
        description=(
            "Budget frontier: a point whose optimality gap is above this share is marked "
            "not proven (its bound is shown instead of a gap)."
        ),
    )
    stop_area_only: bool = False
    """Only sites whose camera films a stop area (no permit or assessment)."""
    min_cameras_per_area: dict[str, int] = Field(default_factory=dict)
    """Least number of cameras per priority area."""
    min_share_per_area: dict[str, float] = Field(default_factory=dict)
    """Least share of each priority area's demand to cover."""
    frontier_budgets_sek: list[PositiveFloat] = Field(
        default_factory=lambda: [100_000.0 * k for k in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20)]
    )
    """Budgets of the budget frontier."""
    seed: int = 0
    """Seed of the solver's and heuristics' randomness."""


class PrivacyConfig(_Section):
    """Aggregation of personal data in shared outputs."""

    min_count: PositiveInt = 5
    """k: a map cell or area shows incidents only when it holds at least this many."""
    grid_m: PositiveFloat = 100.0
    """Cell size of the privacy grid that incidents are aggregated on."""


class OutputConfig(_Section):
    """Language and output options."""

    language: Literal["sv", "en"] = "sv"
    """Language of the outputs."""
    dir: Path | None = None
    """Default output folder; None: maps/<study_area.name>."""
    self_contained: bool = False
    """Inline every JavaScript/CSS asset in map.html (works offline)."""
    tiles: str = "OpenStreetMap"
    """Base map tiles for the HTML map; "none" for no base map (the fictional sample)."""
    retention_days: PositiveInt = 3
    """Days recordings are kept (written in the paperwork)."""


class FollowupConfig(_Section):
    """The follow-up of installed cameras: inference, windows, money and storage sizing."""

    min_treated_sites: PositiveInt = 10
    """Fewer camera sites than this cannot show an effect either way; the report says so."""
    placebo_draws: PositiveInt = 1999
    """Random placebo assignments when there are too many to enumerate."""
    bootstrap_draws: PositiveInt = 999
    """Draws of the wild cluster bootstrap (clustered by camera site)."""
    seed: int = 0
    """Seed of the placebo and bootstrap draws."""
    max_after_days: PositiveInt = 365
    """Longest after-window of a site, from the day after its installation."""
    match_months: PositiveInt = 12
    """Months before every before-period on which controls are matched."""
    investment_budget_sek: NonNegativeFloat | None = None
    """Budget line for investment; None: budget.total_sek less the running budget."""
    running_budget_sek: NonNegativeFloat | None = None
    """Budget line for running costs; None: no separate running budget."""
    depreciation_years: PositiveFloat = 5.0
    """Straight-line depreciation life of the investment."""
    planned_investment_sek: NonNegativeFloat | None = None
    """The year's planned investment; None: the installed-cameras file's capex_sek."""
    contract_years: PositiveFloat = 4.0
    """Contract period of the framework agreement, operation included."""
    contract_options_sek: NonNegativeFloat = 0.0
    """Value of the contract's options and extensions."""
    direct_procurement_threshold_sek: PositiveFloat | None = None
    """Direct-procurement threshold (direktupphandlingsgräns) to compare the contract value with;
    None: no check."""
    threshold_year: int | None = None
    """Year of the threshold value given (stated in the report)."""
    threshold_source: str | None = None
    """Source of the threshold value given (stated in the report)."""
    frame_rate_fps: PositiveFloat = 15.0
    """Recorded frames per second, for the storage sizing."""
    codec: Literal["h264", "h265", "mjpeg"] = "h265"
    """Video codec, for the storage sizing."""
    scene_activity: Literal["low", "medium", "high"] = "medium"
    """How much moves in the scene (drives the bit rate), for the storage sizing."""
    vertical_px: PositiveInt | None = None
    """None: each camera model's horizontal_px at 16:9."""
    retention_days: PositiveInt | None = None
    """None: output.retention_days."""
    interventions: Path | None = None
    """Polygons of other interventions (police cameras, guard deployments), relative to the
    scenario file: units touching them are never controls. None: no such layer."""


class EffectPrior(_Section):
    """The effect prior of a measure: a relative reduction, its 95 % interval and its source.

    Given in a scenario, it replaces the kind's built-in prior as a whole.
    """

    reduction: float = Field(ge=-1.0, le=1.0)
    """Expected relative reduction of the incidents the measure acts on (0.13: 13 % fewer;
    negative: an increase)."""
    low: float | None = Field(default=None, ge=-1.0, le=1.0)
    """Lower end of the 95 % interval of the reduction; None: the reduction (no uncertainty)."""
    high: float | None = Field(default=None, ge=-1.0, le=1.0)
    """Upper end of the 95 % interval of the reduction; None: the reduction (no uncertainty)."""
    source: str = Field(default="set in the scenario", min_length=1)
    """Citation of the study the prior comes from, shown in the report."""
    evidence: Evidence = "weak"
    """Strength of the evidence behind the prior (weak: "svagt underlag")."""

    @model_validator(mode="after")
    def _ordered(self) -> EffectPrior:
        low = self.reduction if self.low is None else self.low
        high = self.reduction if self.high is None else self.high
        if not low <= self.reduction <= high:
            msg = (
                f"the interval must hold the reduction: low ≤ reduction ≤ high; found low = "
                f"{low}, reduction = {self.reduction}, high = {high}"
            )
            raise ValueError(msg)
        return self


#: Units each measure kind may be priced in.
_KIND_UNITS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "camera": ("camera",),
        "lighting": ("lamp", "m"),
        "help_point": ("site",),
        "vegetation": ("m",),
        "custom": ("m", "site"),
    }
)


class MeasureConfig(_Section):
    """A safety measure the portfolio may choose; unset keys come from the kind's default.

    The built-in defaults (costs, reach, hours and the cited effect prior of each kind) are
    listed in docs/measures.md.
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    """Unique name of the measure (letters, digits, _ and -), used in option ids."""
    kind: MeasureKind
    """camera (cameras come from [[cameras]]; only the effect prior is used), lighting,
    help_point, vegetation or custom."""
    title: str | None = None
    """Title in maps and reports; None: the kind's default title."""
    unit: MeasureUnit | None = None
    """What capex_sek and opex_sek_per_year are per: m (metre of corridor), lamp, site or
    camera; lighting takes lamp (new lamps in dark gaps) or m (the whole corridor relit),
    help_point site, vegetation m, custom m or site. None: the kind's default."""
    capex_sek: NonNegativeFloat | None = None
    """Investment per unit; None: the kind's default (not allowed for kind camera; needed
    when unit is set)."""
    opex_sek_per_year: NonNegativeFloat | None = None
    """Running cost per unit and year; None: the kind's default (not allowed for kind camera;
    needed when unit is set)."""
    reach_m: PositiveFloat | None = None
    """Site measures: radius around the site within which it acts; None: the kind's default."""
    categories: list[str] | None = Field(default=None, min_length=1)
    """Incident categories the measure acts on; None: the kind's default (all categories)."""
    hours: MeasureHours | None = None
    """When the measure acts: all hours, or darkness (sunset to sunrise at the study area's
    latitude and date); None: the kind's default (darkness for lighting)."""
    effect: EffectPrior | None = None
    """The effect prior; None: the kind's built-in prior with its citation."""
    perceived_effect: float | None = Field(default=None, ge=0.0, le=1.0)
    """Share (0–1) of the perceived-safety demand along its reach that the measure addresses;
    None: the kind's default."""
    lamp_spacing_m: PositiveFloat | None = None
    """Lighting only: new lamps are placed this far apart, and a corridor stretch farther than
    half of it from every street lamp is dark; None: the default (30 m)."""

    @model_validator(mode="after")
    def _fits_kind(self) -> MeasureConfig:
        if self.kind == "camera":
            priced = [
                key
                for key in ("unit", "capex_sek", "opex_sek_per_year", "reach_m")
                if getattr(self, key) is not None
            ]
            if priced:
                msg = (
                    f"kind 'camera' takes no {', '.join(priced)}: cameras, their costs and "
                    "reach come from [[cameras]] and [costs]; set only its effect here"
                )
                raise ValueError(msg)
        if self.unit is not None and self.unit not in _KIND_UNITS[self.kind]:
            msg = (
                f"unit {self.unit!r} does not fit kind {self.kind!r}; use one of "
                f"{list(_KIND_UNITS[self.kind])}"
            )
            raise ValueError(msg)
        if self.unit is not None and (self.capex_sek is None or self.opex_sek_per_year is None):
            msg = (
                f"unit = {self.unit!r} needs its own capex_sek and opex_sek_per_year: the "
                "built-in prices are per the kind's default unit"
            )
            raise ValueError(msg)
        if self.lamp_spacing_m is not None and self.kind != "lighting":
            msg = f"lamp_spacing_m is for kind 'lighting' only, not {self.kind!r}"
            raise ValueError(msg)
        if self.kind == "custom" and (self.capex_sek is None or self.effect is None):
            msg = "a custom measure needs its own capex_sek and effect (no built-in values)"
            raise ValueError(msg)
        return self


class PortfolioConfig(_Section):
    """How the measures of [[measures]] are chosen together under the budget."""

    objective: Literal["coverage", "prevented"] = "coverage"
    """Which plan the cameras, paperwork and bill describe. coverage: the camera plan of
    [placement] (weighted demand covered), the portfolio shown beside it; prevented: the
    portfolio's mix (expected severity-weighted incidents prevented, measures on one stretch
    combining multiplicatively), its measures billed with the cameras."""
    perceived_weight: NonNegativeFloat = 0.0
    """Incident-equivalents per unit of perceived-safety demand addressed (needs
    inputs.perceived when > 0); 0: perceived safety does not steer the plan."""
    draws: PositiveInt = 200
    """Monte Carlo draws over the effect priors for the interval of the plan's effect
    (seeded: the same scenario gives the same interval)."""
    stability_draws: int = Field(default=10, ge=0)
    """Re-optimisations on drawn effects that measure how often each chosen measure stays in
    the plan; 0: skip."""
    frontier_budgets_sek: list[PositiveFloat] | None = None
    """Budgets of the "what the budget buys" frontier; None: placement.frontier_budgets_sek."""


class SweepRange(_Section):
    """A range a swept value is drawn from (random draws only)."""

    low: float
    """Smallest value drawn."""
    high: float
    """Largest value drawn."""
    integer: bool = False
    """Round each draw to a whole number."""


_RANGE_KEYS = frozenset({"low", "high", "integer"})


def _flatten_sweep(value: Any, prefix: str = "") -> dict[str, Any]:
    """Turn nested TOML tables (``legal.stop_area_radius_m = [...]``) into dotted keys."""
    if not isinstance(value, Mapping):
        return {prefix: value}
    if prefix and value and set(value) <= _RANGE_KEYS:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(_flatten_sweep(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


class SweepConfig(_Section):
    """Variants of this scenario for `siteplan batch`: a grid of values or seeded random draws."""

    parameters: dict[str, list[Any] | SweepRange] = Field(min_length=1)
    """Dotted scenario keys (``legal.stop_area_radius_m``, ``cameras.0.capex_sek``) → the
    values to try (a list) or a range to draw from (``{ low = 20, high = 50 }``)."""
    draws: PositiveInt | None = None
    """None: every combination of the lists (a grid); n: n random draws, each key drawn from
    its list or range."""
    seed: int = 0
    """Seed of the random draws (the same seed gives the same variants)."""

    @field_validator("parameters", mode="before")
    @classmethod
    def _dotted(cls, value: Any) -> Any:
        return _flatten_sweep(value) if isinstance(value, Mapping) else value

    @model_validator(mode="after")
    def _grid_needs_lists(self) -> SweepConfig:
        ranges = [k for k, v in self.parameters.items() if isinstance(v, SweepRange)]
        if ranges and self.draws is None:
            msg = f"ranges {ranges} need random draws: set sweep.draws (e.g. 16)"
            raise ValueError(msg)
        empty = [k for k, v in self.parameters.items() if isinstance(v, list) and not v]
        if empty:
            msg = f"no values to try for {empty}: give at least one value"
            raise ValueError(msg)
        return self


class Scenario(_Section):
    """A complete, validated scenario."""

    study_area: StudyArea
    """The study area."""
    inputs: InputsConfig
    """The input files."""
    legal: LegalConfig = LegalConfig()
    corridors: CorridorsConfig = CorridorsConfig()
    scoring: ScoringConfig = ScoringConfig()
    cameras: list[CameraModel] = Field(min_length=1)
    """The camera catalogue."""
    costs: CostsConfig = CostsConfig()
    coverage: CoverageConfig = CoverageConfig()
    budget: BudgetConfig = BudgetConfig()
    placement: PlacementConfig = PlacementConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    output: OutputConfig = OutputConfig()
    followup: FollowupConfig = FollowupConfig()
    measures: list[MeasureConfig] = Field(default_factory=list)
    """Safety measures chosen together with the cameras (lighting, help points, ...); empty:
    cameras only, as without a portfolio."""
    portfolio: PortfolioConfig = PortfolioConfig()
    sweep: SweepConfig | None = None
    """Variants for `siteplan batch` (ignored by `siteplan plan`); None: no sweep."""
    base_dir: Path = Path()
    """Folder the scenario's relative paths are resolved against (the scenario file's)."""

    @model_validator(mode="after")
    def _unique_models(self) -> Scenario:
        names = [c.model for c in self.cameras]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            msg = f"camera model names must be unique; repeated: {dupes}"
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _consistent_measures(self) -> Scenario:
        names = [m.name for m in self.measures]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            msg = f"measure names must be unique; repeated: {dupes}"
            raise ValueError(msg)
        cameras = [m.name for m in self.measures if m.kind == "camera"]
        if len(cameras) > 1:
            msg = f"at most one measure of kind 'camera'; found {cameras}"
            raise ValueError(msg)
        if self.portfolio.perceived_weight > 0 and self.inputs.perceived is None:
            msg = (
                "portfolio.perceived_weight > 0 needs a perceived-safety layer: set "
                "inputs.perceived, or set the weight to 0"
            )
            raise ValueError(msg)
        return self

    @overload
    def path(self, value: Path) -> Path: ...

    @overload
    def path(self, value: None) -> None: ...

    def path(self, value: Path | None) -> Path | None:
        """Resolve an input path against the scenario's folder."""
        if value is None:
            return None
        return value if value.is_absolute() else (self.base_dir / value).resolve()

    def camera(self, model: str) -> CameraModel:
        """The catalogue entry for `model`."""
        for cam in self.cameras:
            if cam.model == model:
                return cam
        msg = f"no camera model {model!r} in the scenario; known: {[c.model for c in self.cameras]}"
        raise KeyError(msg)


def _suggest(loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    """Return ' (did you mean X?)' for an unknown key, using the model's field names."""
    target: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(target, "model_fields", {})
        if part not in fields:
            return ""
        ann = fields[part].annotation
        args = getattr(ann, "__args__", ())
        target = next(
            (a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        if target is None:
            return ""
    names = list(getattr(target, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else f" (known keys: {', '.join(names)})"


def _format_errors(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key = ".".join(map(str, loc)) or "(top level)"
        text = e["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        text = text.removeprefix(f"{key}: ").removeprefix(f"{loc[-1]}: ") if loc else text
        if e["type"] == "extra_forbidden":
            text = "unknown key" + _suggest(loc, Scenario)
        elif e["type"] == "missing":
            text = "required key is missing"
        found = e.get("input")
        shown = repr(found)
        if (
            e["type"] not in {"missing", "extra_forbidden"}
            and not isinstance(found, dict | list)
            and shown not in text
        ):
            text += f" (found {shown})"
        lines.append(f"  - {key}: {text}")
    return f"{source}: {err.error_count()} problem(s) in the scenario:\n" + "\n".join(lines)


def scenario_from_dict(
    data: dict[str, Any], *, base_dir: Path | None = None, source: str = "scenario"
) -> Scenario:
    """
    Validate a scenario given as a dictionary.

    Parameters
    ----------
    data
        The parsed TOML.
    base_dir
        Folder relative input paths are resolved against.
    source
        Name used in error messages (usually the file path).

    Returns
    -------
    scenario
        The validated, frozen scenario.

    Raises
    ------
    ScenarioError
        Listing every problem with its key path.
    """
    payload = dict(data)
    if base_dir is not None:
        payload["base_dir"] = base_dir
    try:
        return Scenario.model_validate(payload)
    except ValidationError as err:
        raise ScenarioError(_format_errors(err, source)) from err


def load_scenario(path: str | Path, *, check_files: bool = True) -> Scenario:
    """
    Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        The scenario file.
    check_files
        Also check that every input file exists.

    Returns
    -------
    scenario
        The validated scenario; relative paths resolve against the file's folder.

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid TOML, or fails validation (every problem listed).
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: scenario file not found. Check the path, or run `siteplan demo`."
        raise ScenarioError(msg)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML: {err}. Check quoting and brackets at that line."
        raise ScenarioError(msg) from err
    except UnicodeDecodeError as err:
        msg = f"{path}: not UTF-8 text ({err.reason} at byte {err.start}). Save it as UTF-8."
        raise ScenarioError(msg) from err
    scenario = scenario_from_dict(data, base_dir=path.parent.resolve(), source=str(path))
    if check_files:
        missing = [
            f"  - inputs.{key}: file not found: {scenario.path(value)}"
            for key, value in scenario.inputs
            if isinstance(value, Path) and not scenario.path(value).exists()  # type: ignore[union-attr]
        ]
        if missing:
            msg = f"{path}: {len(missing)} problem(s) in the scenario:\n" + "\n".join(missing)
            raise ScenarioError(msg)
    return scenario


# ----------------------------------------------------------------------------------------------
# The scenario reference (docs/scenario.md)

_UNITS = (
    ("_sek_per_year", "SEK per year"),
    ("_sek", "SEK"),
    ("_m", "metres"),
    ("_deg", "degrees"),
    ("_s", "seconds"),
    ("_days", "days"),
    ("_years", "years"),
    ("_px", "pixels"),
)


def _unit(name: str) -> str:
    return next((unit for suffix, unit in _UNITS if name.endswith(suffix)), "")


def _type_text(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    text = re.sub(r"typing\.|pathlib\.|datetime\.|siteplan\.config\.|<class '|'>", "", text)
    text = re.sub(r"Annotated\[([\w.]+), [^\]]*\]", r"\1", text)
    text = re.sub(r"Literal\[[^\]]*\]", "text", text)
    return text.replace("NoneType", "None").replace(" | ", " or ")


def _allowed(info: FieldInfo) -> str:
    literals = [a for a in get_args(info.annotation) if get_origin(a) is Literal]
    if get_origin(info.annotation) is Literal:
        literals.append(info.annotation)
    parts = [", ".join(f"`{v}`" for lit in literals for v in get_args(lit))]
    for meta in info.metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            if getattr(meta, attr, None) is not None:
                parts.append(f"{sign} {getattr(meta, attr)}")
        if getattr(meta, "min_length", None) is not None:
            parts.append(f"at least {meta.min_length} item(s)/character(s)")
        if getattr(meta, "pattern", None) is not None:
            parts.append(f"matches `{meta.pattern}`")
    return "; ".join(p for p in parts if p)


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory == dt.date.today:
        return "the day of the run"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(section)"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _section_rows(prefix: str, model: type[BaseModel]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        if _model_of(info.annotation) is not None:
            continue
        meaning = " ".join((info.description or "").split()).replace("|", "\\|")
        allowed = "; ".join(p for p in (_type_text(info.annotation), _allowed(info)) if p)
        rows.append(
            f"| `{prefix}{name}` | {meaning} | {_unit(name)} | {_default_text(info)} | {allowed} |"
        )
    return rows


def scenario_reference() -> str:
    """
    Markdown reference of every scenario key: meaning, unit, default and allowed values.

    Generated from the pydantic models, so it cannot drift from what ``load_scenario`` accepts;
    ``docs/scenario.md`` is this text (``siteplan reference > docs/scenario.md``).

    Returns
    -------
    text
        The Markdown page.
    """
    lines = [
        "# Scenario keys",
        "",
        "Every key a scenario TOML file may hold, by section. Generated from siteplan's",
        "models (`siteplan reference > docs/scenario.md`); unknown keys are errors.",
        "Paths are relative to the scenario file.",
    ]
    sections: list[tuple[str, str, type[BaseModel]]] = [("", "Top level", Scenario)]
    for name, info in Scenario.model_fields.items():
        sub = _model_of(info.annotation)
        if sub is not None:
            many = get_origin(info.annotation) is list
            sections.append((name, f"[[{name}]]" if many else f"[{name}]", sub))
            for inner, inner_info in sub.model_fields.items():
                deeper = _model_of(inner_info.annotation)
                if deeper is not None:
                    sections.append((f"{name}.{inner}", f"[{name}.{inner}]", deeper))
    for key, title, model in sections:
        rows = _section_rows("" if not key else f"{key}.", model)
        if not rows:
            continue
        doc = " ".join((model.__doc__ or "").split())
        lines += ["", f"## `{title}`" if key else "## Top level", "", doc, ""]
        lines += ["| key | meaning | unit | default | allowed |", "|---|---|---|---|---|"]
        lines += rows
    return "\n".join(lines) + "\n"
