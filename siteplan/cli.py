"""The ``siteplan`` command: a thin layer over :mod:`siteplan.pipeline` and the writers.

Exit codes: 0 ok, 2 bad input (scenario, files, CRS, infeasible budget), 1 internal error.
Errors print one readable message; ``-v`` adds the traceback.
"""

from __future__ import annotations

import logging
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import click
import typer

try:  # typer >= 0.20 runs on its own copy of click, with its own context stack
    from typer._click.globals import get_current_context as _current_context
except ImportError:  # pragma: no cover - older typer runs on click itself
    _current_context = click.get_current_context  # type: ignore[assignment]
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from siteplan import __version__, followup, pipeline
from siteplan import batch as batch_mod
from siteplan.config import Scenario, load_scenario, scenario_reference
from siteplan.datasets import followup_paths, get_path
from siteplan.errors import (
    CRSError,
    InfeasibleError,
    InputError,
    OutputError,
    ScenarioError,
    SiteplanError,
    SourceUnavailableError,
)
from siteplan.i18n import t
from siteplan.io import osm as osm_io
from siteplan.io.gtfs import download_gtfs_regional
from siteplan.io.outputs import check_out_dir, read_plan_row, write_bundle, write_plan
from siteplan.io.validation import check_inputs
from siteplan.render.followup import render_followup, summary_line

app = typer.Typer(
    name="siteplan",
    help="Where safety cameras help most, within the law and the budget.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
fetch_app = typer.Typer(help="Download inputs (needs the internet).", no_args_is_help=True)
app.add_typer(fetch_app, name="fetch")

console = Console(stderr=False)
err_console = Console(stderr=True)
log = logging.getLogger("siteplan")

#: Errors that mean "fix your input": exit code 2.
_INPUT_ERRORS = (
    ScenarioError,
    InputError,
    CRSError,
    SourceUnavailableError,
    InfeasibleError,
    OutputError,
)


@dataclass(frozen=True)
class _Options:
    """The global options of one invocation (kept on the click context, not in a global)."""

    verbose: int = 0
    quiet: bool = False


def _options() -> _Options:
    ctx = _current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, _Options) else _Options()


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the run like Ctrl-C, so temporary outputs are cleaned up on the way out."""
    raise SystemExit(128 + signum)


def _version(value: bool) -> None:
    if value:
        console.print(f"siteplan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="More output; -v shows tracebacks, -vv debug logs."
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Siteplan: camera siting for municipal safety planning."""
    ctx.obj = _Options(verbose=verbose, quiet=quiet)
    signal.signal(signal.SIGTERM, _terminate)
    level = (
        logging.ERROR
        if quiet
        else (logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING)
    )
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
        force=True,
    )
    warnings.showwarning = _show_warning


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Show a warning as its message only; ``-vv`` adds where in siteplan it was raised."""
    where = f" ({filename}:{lineno})" if _options().verbose >= 2 else ""
    logging.getLogger("siteplan.warnings").warning("%s%s", message, where)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn exceptions into one readable message and the right exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except _INPUT_ERRORS as err:
        if _options().verbose:
            err_console.print_exception()
        err_console.print(f"[bold red]Error:[/] {err}", markup=True, highlight=False)
        raise typer.Exit(code=2) from err
    except (SiteplanError, Exception) as err:
        if _options().verbose:
            err_console.print_exception()
        err_console.print(
            f"[bold red]Internal error:[/] {type(err).__name__}: {err}\n"
            "Run again with -v for the traceback, and report it with the scenario file.",
            highlight=False,
        )
        raise typer.Exit(code=1) from err


def _progress_callback(progress: Progress, lang: str) -> Callable[[str, str], None]:
    labels = dict(pipeline.STEPS)
    tasks: dict[str, Any] = {}

    def callback(step: str, phase: str) -> None:
        if phase == "start":
            tasks[step] = progress.add_task(_label(f"step.{step}", lang, labels[step]), total=1)
        else:
            progress.update(tasks[step], completed=1)

    return callback


def _label(key: str, lang: str, default: str) -> str:
    try:
        return t(key, lang)
    except KeyError:
        return default


def _run_and_write(
    scenario: Scenario,
    out: Path | None,
    *,
    self_contained: bool | None,
    phase: str | None,
    force: bool,
) -> Path:
    lang = scenario.output.language
    out_dir = check_out_dir(out or Path("maps") / scenario.study_area.name, force=force)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=_options().quiet,
        transient=False,
    ) as progress:
        result = pipeline.run(scenario, progress=_progress_callback(progress, lang), phase=phase)
        task = progress.add_task(_label("step.write", lang, "Writing outputs"), total=1)
        written = write_plan(result, out_dir, self_contained=self_contained, force=force)
        progress.update(task, completed=1)
    if not _options().quiet:
        _print_summary(result.summary, lang, written, counts=result.inputs.counts())
    return written


def _num(value: float, lang: str) -> str:
    """A whole number with the language's thousands separator (a space in Swedish)."""
    text = f"{value:,.0f}"
    return text.replace(",", "\u00a0") if lang == "sv" else text


