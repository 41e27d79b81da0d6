"""``python -m siteplan`` runs the CLI."""

from siteplan.cli import run

run()
