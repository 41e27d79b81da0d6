"""The self-contained map in a real headless Chromium, with every network request blocked."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteplan.render import map as maps

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (install it with `apt-get install chromium`)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def map_file(tmp_path_factory) -> Path:
    try:
        from test_render_map import build, sample_layers
    except ImportError:  # tests/ imported as a package
        from tests.test_render_map import build, sample_layers

    layers = sample_layers()
    # An escaped name must show as text, never run.
    layers["cameras"].loc["cam-002", "legal_reason"] = "<script>alert(1)</script>"
    m = build(layers, self_contained=True, lang="sv", fictional=True, title="Linköping <test>")
    path = tmp_path_factory.mktemp("browser") / "map.html"
    path.write_text(maps.map_html(m), encoding="utf-8")
    return path


def open_map(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    blocked: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-control-layers", timeout=15_000)
    return page, errors, blocked, dialogs


def test_map_works_offline_in_chromium(browser, map_file):
    page, errors, blocked, dialogs = open_map(browser, map_file)
    try:
        # Every layer is listed in the layer control.
        labels = [
            s.strip()
            for s in page.locator(".leaflet-control-layers-overlays label span").all_inner_texts()
        ]
        for name in maps.layer_names("sv", grid_m=100.0).values():
            assert name in labels, (name, labels)
        # Camera markers and footprints are drawn as interactive SVG paths.
        assert page.locator("path.siteplan-camera.leaflet-interactive").count() == 2
        assert page.locator("path.siteplan-footprint.leaflet-interactive").count() == 2
        # The five hotspot segments and the two stop-area polygons.
        assert page.locator("path.siteplan-hotspot.leaflet-interactive").count() == 5
        assert page.locator("path.siteplan-stop-area.leaflet-interactive").count() == 2
        assert page.locator("path.leaflet-interactive").count() >= 2 + 2 + 12 + 2 + 1
        assert page.locator("img.leaflet-image-layer").count() == 1  # the heat overlay
        assert page.locator(".siteplan-legend").inner_text().startswith("Teckenförklaring")
        assert "FIKTIVA DATA" in page.locator(".siteplan-title").inner_text()
        assert page.title() == "Linköping <test>"

        # A click on a camera marker opens its popup with the model name.
        page.locator("path.siteplan-camera").first.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5_000)
        text = popup.inner_text()
        assert "bullet-4mp-60" in text
        assert "cam-001" in text
        assert "Hållplatsområde" in text

        # The second camera's reason is shown as literal text, not run as a script.
        page.locator(".leaflet-popup-close-button").click()
        page.locator("path.siteplan-camera").nth(1).click()
        page.wait_for_function(
            "document.querySelector('.leaflet-popup-content').innerText.includes('cam-002')"
        )
        assert "<script>alert(1)</script>" in page.locator(".leaflet-popup-content").inner_text()
        assert page.locator(".leaflet-popup-content script").count() == 0

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map.png"))
    finally:
        page.close()
    assert errors == []
    assert dialogs == []
    assert blocked == []  # the page asked for nothing outside the file
