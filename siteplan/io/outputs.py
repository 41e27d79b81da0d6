"""Write a run's outputs into a folder without ever losing a file siteplan did not write.

Every output of a run (a *bundle*) is written into a fresh hidden sibling folder first; only
when all of it is on disk does it replace the previous outputs. Each folder siteplan writes
holds a manifest, ``.siteplan-manifest.json``, with the SHA-256 of every file it wrote, so a
later run can tell its own files (which it may replace) from anything else (which it never
deletes or overwrites):

- a new or empty folder, or one holding only siteplan's unchanged files, is swapped as a
  whole: two renames, so a run killed at any moment leaves the previous complete outputs or
  the new ones (a kill between the two renames leaves them in ``.NAME.siteplan-old``, which
  the next run puts back first);
- a folder holding anything else is refused (:class:`~siteplan.errors.OutputError`) unless
  ``force=True``, which writes siteplan's files beside the others, each file atomically;
- a file that siteplan would overwrite but did not write (or that was edited since) is always
  refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyogrio

from siteplan import __version__
from siteplan.errors import InputError, OutputError, SourceUnavailableError
from siteplan.io.raster import write_geotiff
from siteplan.render import map as map_render
from siteplan.render import paperwork as paperwork_render
from siteplan.render import portfolio as portfolio_render
from siteplan.render import procurement as procurement_render
from siteplan.render import report as report_render
from siteplan.render import tables

if TYPE_CHECKING:
    from siteplan.pipeline import PlanResult

log = logging.getLogger(__name__)

__all__ = [
    "MANIFEST",
    "Content",
    "check_out_dir",
    "plan_files",
    "read_manifest",
    "read_plan_row",
    "write_bundle",
    "write_plan",
]

MANIFEST = ".siteplan-manifest.json"
_PARTIAL = ".siteplan-partial"  # marks a temporary folder as siteplan's own, unfinished work

Content = str | bytes | Callable[[Path], object]
"""A file's content: text (written as UTF-8), bytes, or a function that writes the path."""


@dataclass(frozen=True)
class _Existing:
    """What an existing output folder holds, split into siteplan's files and the rest."""

    owned: frozenset[str]
    foreign: tuple[str, ...]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(out_dir: str | os.PathLike[str]) -> dict[str, str]:
    """
    The files siteplan wrote into `out_dir`, as relative POSIX path → SHA-256.

    Parameters
    ----------
    out_dir
        An output folder.

    Returns
    -------
    files
        Empty when the folder has no (readable) manifest.
    """
    path = Path(out_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _relative_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name != MANIFEST
    )


def _survey(out_dir: Path) -> _Existing:
    """Split an existing folder's files into siteplan's unchanged ones and the rest."""
    manifest = read_manifest(out_dir)
    owned: list[str] = []
    foreign: list[str] = []
    for rel in _relative_files(out_dir):
        path = out_dir / rel
        mine = rel in manifest and not path.is_symlink() and _sha256(path) == manifest[rel]
        (owned if mine else foreign).append(rel)
    return _Existing(owned=frozenset(owned), foreign=tuple(foreign))


def _recover(out_dir: Path) -> None:
    """Undo a swap that was killed halfway and remove siteplan's abandoned temporary folders."""
    backup = out_dir.with_name(f".{out_dir.name}.siteplan-old")
    if backup.is_dir() and not out_dir.exists():
        os.replace(backup, out_dir)
    elif backup.is_dir() and not _survey(backup).foreign:
        shutil.rmtree(backup, ignore_errors=True)
    for tmp in out_dir.parent.glob(f".{out_dir.name}.siteplan-tmp-*"):
        if (tmp / _PARTIAL).is_file():
            shutil.rmtree(tmp, ignore_errors=True)


