"""Writers for a plan's outputs: report.html, summary.json, cameras.csv, plan.gpkg, heat.tif.

:func:`write_all` writes every output into a temporary folder next to the target and swaps it
into place at the end, so a failed run never leaves half a report.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from siteplan.pipeline import PlanResult

__all__ = [
    "render_report",
    "write_all",
    "write_cameras_csv",
    "write_geopackage",
    "write_summary",
]

log = logging.getLogger(__name__)

CAMERA_CSV_COLUMNS = (
    "camera_id",
    "site_id",
    "x",
    "y",
    "lon",
    "lat",
    "azimuth_deg",
    "hfov_deg",
    "range_m",
    "model",
    "mount",
    "legal_class",
    "purpose",
    "area",
    "capex_sek",
    "opex_sek_per_year",
    "total_cost_sek",
    "covered_demand",
)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _clean(obj: Any) -> Any:
    """Replace NaN/inf floats with None so the JSON is strict."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def write_summary(summary: dict[str, Any], path: Path) -> Path:
    """Write ``summary.json`` (strict JSON, UTF-8, sorted keys)."""
    text = json.dumps(
        _clean(summary), indent=2, ensure_ascii=False, default=_json_default, sort_keys=True
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_cameras_csv(cameras: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``cameras.csv`` with the documented columns, in camera-id order."""
    frame = cameras.reset_index()
    frame[list(CAMERA_CSV_COLUMNS)].sort_values("camera_id").to_csv(
        path, index=False, float_format="%.6f"
    )
    return path


def _gpkg_safe(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GeoPackage can store: tuples/lists become '; '-joined text."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: (
                    "; ".join(map(str, v)) if isinstance(v, list | tuple | set | frozenset) else v
                )
            )
    return out


def write_geopackage(
    result: PlanResult, path: Path, *, masking: gpd.GeoDataFrame | None = None
) -> Path:
    """
    Write ``plan.gpkg`` with the layers a planner opens in QGIS.

    Layers: corridors, stops, routes, areas, cameras, footprints, candidates, demand, masking
    (when the paperwork module computed it). Incidents are never written here.
    """
    layers: dict[str, gpd.GeoDataFrame | None] = {
        "corridors": result.corridors,
        "stops": result.inputs.transit.stops,
        "routes": result.inputs.transit.routes,
        "areas": result.inputs.areas,
        "cameras": result.cameras,
        "footprints": result.footprints,
        "candidates": result.sites,
        "demand": result.demand,
    }
    if masking is not None:
        layers["masking"] = masking
    for name, layer in layers.items():
        if layer is None or len(layer) == 0:
            continue
        frame = _gpkg_safe(layer.reset_index())
        frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None (NaN is truthy in templates)."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def frontier_chart(frontier: pd.DataFrame, *, budget_sek: float, lang: str) -> str | None:
    """The coverage-vs-budget curve as a PNG data URI (None when there is no frontier)."""
    if frontier is None or frontier.empty:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from siteplan.i18n import t

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    x = frontier["budget_sek"].to_numpy() / 1000
    ax.plot(x, 100 * frontier["coverage_share"].to_numpy(), marker="o", color="#1f5fa8")
    ax.axvline(budget_sek / 1000, color="#c0392b", ls="--", lw=1)
    ax.set_xlabel(t("report.budget_ksek", lang))
    ax.set_ylabel(t("report.coverage_pct", lang))
    ax.grid(alpha=0.3)
    ax.set_ylim(0, max(5.0, 100 * float(frontier["coverage_share"].max()) * 1.1))
    return _png(fig)


def render_report(result: PlanResult, *, procurement: pd.DataFrame | None = None) -> str:
    """
    Render ``report.html``: self-contained (charts inline), text escaped.

    Parameters
    ----------
    result
        The plan.
    procurement
        The bill of quantities, shown as a sheet of the report when given.

    Returns
    -------
    html
        The report.
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    from siteplan import legal, scoring
    from siteplan.i18n import t

    sc = result.scenario
    lang = sc.output.language
    env = Environment(
        loader=PackageLoader("siteplan", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.globals["t"] = lambda key, **kw: t(key, lang, **kw)
    corr = result.corridors
    comp_cols = [c for c in corr.columns if c.startswith("comp_")]
    cols = ["corridor_id", "name", "area", "legal_class", "score", *comp_cols, "covered_share"]
    covered = corr["covered_share"]

    def ranked(by: str | None, top: int) -> pd.DataFrame:
        table = scoring.rankings(corr, by=by, top=top)
        return table.assign(covered_share=covered.reindex(table["corridor_id"]).to_numpy())[
            ([by] if by else []) + [c for c in cols if c != by]
        ]

    top = ranked(None, 20)
    top_by_area = ranked("area", 5) if corr["area"].notna().any() else None
    ev = result.evaluation
    summary = result.summary
    regime = result.regime
    wording = {
        cls: legal.wording(regime, cls) for cls in ("stop_area", "stop_area_borderline", "general")
    }
    html = env.get_template("report.html.j2").render(
        lang=lang,
        s=summary,
        title=sc.study_area.title or sc.study_area.name,
        fictional=sc.study_area.fictional,
        generated=dt.date.today().isoformat(),
        frontier_png=frontier_chart(result.frontier, budget_sek=sc.budget.total_sek, lang=lang),
        frontier=_records(result.frontier),
        top=_records(top),
        top_by_area=None if top_by_area is None else _records(top_by_area),
        comp_cols=comp_cols,
        cameras=_records(pd.DataFrame(result.cameras.drop(columns="geometry")).reset_index()),
        evaluation=_records(ev),
        cut_date=str(ev.attrs.get("cut_date", summary.get("evaluation_cut_date", ""))),
        wording=wording,
        legal=sc.legal,
        privacy=sc.privacy,
        procurement=None if procurement is None else _records(procurement),
    )
    return html


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `tmp` with renames only (a crash leaves the old folder or the new)."""
    backup = None
    if out_dir.exists():
        backup = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, backup)
    os.replace(tmp, out_dir)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def write_all(
    result: PlanResult,
    out_dir: str | Path,
    *,
    self_contained: bool | None = None,
    phase: str | None = None,
) -> Path:
    """
    Write every output of a plan into `out_dir`, atomically.

    Parameters
    ----------
    result
        The plan.
    out_dir
        Target folder; replaced as a whole when everything was written.
    self_contained
        Inline all map assets (default: the scenario's ``output.self_contained``).
    phase
        ``"stop-areas-first"`` adds the phased procurement (phase 1: stop-area sites in one
        area; phase 2: the rest).

    Returns
    -------
    out_dir
        The folder written.
    """
    from siteplan import maps
    from siteplan.io.raster import write_geotiff

    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; outputs are meant to be shared
    try:
        extras = _extras(result, tmp, phase=phase)
        write_summary(result.summary, tmp / "summary.json")
        write_cameras_csv(result.cameras, tmp / "cameras.csv")
        write_geopackage(result, tmp / "plan.gpkg", masking=extras.get("masking"))
        write_geotiff(
            tmp / "heat.tif", result.heat, result.heat_transform, result.scenario.study_area.crs
        )
        sc_flag = (
            result.scenario.output.self_contained if self_contained is None else self_contained
        )
        maps.save_map(maps.plan_map(result, self_contained=sc_flag), tmp / "map.html")
        report = render_report(result, procurement=extras.get("procurement"))
        (tmp / "report.html").write_text(report, encoding="utf-8")
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("wrote plan outputs to %s", out_dir)
    return out_dir


def _extras(result: PlanResult, tmp: Path, *, phase: str | None) -> dict[str, Any]:
    """Paperwork (packs, register, masking layer) and procurement (bill of quantities)."""
    from siteplan import paperwork, procurement

    masking = paperwork.write_paperwork(result, tmp)
    bill = procurement.write_procurement(result, tmp, phase=phase)
    return {"masking": masking, "procurement": bill}
