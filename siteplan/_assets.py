"""Inline the JavaScript and CSS a folium map links to, so its HTML works without a network.

The asset texts come from the installed ``folium-offline`` package (import name
``offlinefolium``), which ships Leaflet, d3 and folium's other CDN assets keyed by their URL.
Nothing is downloaded here: an asset it does not carry is an error naming the URL.
"""

from __future__ import annotations

import re

from siteplan.errors import SourceUnavailableError

__all__ = ["EXTERNAL_REFERENCE", "asset_text", "external_references", "inline_assets"]

_SCRIPT = re.compile(r'<script\s+src="(https?://[^"]+)"\s*>\s*</script>', re.IGNORECASE)
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="(https?://[^"]+)"\s*/?>', re.IGNORECASE)

#: What counts as an external reference in a self-contained page.
EXTERNAL_REFERENCE = re.compile(
    r'<script[^>]*\ssrc="https?:|<link[^>]*\shref="https?:|url\(\s*["\']?https?:|<img[^>]*\ssrc="https?:',
    re.IGNORECASE,
)


def asset_text(url: str) -> str:
    """
    The text of the asset at `url`, from folium-offline's embedded copies.

    Parameters
    ----------
    url
        A CDN URL as folium or branca links it.

    Returns
    -------
    text
        The JavaScript or CSS source.

    Raises
    ------
    SourceUnavailableError
        If folium-offline is not installed or has no copy of `url`.
    """
    try:
        from offlinefolium.elements import _res
    except ImportError as err:
        msg = (
            "Self-contained maps need the folium-offline package (import name offlinefolium): "
            "pip install folium-offline, or save the map with self_contained=False."
        )
        raise SourceUnavailableError(msg) from err
    try:
        return _res[url]
    except KeyError:
        msg = (
            f"The map links to {url}, which folium-offline does not carry, so it cannot be "
            "inlined. Remove the element that needs it, or save with self_contained=False."
        )
        raise SourceUnavailableError(msg) from None


def inline_assets(html: str) -> str:
    """
    Replace every ``<script src="http...">`` and stylesheet ``<link href="http...">`` by its text.

    Parameters
    ----------
    html
        A rendered page.

    Returns
    -------
    html
        The page with those assets inlined.

    Raises
    ------
    SourceUnavailableError
        If an asset cannot be inlined, or an external reference remains afterwards.
    """

    def script(match: re.Match[str]) -> str:
        # A literal "</script" inside the code would end the element early.
        code = asset_text(match.group(1)).replace("</script", "<\\/script")
        return f"<script>\n{code}\n</script>"

    def style(match: re.Match[str]) -> str:
        css = asset_text(match.group(1)).replace("</style", "<\\/style")
        return f"<style>\n{css}\n</style>"

    out = _LINK.sub(style, _SCRIPT.sub(script, html))
    left = external_references(out)
    if left:
        msg = (
            f"The map still references {len(left)} external resource(s) after inlining, e.g. "
            f"{left[0]!r}. Save with self_contained=False, or remove that element."
        )
        raise SourceUnavailableError(msg)
    return out


def external_references(html: str) -> list[str]:
    """
    External script, stylesheet, image and CSS ``url()`` references left in `html`.

    Parameters
    ----------
    html
        A rendered page.

    Returns
    -------
    refs
        Up to 80 characters from each reference found, in page order.
    """
    return [html[m.start() : m.start() + 80] for m in EXTERNAL_REFERENCE.finditer(html)]
