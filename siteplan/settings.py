"""Process-level knobs (not scenario settings).

Attributes
----------
cache_folder
    Where downloads (OSM via osmnx, GTFS from Trafiklab) are cached. Default
    ``~/.cache/siteplan`` or ``$SITEPLAN_CACHE``.
offline
    When True, any code path that would touch the network raises
    :class:`siteplan.errors.SourceUnavailableError` instead. Default from
    ``$SITEPLAN_OFFLINE`` (``1``/``true``).
requests_timeout_s
    Timeout for HTTP requests in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

cache_folder: Path = Path(os.environ.get("SITEPLAN_CACHE", Path.home() / ".cache" / "siteplan"))
offline: bool = os.environ.get("SITEPLAN_OFFLINE", "").lower() in {"1", "true", "yes"}
requests_timeout_s: float = 180.0
