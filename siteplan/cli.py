"""The ``siteplan`` command: a thin layer over :mod:`siteplan.pipeline` and the writers.

Exit codes: 0 ok, 2 bad input (scenario, files, CRS, infeasible budget), 1 internal error.
Errors print one readable message; ``-v`` adds the traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from siteplan import __version__
from siteplan.errors import (
    CRSError,
    InfeasibleError,
    InputError,
    ScenarioError,
    SiteplanError,
    SourceUnavailableError,
)

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

_STATE: dict[str, Any] = {"verbose": 0, "quiet": False}

#: Errors that mean "fix your input": exit code 2.
_INPUT_ERRORS = (ScenarioError, InputError, CRSError, SourceUnavailableError, InfeasibleError)


def _version(value: bool) -> None:
    if value:
        console.print(f"siteplan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
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
    _STATE["verbose"], _STATE["quiet"] = verbose, quiet
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
    logging.captureWarnings(True)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn exceptions into one readable message and the right exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except _INPUT_ERRORS as err:
        if _STATE["verbose"]:
            err_console.print_exception()
        err_console.print(f"[bold red]Error:[/] {err}", markup=True, highlight=False)
        raise typer.Exit(code=2) from err
    except (SiteplanError, Exception) as err:
        if _STATE["verbose"]:
            err_console.print_exception()
        err_console.print(
            f"[bold red]Internal error:[/] {type(err).__name__}: {err}\n"
            "Run again with -v for the traceback, and report it with the scenario file.",
            highlight=False,
        )
        raise typer.Exit(code=1) from err


def _progress_callback(progress: Progress, lang: str) -> Callable[[str, str], None]:
    from siteplan.pipeline import STEPS

    labels = dict(STEPS)
    tasks: dict[str, Any] = {}

    def callback(step: str, phase: str) -> None:
        if phase == "start":
            tasks[step] = progress.add_task(_label(f"step.{step}", lang, labels[step]), total=1)
        else:
            progress.update(tasks[step], completed=1)

    return callback


def _label(key: str, lang: str, default: str) -> str:
    try:
        from siteplan.i18n import t

        return t(key, lang)
    except (ImportError, KeyError):
        return default


def _run_and_write(
    scenario: Any, out: Path | None, *, self_contained: bool | None, phase: str | None
) -> Path:
    from siteplan import pipeline, reports

    lang = scenario.output.language
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=_STATE["quiet"],
        transient=False,
    ) as progress:
        result = pipeline.run(scenario, progress=_progress_callback(progress, lang))
        task = progress.add_task(_label("step.write", lang, "Writing outputs"), total=1)
        out_dir = out or Path("maps") / scenario.study_area.name
        written = reports.write_all(result, out_dir, self_contained=self_contained, phase=phase)
        progress.update(task, completed=1)
    if not _STATE["quiet"]:
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
Phase = Annotated[
    str | None,
    typer.Option(
        "--phase",
        help="'stop-areas-first': phase 1 = stop-area sites in one area, phase 2 = the rest.",
    ),
]


@app.command()
def demo(out: Out = None, self_contained: SelfContained = None, phase: Phase = None) -> None:
    """Run the whole plan on the embedded fictional sample town."""
    with _errors():
        from siteplan.config import load_scenario
        from siteplan.datasets import get_path

        scenario = load_scenario(get_path("scenario.toml"))
        _run_and_write(scenario, out, self_contained=self_contained, phase=phase)


@app.command()
def plan(
    scenario: Annotated[Path, typer.Argument(help="The scenario TOML file.")],
    out: Out = None,
    self_contained: SelfContained = None,
    phase: Phase = None,
) -> None:
    """Run a scenario and write its map, report, layers and paperwork."""
    with _errors():
        from siteplan.config import load_scenario

        _run_and_write(load_scenario(scenario), out, self_contained=self_contained, phase=phase)


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="The scenario TOML file.")]) -> None:
    """Check a scenario file and report every problem at once."""
    with _errors():
        from siteplan.config import load_scenario

        sc = load_scenario(scenario)
        console.print(
            f"[green]OK[/]: {scenario} (scenario {sc.study_area.name!r}, regime "
            f"{sc.legal.effective_regime}, {len(sc.cameras)} camera models, "
            f"budget {sc.budget.total_sek:,.0f} SEK)"
        )


@app.command()
def load(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML (default: the sample).")
    ] = None,
) -> None:
    """Load a scenario's inputs and print their counts."""
    with _errors():
        from siteplan import pipeline
        from siteplan.config import load_scenario
        from siteplan.datasets import get_path

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
        from siteplan.io.outputs import read_plan_row

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
        Path | None, typer.Option("--incidents", help="Incidents up to the report date.")
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
    demo: Annotated[
        bool,
        typer.Option("--demo", help="The sample town's simulated installation (interim 2025)."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default maps/<scenario name>-followup)."),
    ] = None,
) -> None:
    """Follow up installed cameras: effect on incidents and spending (31 Aug / year-end)."""
    with _errors():
        from siteplan import followup as fu

        paths = {
            "installed": installed,
            "incidents": incidents,
            "spending": spending,
            "scenario": scenario,
        }
        if demo:
            paths = {k: v or fu.demo_paths()[k] for k, v in paths.items()}
            year = year or 2025
            period = period or (None if start or end else "interim")
        missing = [f"--{k}" for k, v in paths.items() if v is None]
        if missing:
            msg = f"followup needs {', '.join(missing)} (or --demo for the sample town)."
            raise InputError(msg)
        span = fu.report_period(period, year=year, start=start, end=end)
        report = fu.run_followup(**paths, period=span, plan=plan, grid=grid)
        out_dir = out or Path("maps") / f"{report['meta']['scenario']}-followup"
        html, _ = fu.write_followup(report, out_dir)
        if not _STATE["quiet"]:
            d, o, e = report["did"], report["odds_ratio"], report["economics"]
            irr = (
                f"IRR {d['irr']:.2f} ({d['ci_low']:.2f}-{d['ci_high']:.2f})"
                if d["estimable"]
                else "IRR n/a"
            )
            console.print(
                f"{span.start}..{span.end}: {report['installation']['n_installed']} cameras; "
                f"{irr}; OR {o['odds_ratio']:.2f} ({o['ci_low']:.2f}-{o['ci_high']:.2f}); "
                f"spent {e['spent_sek']:,.0f} of {e['budget_sek']:,.0f} SEK -> {html.parent}"
            )


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
        from siteplan.io import osm as osm_io

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
        from siteplan.io.gtfs import download_gtfs_regional

        path = download_gtfs_regional(operator=operator, key=key, dest=out)
        console.print(f"GTFS feed -> {path}")


def run() -> None:  # pragma: no cover - entry point for `python -m siteplan`
    """Entry point for ``python -m siteplan``."""
    sys.exit(app())
