"""The only package that reads files or the network.

Every loader returns layers in the working CRS with the columns of :mod:`siteplan.schemas`,
logs a one-line summary with counts, and raises :mod:`siteplan.errors` exceptions whose
message names the file, the row or column, what was found and how to fix it.
"""