def _sek(value: float, lang: str) -> str:
    """Money as planners write it: '498 500 kr' in Swedish, '498,500 SEK' in English."""
    return f"{_num(value, lang)} kr" if lang == "sv" else f"{_num(value, lang)} SEK"


def _print_summary(
    summary: dict[str, Any], lang: str, out_dir: Path, *, counts: dict[str, int]
) -> None:
    table = Table(title=_label("cli.summary_title", lang, "Plan summary"), show_header=False)
    s = summary
    inputs = ", ".join(
        f"{_num(n, lang)} {_label(f'cli.count.{k}', lang, k)}" for k, n in counts.items()
    )
    rows = [
        (_label("cli.inputs", lang, "Inputs"), inputs),
        (
            _label("cli.cameras", lang, "Cameras"),
            f"{s['n_cameras']} ({s['n_sites']} {_label('report.sites', lang, 'sites')})",
        ),
        (
            _label("cli.cost", lang, "Cost / budget"),
            f"{_sek(s['cost_sek'], lang)} / {_sek(s['budget_sek'], lang)}",
        ),
        (_label("cli.coverage", lang, "Weighted demand covered"), f"{s['coverage_share']:.1%}"),
        (
            _label("cli.gap", lang, "Optimality gap"),
            f"{s['solver']['gap']:.3%} ({s['solver']['method']}, {s['solver']['status']})",
        ),
        (_label("cli.regime", lang, "Regime"), s["regime"]),
    ]
    for name, val in rows:
        table.add_row(name, val)
    console.print(table)
    console.print(f"{_label('cli.written', lang, 'Written to')}: {out_dir}")


SelfContained = Annotated[
    bool | None,
    typer.Option(
        "--self-contained/--cdn", help="Inline every JS/CSS asset in map.html (works offline)."
    ),
]
Out = Annotated[
    Path | None, typer.Option("--out", "-o", help="Output folder (default maps/<scenario name>).")
]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write into a folder that holds other files too (they are kept, never overwritten).",
    ),
]
Phase = Annotated[
    str | None,
    typer.Option(
        "--phase",
        help="'stop-areas-first': phase 1 = stop-area sites in one area, phase 2 = the rest.",
    ),
]


@app.command()
def demo(
    out: Out = None,
    self_contained: SelfContained = None,
    phase: Phase = None,
    force: Force = False,
) -> None:
    """Run the whole plan on the embedded fictional sample town."""
    with _errors():
        scenario = load_scenario(get_path("scenario.toml"))
        _run_and_write(scenario, out, self_contained=self_contained, phase=phase, force=force)


@app.command()
def plan(
    scenario: Annotated[Path, typer.Argument(help="The scenario TOML file.")],
    out: Out = None,
    self_contained: SelfContained = None,
    phase: Phase = None,
    force: Force = False,
) -> None:
    """Run a scenario and write its map, report, layers and paperwork."""
    with _errors():
        _run_and_write(
            load_scenario(scenario), out, self_contained=self_contained, phase=phase, force=force
        )


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="The scenario TOML file.")]) -> None:
    """Check a scenario file and its inputs: every check `load` runs short of the walk graph."""
    with _errors():
        sc = load_scenario(scenario)
        found = check_inputs(sc)
        console.print(
            f"[green]OK[/]: {scenario} (scenario {sc.study_area.name!r}, regime "
            f"{sc.legal.effective_regime}, {len(sc.cameras)} camera models, "
            f"budget {sc.budget.total_sek:,.0f} SEK; {found.incidents:,} incidents "
            f"({found.incidents_area_level:,} area-level), {found.areas} priority areas)"
        )


