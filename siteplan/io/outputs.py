"""Read back a plan's written outputs (for ``siteplan explain`` and the follow-up)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyogrio

from siteplan.errors import InputError, SourceUnavailableError

__all__ = ["read_plan_row"]


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