def _list(paths: Iterable[str], limit: int = 5) -> str:
    items = list(paths)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_target(out_dir: Path, existing: _Existing | None, names: set[str], force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"--out {out_dir}: is a file, not a folder. Give a folder (new or siteplan's own)."
        raise OutputError(msg)
    if existing is None:
        return
    clash = sorted(names.intersection(existing.foreign))
    if clash:
        msg = (
            f"--out {out_dir}: would overwrite {_list(clash)}, which siteplan did not write (or "
            "which was changed after siteplan wrote it). Move those files away or choose "
            "another output folder; siteplan never overwrites them."
        )
        raise OutputError(msg)
    if existing.foreign and not force:
        msg = (
            f"--out {out_dir}: the folder holds {len(existing.foreign)} file(s) siteplan did not "
            f"write ({_list(existing.foreign)}). Choose a new or empty folder, or pass --force "
            "to write the outputs beside them (they are kept as they are)."
        )
        raise OutputError(msg)


def check_out_dir(out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """
    Refuse early an output folder that :func:`write_bundle` would refuse at the end of a run.

    Parameters
    ----------
    out_dir
        The output folder.
    force
        Whether the run may write beside files siteplan did not write.

    Returns
    -------
    out_dir
        The folder (absolute).

    Raises
    ------
    OutputError
        If `out_dir` is a file, or holds other files and `force` is False.
    """
    out = Path(out_dir).absolute()
    _check_target(out, _survey(out) if out.is_dir() else None, set(), force)
    return out


def _make_temp(out_dir: Path) -> Path:
    """A new hidden sibling folder, created with the same permissions as any new folder."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_dir.with_name(
            f".{out_dir.name}.siteplan-tmp-{os.getpid()}-{secrets.token_hex(4)}"
        )
        tmp.mkdir()
        (tmp / _PARTIAL).write_bytes(b"")
    except OSError as err:
        msg = (
            f"--out {out_dir}: cannot write into {out_dir.parent} ({err.strerror or err}). "
            "Choose a folder you can write to."
        )
        raise OutputError(msg) from err
    return tmp


def _write_files(tmp: Path, files: Mapping[str, Content], kind: str) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for rel in sorted(files):
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        content = files[rel]
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content(path)
        hashes[rel] = _sha256(path)
    manifest = {"kind": kind, "siteplan_version": __version__, "files": hashes}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", "utf-8")
    return hashes


def _swap(tmp: Path, out_dir: Path) -> None:
    """Replace `out_dir` (siteplan's files only) by `tmp` with two renames."""
    backup = out_dir.with_name(f".{out_dir.name}.siteplan-old")
    if out_dir.exists():
        os.replace(out_dir, backup)
    os.replace(tmp, out_dir)
    shutil.rmtree(backup, ignore_errors=True)


def _beside(tmp: Path, out_dir: Path, hashes: dict[str, str], previous: frozenset[str]) -> None:
    """Move each new file into `out_dir` atomically; drop siteplan's own files now stale."""
    for rel in sorted(hashes):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / rel, target)
    for rel in sorted(previous - set(hashes)):
        (out_dir / rel).unlink(missing_ok=True)
    os.replace(tmp / MANIFEST, out_dir / MANIFEST)
    shutil.rmtree(tmp, ignore_errors=True)


def write_bundle(
    out_dir: str | os.PathLike[str],
    files: Mapping[str, Content],
    *,
    force: bool = False,
    kind: str = "plan",
) -> Path:
    """
    Write a run's files into `out_dir`, replacing only files siteplan wrote there before.

    Parameters
    ----------
    out_dir
        The output folder; created if missing.
    files
        Relative POSIX path (``"paperwork/S001.md"``) → content.
    force
        Write beside files siteplan did not write (they are kept); without it such a folder
        is refused.
    kind
        What the bundle is (``"plan"``, ``"followup"``), recorded in the manifest.

    Returns
    -------
    out_dir
        The folder written (absolute).

    Raises
    ------
    OutputError
        If `out_dir` is a file, holds other files (without `force`), holds a file of the same
        name that siteplan did not write, or cannot be written.
    """
    out = Path(out_dir).absolute()
    _recover(out)
    existing = _survey(out) if out.is_dir() else None
    names = set(files)
    _check_target(out, existing, names, force)
    tmp = _make_temp(out)
    try:
        hashes = _write_files(tmp, files, kind)
        (tmp / _PARTIAL).unlink()
        if existing is None or not existing.foreign:
            _swap(tmp, out)
        else:
            _beside(tmp, out, hashes, existing.owned)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _gpkg_writer(layers: Mapping[str, Any]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        for name, frame in layers.items():
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")

    return write


def plan_files(result: PlanResult, *, self_contained: bool | None = None) -> dict[str, Content]:
    """
    Every output file of a plan, by relative path; render does the content, this the files.

    Parameters
    ----------
    result
        The plan.
    self_contained
        Inline every map asset (default: the scenario's ``output.self_contained``).

    Returns
    -------
    files
        ``summary.json``, ``cameras.csv``, ``plan.gpkg``, ``heat.tif``, ``map.html``,
        ``report.html``, the paperwork (``paperwork/*``, ``register.csv``),
        ``procurement.csv`` and, with a portfolio of measures, ``portfolio.csv`` and
        ``measures.csv`` (and the ``measures`` layer of ``plan.gpkg``).
    """
    sc = result.scenario
    inline = sc.output.self_contained if self_contained is None else self_contained
    files: dict[str, Content] = {
        "summary.json": tables.summary_json(result),
        "cameras.csv": tables.cameras_csv(result),
        "plan.gpkg": _gpkg_writer(
            {**tables.gpkg_layers(result), **portfolio_render.portfolio_gpkg_layers(result)}
        ),
        "heat.tif": lambda path: write_geotiff(
            path, result.heat, result.heat_transform, sc.study_area.crs
        ),
        "map.html": map_render.map_html(map_render.plan_map(result, self_contained=inline)),
        "report.html": report_render.render_report(result),
    }
    files.update(paperwork_render.paperwork_files(result))
    files.update(procurement_render.procurement_files(result))
    files.update(portfolio_render.portfolio_files(result))
    return files


def write_plan(
    result: PlanResult,
    out_dir: str | os.PathLike[str],
    *,
    self_contained: bool | None = None,
    force: bool = False,
) -> Path:
    """
    Write every output of a plan into `out_dir` (see :func:`write_bundle` for the guarantees).

    Parameters
    ----------
    result
        The plan.
    out_dir
        The output folder.
    self_contained
        Inline every map asset (default: the scenario's ``output.self_contained``).
    force
        Write beside files siteplan did not write (they are kept).

    Returns
    -------
    out_dir
        The folder written.
    """
    out = write_bundle(
        out_dir, plan_files(result, self_contained=self_contained), force=force, kind="plan"
    )
    log.info("wrote plan outputs to %s", out)
    return out


def read_plan_row(out_dir: str | Path, item_id: str) -> tuple[str, dict[str, Any]]:
    """
    Find a corridor or camera by id in a plan's ``plan.gpkg``.

    Parameters
    ----------
    out_dir
        The plan's output folder.
    item_id
        A ``corridor_id`` or ``camera_id``.

    Returns
    -------
    layer, row
        The layer it was found in (``corridors`` or ``cameras``) and its attributes.

    Raises
    ------
    SourceUnavailableError
        If the folder has no ``plan.gpkg``.
    InputError
        If no row has that id.
    """
    path = Path(out_dir) / "plan.gpkg"
    if not path.is_file():
        msg = (
            f"{path}: not found. Run `siteplan plan SCENARIO --out {out_dir}` "
            "(or `siteplan demo`) first."
        )
        raise SourceUnavailableError(msg)
    for layer, key in (("cameras", "camera_id"), ("corridors", "corridor_id")):
        frame = pyogrio.read_dataframe(
            path, layer=layer, where=f"{key} = '{item_id.replace(chr(39), '')}'"
        )
        if len(frame):
            return layer, frame.iloc[0].to_dict()
    msg = (
        f"{path}: no corridor or camera with id {item_id!r}. Camera ids look like 'cam-001'; "
        "corridor ids are listed in the report's ranking and in the `corridors` layer."
    )
    raise InputError(msg)
