"""Walk network -> corridor segments: the unit every later step scores, classifies and covers.

:func:`build_corridors` merges street edges through degree-2 nodes where name and highway agree,
then cuts every line into equal parts of at most ``max_length_m``. :func:`corridor_graph` turns
the segments into a networkx graph for walking distances, and :func:`snap_points` attaches points
(stops, sites) to their nearest segment.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import defaultdict
from collections.abc import Hashable

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from siteplan.crs import require_projected, require_same_crs
from siteplan.errors import InputError, InputWarning
from siteplan.schemas import require

__all__ = [
    "CORRIDOR_COLUMNS",
    "build_corridors",
    "corridor_graph",
    "snap_points",
    "split_at_boundaries",
]

log = logging.getLogger(__name__)

#: Columns of the corridors layer, in output order (index `corridor_id`).
CORRIDOR_COLUMNS = ("length_m", "name", "highway", "area", "u", "v", "geometry")

_EDGE_COLUMNS = ("u", "v", "highway", "name")
_EDGES_HINT = "Load the walk network through siteplan.io.osm, which builds these columns."
_CORRIDORS_HINT = "Build it with siteplan.corridors.build_corridors."
_PART_DIGITS = 3  # zero-padded part number keeps string order = along-line order up to 999 parts


def build_corridors(
    edges: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame | None = None,
    max_length_m: float = 50.0,
) -> gpd.GeoDataFrame:
    """
    Cut the walk network into corridor segments of at most `max_length_m`.

    Edges that meet at a node with no other edge (degree 2) and share name and highway are
    merged into one line first, so a street is not cut at leftover OSM nodes. Each line is then
    split into ``ceil(length / max_length_m)`` parts of equal length.

    Parameters
    ----------
    edges
        Street edges in a projected CRS, one row per undirected street, indexed by `edge_id`,
        with columns u, v (OSM node ids), highway, name and LineString geometry running from
        u to v. A `key` column is not needed; parallel edges get their own ids.
    areas
        Priority areas indexed by area name, polygons in the same CRS as `edges`.
    max_length_m
        Longest segment in metres. Must be > 0.

    Returns
    -------
    corridors
        Indexed by `corridor_id` ("c-<u>-<v>-<k>-<part>": the line's sorted end-node ids, a
        parallel-line number and the zero-padded part number), sorted by it, with the columns of
        ``schemas.LAYERS["corridors"]``. Node ids `u`, `v` are strings: the OSM node id at a
        line's ends, "<c-u-v-k>:<i>" at the i-th split point. Geometry runs from `u` to `v`.
        The same input gives the same ids whatever its row order.

    Raises
    ------
    CRSError
        If `edges` or `areas` is unprojected, or their CRSs differ.
    InputError
        If `edges` is empty, lacks a column, has duplicate edge ids or non-integer node ids,
        or `max_length_m` is not positive.

    Warns
    -----
    InputWarning
        If rows without a usable LineString were skipped (with their count).
    """
    _check_max_length(max_length_m)
    require_projected(edges, "edges")
    _check_edges(edges)
    if areas is not None:
        require_same_crs(edges, areas, "edges", "areas")

    chains = _merge_chains(_usable_edges(edges))
    corridors = _segments(chains, max_length_m, edges.crs)
    corridors["area"] = _area_of_midpoints(corridors, areas)
    corridors = corridors.sort_index()[list(CORRIDOR_COLUMNS)]

    n_merged = int((chains["n_edges"] > 1).sum())
    log.info(
        "build_corridors: %d edges -> %d lines (%d merged through degree-2 nodes) -> %d corridors "
        "of at most %g m, %.1f km, %d in priority areas",
        len(edges),
        len(chains),
        n_merged,
        len(corridors),
        max_length_m,
        corridors["length_m"].sum() / 1000,
        int(corridors["area"].notna().sum()),
    )
    return corridors


def corridor_graph(corridors: gpd.GeoDataFrame) -> nx.Graph:
    """
    Build the walking graph of corridor segments.

    Parameters
    ----------
    corridors
        Output of :func:`build_corridors` (columns u, v, length_m, geometry).

    Returns
    -------
    graph
        Undirected graph whose nodes are the corridors' `u`/`v` ids (with `x`, `y` attributes
        in the working CRS) and whose edges carry `length_m` and `corridor_id`. Where several
        corridors join the same two nodes, the shortest one (then the smallest id) is kept;
        single-segment loops (u == v) are left out, as no shortest path uses them.

    Raises
    ------
    InputError
        If a column is missing.
    """
    require(corridors, ("u", "v", "length_m", "geometry"), name="corridors", hint=_CORRIDORS_HINT)
    ordered = corridors.sort_index()
    graph = nx.Graph()
    starts = shapely.get_coordinates(shapely.get_point(ordered.geometry.values, 0))
    ends = shapely.get_coordinates(shapely.get_point(ordered.geometry.values, -1))
    for node, (x, y) in zip(ordered["u"], starts, strict=True):
        graph.add_node(node, x=float(x), y=float(y))
    for node, (x, y) in zip(ordered["v"], ends, strict=True):
        graph.add_node(node, x=float(x), y=float(y))
    rows = zip(ordered.index, ordered["u"], ordered["v"], ordered["length_m"], strict=True)
    for cid, a, b, length in rows:
        if a == b:
            continue
        old = graph.get_edge_data(a, b)
        if old is None or (float(length), cid) < (old["length_m"], old["corridor_id"]):
            graph.add_edge(a, b, length_m=float(length), corridor_id=cid)
    log.debug(
        "corridor_graph: %d nodes, %d edges from %d corridors",
        graph.number_of_nodes(),
        graph.number_of_edges(),
        len(corridors),
    )
    return graph


def split_at_boundaries(
    corridors: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    *,
    min_piece_m: float = 1.0,
) -> gpd.GeoDataFrame:
    """
    Split corridor segments where they cross the boundary of `polygons` (e.g. stop areas).

    Afterwards every segment lies wholly inside or wholly outside the polygons (up to
    `min_piece_m`: a cut closer than that to a segment end or to another cut is dropped, so
    no sliver segments appear).

    Parameters
    ----------
    corridors
        Output of :func:`build_corridors` (columns :data:`CORRIDOR_COLUMNS`).
    polygons
        Polygons in the CRS of `corridors`.
    min_piece_m
        Shortest piece in metres.

    Returns
    -------
    corridors
        A copy with each crossed segment replaced by its pieces, in order along the line:
        ``"<corridor_id>.<j>"`` (j = 0, 1, ...; two digits), the first piece starting at `u`
        and the last ending at `v`, new nodes ``"<corridor_id>:b<j>"`` at the cuts,
        ``length_m`` of each piece, other columns copied. Uncut segments keep their ids.

    Raises
    ------
    CRSError
        If the layers are unprojected or their CRSs differ.
    """
    require_same_crs(corridors, polygons, "corridors", "polygons")
    if corridors.empty or polygons.empty:
        return corridors.copy()
    boundary = shapely.union_all(shapely.boundary(polygons.geometry.to_numpy()))
    lines = corridors.geometry.to_numpy()
    crossed = np.flatnonzero(shapely.intersects(lines, boundary))
    if not len(crossed):
        return corridors.copy()
    rows: list[pd.DataFrame] = []
    keep = np.ones(len(corridors), dtype=bool)
    for i in crossed:
        cuts = _cut_distances(lines[i], boundary, min_piece_m)
        if not cuts:
            continue
        keep[i] = False
        rows.append(_pieces(corridors.iloc[[i]], cuts))
    if not rows:
        return corridors.copy()
    out = pd.concat([corridors[keep], *rows]).sort_index()
    log.info(
        "split_at_boundaries: %d segments cut into %d pieces",
        int((~keep).sum()),
        sum(len(r) for r in rows),
    )
    return gpd.GeoDataFrame(out, geometry="geometry", crs=corridors.crs)


def _cut_distances(line: shapely.LineString, boundary: object, min_piece_m: float) -> list[float]:
    """Distances along `line` where it crosses `boundary`, without slivers."""
    hits = shapely.get_parts(shapely.intersection(line, boundary))
    pts = shapely.get_coordinates(hits)
    length = float(line.length)
    cuts: list[float] = []
    for d in sorted(float(x) for x in shapely.line_locate_point(line, shapely.points(pts))):
        if min_piece_m <= d <= length - min_piece_m and (not cuts or d - cuts[-1] >= min_piece_m):
            cuts.append(d)
    return cuts


def _pieces(row: gpd.GeoDataFrame, cuts: list[float]) -> gpd.GeoDataFrame:
    """The pieces of one corridor row between `cuts` (metres along it)."""
    cid = str(row.index[0])
    line = row.geometry.iloc[0]
    edges = [0.0, *cuts, float(line.length)]
    n = len(edges) - 1
    geoms = [shapely.ops.substring(line, edges[j], edges[j + 1]) for j in range(n)]
    nodes = [str(row["u"].iloc[0]), *[f"{cid}:b{j + 1}" for j in range(n - 1)]]
    nodes.append(str(row["v"].iloc[0]))
    out = pd.DataFrame(
        {c: np.repeat(row[c].to_numpy(), n) for c in row.columns if c != row.geometry.name},
        index=pd.Index([f"{cid}.{j:02d}" for j in range(n)], name=row.index.name),
    )
    out["u"] = nodes[:-1]
    out["v"] = nodes[1:]
    out["length_m"] = [float(g.length) for g in geoms]
    return gpd.GeoDataFrame(out, geometry=geoms, crs=row.crs)


def snap_points(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    corridors: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 50.0,
) -> pd.DataFrame:
    """
    Attach each point to its nearest corridor segment.

    Parameters
    ----------
    points
        Points in the same projected CRS as `corridors`.
    corridors
        Output of :func:`build_corridors` (columns u, v, length_m, geometry).
    max_distance_m
        Points farther than this from every corridor are left unsnapped.

    Returns
    -------
    snapped
        Indexed like `points`, with `corridor_id` (nearest segment; ties go to the smallest
        id), `distance_m` (point to segment), `position_m` (distance along the segment from its
        `u` end to the projected point), `node` (the segment end nearer along it: `u` when
        position_m <= length / 2, else `v`) and `node_offset_m` (distance along the segment
        from the projected point to `node`). Unsnapped points have missing values.

    Raises
    ------
    CRSError
        If either layer is unprojected or their CRSs differ.
    InputError
        If `corridors` lacks a column or `max_distance_m` is negative.

    Warns
    -----
    InputWarning
        If some points were farther than `max_distance_m` from every corridor.
    """
    require_same_crs(points, corridors, "points", "corridors")
    require(corridors, ("u", "v", "length_m", "geometry"), name="corridors", hint=_CORRIDORS_HINT)
    if not max_distance_m >= 0:
        msg = f"max_distance_m must be >= 0; got {max_distance_m!r}."
        raise InputError(msg)
    geoms = points.geometry.values if isinstance(points, gpd.GeoDataFrame) else points.values
    n = len(geoms)
    out = pd.DataFrame(
        {
            "corridor_id": pd.Series([None] * n, dtype="str"),
            "distance_m": np.full(n, np.nan),
            "position_m": np.full(n, np.nan),
            "node": pd.Series([None] * n, dtype="str"),
            "node_offset_m": np.full(n, np.nan),
        }
    )
    out.index = points.index
    if n == 0 or corridors.empty:
        return out

    left, right, dist = _nearest_segments(geoms, corridors, max_distance_m)
    lines = corridors.geometry.values[right]
    pos = shapely.line_locate_point(lines, geoms[left])
    length = shapely.length(lines)
    near_u = pos <= length / 2
    node = np.where(near_u, corridors["u"].to_numpy()[right], corridors["v"].to_numpy()[right])
    out.iloc[left, out.columns.get_loc("corridor_id")] = corridors.index.to_numpy()[right]
    out.iloc[left, out.columns.get_loc("distance_m")] = dist
    out.iloc[left, out.columns.get_loc("position_m")] = pos
    out.iloc[left, out.columns.get_loc("node")] = node
    out.iloc[left, out.columns.get_loc("node_offset_m")] = np.where(near_u, pos, length - pos)

    missing = n - len(left)
    if missing:
        msg = (
            f"snap_points: {missing} of {n} point(s) are more than {max_distance_m:g} m from every "
            "corridor and were left unsnapped (missing corridor_id). Check that the points and "
            "the walk network cover the same area."
        )
        warnings.warn(msg, InputWarning, stacklevel=2)
    log.debug("snap_points: %d of %d points snapped within %g m", len(left), n, max_distance_m)
    return out


# ---------------------------------------------------------------------------------------------
# helpers


def _nearest_segments(
    geoms: np.ndarray, corridors: gpd.GeoDataFrame, max_distance_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Each point's nearest corridor within `max_distance_m`: ``(point, corridor row, distance)``.

    Points with no corridor that close are left out; ties on distance go to the smallest
    corridor id.
    """
    (left, right), dist = corridors.sindex.nearest(
        geoms, return_all=True, max_distance=max_distance_m, return_distance=True
    )
    cids = corridors.index.to_numpy()[right]
    order = np.lexsort((cids.astype(str), dist, left))  # by (point, distance, id)
    left, right, dist = left[order], right[order], dist[order]
    first = np.concatenate([[True], left[1:] != left[:-1]]) if len(left) else np.array([], bool)
    return left[first], right[first], dist[first]