@app.command()
def load(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML (default: the sample).")
    ] = None,
) -> None:
    """Load a scenario's inputs and print their counts."""
    with _errors():
        sc = load_scenario(scenario or get_path("scenario.toml"))
        counts = pipeline.load_inputs(sc).counts()
        table = Table(title=f"{sc.study_area.name}: inputs")
        table.add_column("layer")
        table.add_column("count", justify="right")
        for key, val in counts.items():
            table.add_row(key, f"{val:,}")
        console.print(table)


@app.command()
def explain(
    item_id: Annotated[
        str, typer.Argument(help="A corridor_id or camera_id from a plan's outputs.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The plan's output folder.")] = Path(
        "maps/exempelstad"
    ),
) -> None:
    """Explain one corridor (score components, legal reason) or one camera."""
    with _errors():
        layer, row = read_plan_row(out, item_id)
        table = Table(title=f"{layer}: {item_id}", show_header=False)
        for key, val in row.items():
            if key == "geometry":
                continue
            table.add_row(str(key), f"{val:.4g}" if isinstance(val, float) else str(val))
        console.print(table)


@app.command("followup")
def followup_cmd(
    installed: Annotated[
        Path | None,
        typer.Option(
            "--installed", help="Installed cameras: the plan's cameras.csv plus installed_on."
        ),
    ] = None,
    incidents: Annotated[
        Path | None,
        typer.Option("--incidents", help="Incidents up to the report date (default: scenario's)."),
    ] = None,
    spending: Annotated[
        Path | None,
        typer.Option("--spending", help="Spending CSV: date, category, area, amount_sek, note."),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="The plan's scenario TOML (budget, time zone, language)."),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="'interim' (1 Jan - 31 Aug) or 'year'.")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Year of --period (default: this year; 2025 with --demo)."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="First day, YYYY-MM-DD (instead of --period).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day, YYYY-MM-DD.")] = None,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="Plan output folder: footprints and corridors from plan.gpkg."),
    ] = None,
    grid: Annotated[
        bool,
        typer.Option("--grid", help="Square cells instead of corridors (no walk network needed)."),
    ] = False,
    disclosures: Annotated[
        Path | None, typer.Option(help="Disclosures to the police CSV: date, site_id, case_used.")
    ] = None,
    uptime: Annotated[
        Path | None, typer.Option(help="Uptime CSV: site_id or camera_id, period, uptime_share.")
    ] = None,
    interventions: Annotated[
        Path | None, typer.Option(help="Police cameras, guards etc. (polygons): never controls.")
    ] = None,
    measures: Annotated[
        Path | None, typer.Option(help="Installed lighting, help points etc. (WKT CSV, GeoJSON).")
    ] = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="The sample town's simulated installation (interim 2025)."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default maps/<scenario name>-followup)."),
    ] = None,
    force: Force = False,
) -> None:
    """Follow up installed cameras: effect on incidents and spending (31 Aug / year-end)."""
    with _errors():
        if demo:
            sample = followup_paths()
            installed = installed or sample["installed"]
            spending = spending or sample["spending"]
            disclosures = disclosures or sample["disclosures"]
            uptime = uptime or sample["uptime"]
            scenario = scenario or get_path("scenario.toml")
            year = year or 2025
            period = period or (None if start or end else "interim")
        given = {"installed": installed, "spending": spending, "scenario": scenario}
        missing = [f"--{k}" for k, v in given.items() if v is None]
        if installed is None or spending is None or scenario is None:
            msg = f"followup needs {', '.join(missing)} (or --demo for the sample town)."
            raise InputError(msg)
        span = followup.report_period(period, year=year, start=start, end=end)
        result = pipeline.run_followup(
            load_scenario(scenario),
            installed=installed,
            spending=spending,
            period=span,
            incidents=incidents,
            plan_dir=plan,
            grid=grid,
            interventions=interventions,
            disclosures=disclosures,
            uptime=uptime,
            measures=measures,
        )
        files = {"followup.html": render_followup(result), "followup.json": result.to_json()}
        out_dir = out or Path("maps") / f"{result.meta.scenario}-followup"
        written = write_bundle(out_dir, files, force=force, kind="followup")
        if not _options().quiet:
            line = f"{summary_line(result)} -> {written}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command()
