"""siteplan: where safety cameras help most, within the law and the budget."""

from __future__ import annotations

import logging

from siteplan.config import Scenario, load_scenario

__version__ = "0.1.0"
__all__ = ["Scenario", "__version__", "load_scenario"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
