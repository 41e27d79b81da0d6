"""``siteplan validate``: every input check ``load`` runs, short of the heavy steps.

The incidents, priority areas, installed cameras and exclusion zones are read in full (the
same loaders as :func:`siteplan.pipeline.load_inputs`, so the same errors and warnings). The
OSM file and the GTFS feed, whose loading builds the walk graph and counts departures, are
checked for what can be seen cheaply: that they exist, are files (or a folder for GTFS) of a
supported kind, and that a GTFS feed holds the required tables. The cross checks that need
the walk network (incidents and stops near it) run only in ``load``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from siteplan.config import Scenario
from siteplan.errors import InputError, SourceUnavailableError
from siteplan.io import areas as areas_io
from siteplan.io import cameras as cameras_io
from siteplan.io import incidents as incidents_io
from siteplan.io.osm._lines import LINE_SUFFIXES
from siteplan.io.osm._xml import XML_SUFFIXES, iter_elements

__all__ = ["InputCheck", "check_inputs"]

_GTFS_TABLES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
_OSM_SUFFIXES = (*XML_SUFFIXES, ".pbf", ".graphml", *sorted(LINE_SUFFIXES))


@dataclass(frozen=True)
class InputCheck:
    """What :func:`check_inputs` read: counts of the inputs it loaded in full."""

    incidents: int
    incidents_area_level: int
    areas: int
    installed_cameras: int
    exclusion_zones: int


def check_inputs(scenario: Scenario) -> InputCheck:
    """
    Run every input check of ``load`` that does not need the walk graph or the timetable.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    check
        Counts of what was read.

    Raises
    ------
    SiteplanError
        The first problem found (the same error ``load`` would give).
    """
    crs = scenario.study_area.crs
    inp = scenario.inputs
    _check_osm(scenario.path(inp.osm))
    if inp.gtfs is not None:
        _check_gtfs(scenario.path(inp.gtfs))
    areas = None
    if inp.areas is not None:
        areas = areas_io.load_areas(
            scenario.path(inp.areas), crs=crs, name_column=inp.areas_name_column
        )
    incidents = incidents_io.load_incidents(
        scenario.path(inp.incidents),
        crs=crs,
        timezone=scenario.study_area.timezone,
        columns=inp.incident_columns,
        areas=areas,
    )
    installed = 0
    if inp.installed_cameras is not None:
        path = scenario.path(inp.installed_cameras)
        installed = len(cameras_io.load_installed_cameras(path, crs=crs))
    exclusion = 0
    if inp.exclusion is not None:
        exclusion = len(areas_io.load_polygons(scenario.path(inp.exclusion), crs=crs))
    return InputCheck(
        incidents=len(incidents),
        incidents_area_level=int(incidents.geometry.isna().sum()),
        areas=0 if areas is None else len(areas),
        installed_cameras=installed,
        exclusion_zones=exclusion,
    )


def _check_osm(path: Path) -> None:
    """The OSM input exists, is a file of a supported kind; an XML file starts as OSM XML."""
    if path.is_dir():
        msg = (
            f"OSM file {path} is a folder. Set `inputs.osm` in the scenario to the file inside it."
        )
        raise InputError(msg)
    if not path.is_file():
        msg = f"OSM file {path} does not exist. Check `inputs.osm` in the scenario."
        raise SourceUnavailableError(msg)
    name = path.name.lower()
    if not name.endswith(_OSM_SUFFIXES):
        msg = (
            f"OSM file {path}: unknown file type {''.join(path.suffixes) or '(no suffix)'!r}; "
            f"siteplan reads {', '.join(_OSM_SUFFIXES)}. Check `inputs.osm`."
        )
        raise InputError(msg)
    if name.endswith(XML_SUFFIXES):
        next(iter(iter_elements(path)), None)  # checks the root element and the start


def _check_gtfs(path: Path) -> None:
    """The GTFS feed exists and holds the required tables."""
    if not path.exists():
        msg = f"GTFS feed {path} does not exist. Check `inputs.gtfs` in the scenario."
        raise SourceUnavailableError(msg)
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = {Path(n).name for n in zf.namelist()}
    else:
        msg = (
            f"{path}: not a zip file or a folder (inputs.gtfs). A GTFS feed is a .zip (or a "
            "folder) of .txt tables."
        )
        raise InputError(msg)
    missing = [t for t in _GTFS_TABLES if t not in names]
    if missing:
        msg = (
            f"{path}: the GTFS feed (inputs.gtfs) lacks {', '.join(missing)}. A feed needs "
            f"{', '.join(_GTFS_TABLES)}; omit inputs.gtfs to take stops from OSM instead."
        )
        raise InputError(msg)