def reference() -> None:
    """Print the reference of every scenario key (Markdown; docs/scenario.md is this text)."""
    sys.stdout.write(scenario_reference())


def _batch_progress(progress: Progress) -> Callable[[batch_mod.BatchStatus], None]:
    task = progress.add_task("Batch", total=None)

    def callback(status: batch_mod.BatchStatus) -> None:
        if status.record is None and status.dashboard_link:
            err_console.print(f"Dask dashboard: {status.dashboard_link}", highlight=False)
        text = f"Runs: {status.n_done - status.n_failed} done, {status.n_failed} failed"
        progress.update(task, description=text, total=status.n_total, completed=status.n_done)

    return callback


@app.command()
def batch(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario TOML files, or folders of them.")
    ],
    sweep: Annotated[
        Path | None,
        typer.Option(
            "--sweep", help="TOML file with a sweep table, used instead of each scenario's own."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default maps/batch).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Workers of the local cluster.")
    ] = 2,
    frontier: Annotated[
        bool, typer.Option("--frontier/--no-frontier", help="Also sweep each run's frontier.")
    ] = False,
    force: Force = False,
) -> None:
    """Run many scenarios, or sweeps of one, on Dask; write batch.csv/gpkg and a report.

    Finished runs are stored in the output folder and skipped when the command is run again.
    Exit code 2 when any run failed (the others are still written).
    """
    if _options().verbose < 2:  # Dask logs every worker start and stop at INFO
        logging.getLogger("distributed").setLevel(logging.ERROR)
    with _errors():
        out_dir = check_out_dir(out or Path("maps") / "batch", force=force)
        runs = batch_mod.runs_from_files(
            scenarios, sweep=batch_mod.load_sweep(sweep) if sweep else None
        )
        stored = batch_mod.read_runs(out_dir)

        def store(records: Any) -> None:
            batch_mod.store_runs(out_dir, records, force=force)

        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=_options().quiet,
        ) as progress:
            result = pipeline.run_many(
                runs,
                scheduler=scheduler,
                n_workers=workers,
                frontier=frontier,
                stored=stored,
                progress=_batch_progress(progress),
                checkpoint=batch_mod.throttled(store),
            )
        written = batch_mod.write_batch(result, out_dir, force=force)
        failed = result.runs[result.runs["status"] == "failed"]
        for row in failed.itertuples():
            err_console.print(f"[bold red]Failed:[/] {row.label}: {row.error}", highlight=False)
        console.print(
            f"{len(result.runs) - len(failed)} runs finished ({result.n_cached} from an earlier "
            f"batch), {len(failed)} failed -> {written}"
        )
        if len(failed):
            raise typer.Exit(code=2)


@fetch_app.command("osm")
def fetch_osm(
    place: Annotated[
        str, typer.Argument(help="A place name osmnx can geocode, e.g. 'Linköping, Sweden'.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="GraphML file to write.")] = Path(
        "data/walk.graphml"
    ),
    crs: Annotated[str, typer.Option(help="Working CRS.")] = "EPSG:3006",
) -> None:
    """Download the walk network, buildings, lamps and stops of a place with osmnx."""
    with _errors():
        layers = osm_io.walk_network_from_place(place, crs=crs)
        osm_io.save_layers(layers, out)
        console.print(f"{len(layers.edges):,} edges, {len(layers.buildings):,} buildings -> {out}")


@fetch_app.command("gtfs")
def fetch_gtfs(
    operator: Annotated[
        str, typer.Argument(help="Trafiklab operator id, e.g. 'otraf' (Östgötatrafiken).")
    ] = "otraf",
    key: Annotated[
        str | None, typer.Option(help="Trafiklab API key (default: $TRAFIKLAB_API_KEY).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Where to write the zip.")] = None,
) -> None:
    """Download a regional GTFS feed from Trafiklab (GTFS Regional Static)."""
    with _errors():
        path = download_gtfs_regional(operator=operator, key=key, dest=out)
        console.print(f"GTFS feed -> {path}")


def run() -> None:  # pragma: no cover - entry point for `python -m siteplan`
    """Entry point for ``python -m siteplan``."""
    sys.exit(app())