def _check_max_length(max_length_m: float) -> None:
    """Raise unless `max_length_m` is a finite number > 0."""
    if (
        not (isinstance(max_length_m, int | float) and math.isfinite(max_length_m))
        or max_length_m <= 0
    ):
        msg = f"max_length_m must be a number > 0 (corridors.max_length_m); got {max_length_m!r}."
        raise InputError(msg)


def _check_edges(edges: gpd.GeoDataFrame) -> None:
    """Raise if `edges` lacks a column, is empty, repeats an edge id or has bad node ids."""
    require(edges, _EDGE_COLUMNS, name="edges", hint=_EDGES_HINT)
    if edges.empty:
        msg = "`edges` is empty: the walk network has no streets. Check the study area and input."
        raise InputError(msg)
    if not edges.index.is_unique:
        dupes = edges.index[edges.index.duplicated()].unique()[:3].tolist()
        msg = (
            f"`edges`: the index (edge_id) has duplicates, e.g. {dupes}. "
            "Each street needs its own id."
        )
        raise InputError(msg)
    for col in ("u", "v"):
        values = edges[col]
        if pd.api.types.is_integer_dtype(values.dtype):
            continue
        bad = values.isna() | ~values.map(lambda x: isinstance(x, int | np.integer))
        if bad.any():
            row = bad.idxmax()
            msg = (
                f"`edges`: column {col!r} must hold integer OSM node ids; edge_id {row!r} has "
                f"{values[row]!r} ({int(bad.sum())} such row(s)). Use the node ids of the graph."
            )
            raise InputError(msg)


