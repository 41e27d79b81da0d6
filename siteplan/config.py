"""The scenario: every choice a plan depends on, validated once (pydantic, frozen).

A scenario is a TOML file with the groups ``study_area``, ``inputs``, ``legal``, ``corridors``,
``scoring``, ``cameras``, ``costs``, ``coverage``, ``budget``, ``placement``, ``privacy`` and
``output``. Unknown keys are errors with a "did you mean" suggestion. Paths are relative to the
scenario file. :func:`load_scenario` reports every problem at once, each with its key path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal

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

from siteplan.crs import parse_crs
from siteplan.errors import ScenarioError

__all__ = [
    "DORI_PPM",
    "BudgetConfig",
    "CameraModel",
    "CorridorsConfig",
    "CostsConfig",
    "CoverageConfig",
    "IncidentColumns",
    "InputsConfig",
    "LegalConfig",
    "OutputConfig",
    "PlacementConfig",
    "PrivacyConfig",
    "Scenario",
    "ScoringConfig",
    "StudyArea",
    "load_scenario",
    "scenario_from_dict",
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


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StudyArea(_Section):
    """Name, working CRS and time zone of the study."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    title: str | None = None
    crs: str = "EPSG:3006"
    timezone: str = "Europe/Stockholm"
    fictional: bool = False

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
    time: str = "occurred_at"
    time_format: str | None = None
    category: str = "category"
    lat: str | None = "lat"
    lon: str | None = "lon"
    x: str | None = None
    y: str | None = None
    coord_crs: str = "EPSG:4326"
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
    gtfs: Path
    incidents: Path
    areas: Path | None = None
    areas_name_column: str = "name"
    incident_columns: IncidentColumns = IncidentColumns()
    gtfs_service_date: dt.date | None = None
    installed_cameras: Path | None = None
    exclusion: Path | None = None


def _default_purposes() -> list[Purpose]:
    return ["crime", "order"]


class LegalConfig(_Section):
    """Camera-law regime and the assumptions where the statute gives no number."""

    plan_date: dt.date = Field(default_factory=dt.date.today)
    regime: Regime | None = None
    stop_area_radius_m: PositiveFloat = 25.0
    strak_max_walk_m: PositiveFloat = 400.0
    strak_policy: Literal["borderline", "exempt", "general"] = "borderline"
    purposes: list[Purpose] = Field(default_factory=_default_purposes, min_length=1)

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
    bandwidth_candidates_m: list[PositiveFloat] = Field(
        default_factory=lambda: [25.0, 50.0, 75.0, 100.0, 150.0, 200.0]
    )
    raster_cell_m: PositiveFloat = 10.0
    severity: dict[str, NonNegativeFloat] = Field(default_factory=_default_severity)
    default_severity: NonNegativeFloat = 1.0
    hour_weights: list[NonNegativeFloat] = Field(
        default_factory=_default_time_weights, min_length=24, max_length=24
    )
    half_life_days: PositiveFloat | None = 365.0
    footfall_decay_m: PositiveFloat = 150.0
    footfall_max_walk_m: PositiveFloat = 400.0
    weights: dict[Literal["incidents", "area_incidents", "footfall"], NonNegativeFloat] = Field(
        default_factory=_default_weights
    )
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
    horizontal_px: PositiveInt
    hfov_deg: float = Field(gt=0, le=360)
    level: Literal["detect", "observe", "recognise", "identify"] = "recognise"
    mount_height_m: float = Field(default=4.5, gt=0, le=30)
    capex_sek: NonNegativeFloat
    opex_sek_per_year: NonNegativeFloat = 0.0
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
    """Cost model in SEK (defaults from ../shared/DOMAIN.md §4; override with procurement data)."""

    mount_sek: dict[Mount, NonNegativeFloat] = Field(default_factory=_default_mounts)
    connectivity_sek: NonNegativeFloat = 10_000.0
    connectivity_opex_sek_per_year: NonNegativeFloat = 0.0
    vms_licence_sek: NonNegativeFloat = 2_000.0
    paperwork_hours: NonNegativeFloat = 16.0
    hourly_rate_sek: NonNegativeFloat = 750.0
    permit_penalty_sek: NonNegativeFloat = 15_000.0
    """kbl-2020 only: lead time and refusal risk of an IMY permit, per general site."""


def _default_site_sources() -> list[Literal["lamps", "facades", "junctions", "stops", "spacing"]]:
    return ["lamps", "facades", "junctions", "stops", "spacing"]


class CoverageConfig(_Section):
    """Candidate sites, azimuths and the demand sampling."""

    sample_step_m: PositiveFloat = 5.0
    azimuths_per_site: PositiveInt = 8
    corridor_spacing_m: PositiveFloat = 50.0
    site_sources: list[Literal["lamps", "facades", "junctions", "stops", "spacing"]] = Field(
        default_factory=_default_site_sources
    )
    facade_spacing_m: PositiveFloat = 40.0
    facade_max_distance_m: PositiveFloat = 15.0
    max_sites: PositiveInt | None = None
    min_demand_weight: NonNegativeFloat = 0.0


class BudgetConfig(_Section):
    """Budget and the horizon over which operating costs count."""

    total_sek: PositiveFloat = 500_000.0
    horizon_years: NonNegativeFloat = 1.0


class PlacementConfig(_Section):
    """Optimiser options."""

    method: Literal["auto", "milp", "greedy"] = "auto"
    time_limit_s: PositiveFloat = Field(
        default=60.0,
        description=(
            "Safety net on the solve's wall-clock time, in seconds. The work limits below "
            "decide the plan; if this limit is hit first, the status says 'time_limit'."
        ),
    )
    mip_gap: float = Field(default=1e-3, ge=0, lt=1)
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
    stop_area_only: bool = False
    min_cameras_per_area: dict[str, int] = Field(default_factory=dict)
    min_share_per_area: dict[str, float] = Field(default_factory=dict)
    frontier_budgets_sek: list[PositiveFloat] = Field(
        default_factory=lambda: [100_000.0 * k for k in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20)]
    )
    seed: int = 0


class PrivacyConfig(_Section):
    """Aggregation of personal data in shared outputs."""

    min_count: PositiveInt = 5
    grid_m: PositiveFloat = 100.0


class OutputConfig(_Section):
    """Language and output options."""

    language: Literal["sv", "en"] = "sv"
    dir: Path | None = None
    self_contained: bool = False
    tiles: str = "OpenStreetMap"
    """Base map tiles for the HTML map; "none" for no base map (the fictional sample)."""
    retention_days: PositiveInt = 3


class Scenario(_Section):
    """A complete, validated scenario."""

    study_area: StudyArea
    inputs: InputsConfig
    legal: LegalConfig = LegalConfig()
    corridors: CorridorsConfig = CorridorsConfig()
    scoring: ScoringConfig = ScoringConfig()
    cameras: list[CameraModel] = Field(min_length=1)
    costs: CostsConfig = CostsConfig()
    coverage: CoverageConfig = CoverageConfig()
    budget: BudgetConfig = BudgetConfig()
    placement: PlacementConfig = PlacementConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    output: OutputConfig = OutputConfig()
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
        text = e["msg"]
        if e["type"] == "extra_forbidden":
            text = "unknown key" + _suggest(loc, Scenario)
        elif e["type"] == "missing":
            text = "required key is missing"
        found = e.get("input")
        if e["type"] not in {"missing", "extra_forbidden"} and not isinstance(found, dict | list):
            text += f" (found {found!r})"
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
