"""Write one marked section of benchmarks/RESULTS.md, keeping the others."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(text: str, start: str, end: str) -> None:
    """
    Replace the section between `start` and `end` in RESULTS.md by `text`, in place.

    A section not yet in the file is appended at its end.

    Parameters
    ----------
    text
        The new section, starting with `start` and ending with `end`.
    start, end
        The section's marker comments.
    """
    old = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + text + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    tmp = RESULTS.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(RESULTS)