def _text(value: object) -> str | None:
    """Normalise a name/highway cell: None for missing, '; '-joined for lists."""
    if isinstance(value, list | tuple | set | np.ndarray):
        items = sorted({str(x) for x in value if not _is_missing(x)})
        return "; ".join(items) if items else None
    if _is_missing(value):
        return None
    return str(value)


def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _usable_edges(edges: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per usable LineString, sorted by edge_id; warns about skipped rows."""
    geoms = edges.geometry.values.copy()
    multi = shapely.get_type_id(geoms) == shapely.GeometryType.MULTILINESTRING
    if multi.any():
        geoms[multi] = shapely.line_merge(geoms[multi])
    ok = (
        (shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING)
        & ~shapely.is_empty(geoms)
        & (shapely.length(geoms) > 0)
    )
    ok = np.asarray(ok, dtype=bool)
    if not ok.all():
        bad = edges.index[~ok]
        msg = (
            f"edges: skipped {len(bad)} of {len(edges)} row(s) without a usable LineString "
            f"(missing, empty, zero length, or a MultiLineString that is not one line), e.g. "
            f"edge_id {bad[:3].tolist()}."
        )
        warnings.warn(msg, InputWarning, stacklevel=3)
    if not ok.any():
        msg = "`edges`: no row has a usable LineString geometry; nothing to build corridors from."
        raise InputError(msg)
    frame = pd.DataFrame(
        {
            "edge_id": edges.index[ok].astype(str),
            "u": edges["u"].to_numpy()[ok].astype(np.int64),
            "v": edges["v"].to_numpy()[ok].astype(np.int64),
            "name": [_text(x) for x in edges["name"].to_numpy()[ok]],
            "highway": [_text(x) for x in edges["highway"].to_numpy()[ok]],
            "geometry": shapely.force_2d(geoms[ok]),
        }
    )
    return frame.sort_values("edge_id", kind="stable").reset_index(drop=True)


def _merge_chains(frame: pd.DataFrame) -> pd.DataFrame:
    """
    Merge edges through degree-2 nodes whose two edges agree on name and highway.

    Returns one row per line: a, b (end node ids, a <= b unless a loop), base_id
    ("c-<a>-<b>-<k>"), name, highway, n_edges, geometry running from a to b.
    """
    u = frame["u"].to_numpy()
    v = frame["v"].to_numpy()
    labels = list(zip(frame["name"], frame["highway"], strict=True))
    geoms = frame["geometry"].to_numpy()
    edge_ids = frame["edge_id"].to_numpy()

    incident: dict[int, list[int]] = defaultdict(list)  # rows are in edge_id order
    for i, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        incident[a].append(i)
        incident[b].append(i)

    def through(node: int) -> bool:
        rows = incident[node]
        return len(rows) == 2 and rows[0] != rows[1] and labels[rows[0]] == labels[rows[1]]

    visited = np.zeros(len(frame), dtype=bool)
    chains: list[tuple[int, int, list[int], list[bool]]] = []

    def walk(start: int, row: int) -> None:
        rows: list[int] = []
        forward: list[bool] = []
        node = start
        while True:
            visited[row] = True
            rows.append(row)
            forward.append(bool(u[row] == node))
            node = int(v[row] if u[row] == node else u[row])
            if node == start or not through(node):
                break
            a, b = incident[node]
            row = b if a == row else a
            if visited[row]:
                break
        chains.append((start, node, rows, forward))

    for node in sorted(n for n in incident if not through(n)):
        for row in incident[node]:
            if not visited[row]:
                walk(node, row)
    # What is left are closed rings of through-nodes: cut each at a fixed node.
    for row in range(len(frame)):
        if not visited[row]:
            walk(int(min(u[row], v[row])), row)

    records = []
    for start, end, rows, forward in chains:
        if len(rows) == 1:
            line = geoms[rows[0]] if forward[0] else shapely.reverse(geoms[rows[0]])
        else:
            line = _join([geoms[r] for r in rows], forward)
        a, b = start, end
        if a > b:
            a, b = b, a
            line = shapely.reverse(line)
        records.append(
            {
                "a": a,
                "b": b,
                "edges": tuple(sorted(edge_ids[r] for r in rows)),
                "name": labels[rows[0]][0],
                "highway": labels[rows[0]][1],
                "n_edges": len(rows),
                "geometry": line,
            }
        )
    lines = pd.DataFrame.from_records(records).sort_values(["a", "b", "edges"], kind="stable")
    lines["k"] = lines.groupby(["a", "b"], sort=False).cumcount()
    lines["base_id"] = [
        f"c-{a}-{b}-{k}" for a, b, k in zip(lines["a"], lines["b"], lines["k"], strict=True)
    ]
    return lines.reset_index(drop=True)


def _segments(chains: pd.DataFrame, max_length_m: float, crs: object) -> gpd.GeoDataFrame:
    """
    Cut each chain into equal parts of at most `max_length_m`: ids, end nodes, geometry.

    The ``area`` column is left empty (None) for the caller to fill.
    """
    lines = np.asarray(chains["geometry"], dtype=object)
    parts, line_of_part, part_no, n_parts = _split_lines(lines, max_length_m)
    base = chains["base_id"].to_numpy()[line_of_part]
    last = part_no == n_parts[line_of_part] - 1
    ids = [f"{b}-{p:0{_PART_DIGITS}d}" for b, p in zip(base, part_no, strict=True)]
    starts = chains["a"].to_numpy()[line_of_part]
    ends = chains["b"].to_numpy()[line_of_part]
    u = [str(a) if p == 0 else f"{b}:{p}" for a, b, p in zip(starts, base, part_no, strict=True)]
    v = [
        str(e) if is_last else f"{b}:{p + 1}"
        for e, b, p, is_last in zip(ends, base, part_no, last, strict=True)
    ]
    return gpd.GeoDataFrame(
        {
            "length_m": shapely.length(parts),
            "name": chains["name"].to_numpy()[line_of_part],
            "highway": chains["highway"].to_numpy()[line_of_part],
            "area": None,
            "u": u,
            "v": v,
        },
        geometry=gpd.GeoSeries(parts, crs=crs).values,
        index=pd.Index(ids, name="corridor_id"),
        crs=crs,
    )


def _join(pieces: list[shapely.LineString], forward: list[bool]) -> shapely.LineString:
    """Concatenate line pieces walked in order; orientation follows u/v, checked by geometry."""
    coords = shapely.get_coordinates(pieces[0])
    if not forward[0]:
        coords = coords[::-1]
    out = [coords]
    end = coords[-1]
    for piece, fwd in zip(pieces[1:], forward[1:], strict=True):
        c = shapely.get_coordinates(piece)
        if not fwd:
            c = c[::-1]
        # Trust the geometry over u/v if the piece was stored the other way round.
        if np.hypot(*(c[-1] - end)) < np.hypot(*(c[0] - end)):
            c = c[::-1]
        out.append(c[1:])
        end = c[-1]
    return shapely.LineString(np.concatenate(out))


def _split_lines(
    lines: np.ndarray, max_length_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """
    Split each line into ceil(L / max_length_m) parts of equal length, vectorised.

    Returns the parts, the line index of each part, its part number and each line's part count.
    Line ends keep their exact coordinates; a split point is the same coordinate in both parts.
    """
    m = len(lines)
    length = shapely.length(lines)
    n_parts = np.maximum(1, np.ceil(length / max_length_m - 1e-9)).astype(np.int64)
    part_len = length / n_parts
    offset = np.concatenate([[0], np.cumsum(n_parts)[:-1]])

    xy, idx = shapely.get_coordinates(lines, return_index=True)
    step = np.hypot(*np.diff(xy, axis=0).T)
    step[idx[1:] != idx[:-1]] = 0.0
    cum = np.concatenate([[0.0], np.cumsum(step)])
    first = np.searchsorted(idx, np.arange(m))
    last = np.concatenate([first[1:], [len(idx)]]) - 1
    dist = cum - cum[first][idx]

    # Interior vertices, except those lying on a cut (the cut point stands in for them).
    t = dist / part_len[idx]
    inner = np.ones(len(idx), dtype=bool)
    inner[first] = False
    inner[last] = False
    inner &= np.abs(t - np.rint(t)) > 1e-9
    vert_part = np.clip(np.floor(t), 0, n_parts[idx] - 1).astype(np.int64)

    cut_line = np.repeat(np.arange(m), n_parts - 1)
    cut_k = np.arange(len(cut_line)) - np.repeat(offset - np.arange(m), n_parts - 1) + 1
    cut_d = cut_k * part_len[cut_line]
    cut_xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[cut_line], cut_d))
    if len(cut_line) == 0:
        cut_xy = np.empty((0, 2))

    # (part, distance along line, order: 0 start / 1 interior / 2 end, x, y)
    gid = np.concatenate(
        [
            offset,  # line starts
            offset + n_parts - 1,  # line ends
            offset[idx[inner]] + vert_part[inner],
            offset[cut_line] + cut_k - 1,  # cut as the end of the previous part
            offset[cut_line] + cut_k,  # cut as the start of the next part
        ]
    )
    along = np.concatenate([np.zeros(m), length, dist[inner], cut_d, cut_d])
    order = np.concatenate(
        [
            np.zeros(m),
            np.full(m, 2),
            np.ones(int(inner.sum())),
            np.full(len(cut_line), 2),
            np.zeros(len(cut_line)),
        ]
    )
    coords = np.concatenate([xy[first], xy[last], xy[inner], cut_xy, cut_xy])
    sort = np.lexsort((order, along, gid))
    parts = shapely.linestrings(coords[sort], indices=gid[sort])

    line_of_part = np.repeat(np.arange(m), n_parts)
    part_no = np.arange(len(line_of_part)) - np.repeat(offset, n_parts)
    return np.asarray(parts), line_of_part, part_no, n_parts


def _area_of_midpoints(
    corridors: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None
) -> list[Hashable]:
    """The area containing each segment's midpoint (first by area name if several), else None."""
    n = len(corridors)
    if areas is None or areas.empty or n == 0:
        return [None] * n
    mid = shapely.line_interpolate_point(corridors.geometry.values, 0.5, normalized=True)
    left, right = areas.sindex.query(mid, predicate="intersects")
    names = areas.index.to_numpy()[right]
    hits = pd.DataFrame({"row": left, "area": names.astype(str)}).sort_values(
        ["row", "area"], kind="stable"
    )
    first = hits.drop_duplicates("row")
    result: list[Hashable] = [None] * n
    for row, name in zip(first["row"], first["area"], strict=True):
        result[int(row)] = name
    return result
