"""The dashboard in a real Chromium (Playwright's Python package, Debian's chromium), against the real API.

`rasd serve`'s application runs under uvicorn in a thread on a free 127.0.0.1 port, over a database of
the bundled samples. Skipped when the playwright package or /usr/bin/chromium is missing (CI installs
both: `apt-get install -y chromium` and `pip install -e '.[dev]'`; never `playwright install`).
The screenshots go to a temporary folder; their paths are printed (pytest -s shows them).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.samples import sample_events

CHROMIUM = os.environ.get("RASD_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import uvicorn

    from rasd.api import Settings, create_app
    from rasd.cli.serve import free_port, ingest_samples
    from rasd.store.db import open_db
    from rasd.store.tokens import create_token

    engine = open_db(str(tmp_path_factory.mktemp("browser") / "rasd.db"), quiet=True)
    ingest_samples(engine)
    token = create_token(engine, "browser-test")
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(Settings(tile_url=None), engine), host="127.0.0.1", port=port,
                                        log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, name="rasd-browser-test-server", daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield {"url": f"http://127.0.0.1:{port}/", "engine": engine, "token": token}
    finally:
        srv.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    """A fresh page in English that records every request and console error."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    pg = ctx.new_page()
    pg.requests = []
    pg.errors = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    try:
        yield pg
    finally:
        ctx.close()


def _shot(pg: Any, name: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"rasd-browser-{name}.png"
    pg.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    return path


def _open(pg: Any, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector("html[data-ready=true]", timeout=30_000)


def test_markers_panel_evidence_and_arabic(page: Any, server: dict[str, Any]) -> None:
    _open(page, server["url"] + "?lang=en")
    page.wait_for_selector(".rasd-marker, .rasd-cluster", timeout=15_000)
    assert page.locator(".rasd-marker").count() + page.locator(".rasd-cluster").count() > 0
    n = sample_events()
    assert page.locator("[data-testid=total]").inner_text().strip().startswith(str(n))
    # the header's deaths are the incidents' only; the tallies are counted apart, their deaths not added
    import httpx

    with httpx.Client(base_url=server["url"]) as c:
        kinds = {r["report_kind"]: r for r in c.get("/api/stats").json()["by_report_kind"]}
    assert page.locator("[data-testid=fatalities]").inner_text().strip().startswith(
        str(kinds["incident"]["fatalities"]))
    assert page.locator("[data-testid=tallies]").inner_text().strip().startswith(str(kinds["aggregate"]["count"]))
    rows = page.locator("tr[data-testid=event-row]")
    assert rows.count() == n

    # a table row opens the event panel with the evidence highlighted in the source text
    rows.first.click()
    panel = page.locator("[data-testid=event-panel]")
    panel.wait_for(state="visible")
    page.wait_for_selector("[data-testid=event-panel] mark.evidence", timeout=15_000)
    assert panel.locator("mark.evidence").count() > 0
    assert panel.locator("[data-testid=article-text]").count() >= 1
    assert "event=" in page.url
    _shot(page, "panel-en")
    page.locator("[data-testid=panel-close]").click()
    panel.wait_for(state="hidden")

    # a marker opens it too (through its popup)
    marker = page.locator(".rasd-marker").first
    marker.dispatch_event("click")  # the first marker may lie outside the map's current view
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_timeout(400)  # the map pans the popup into view

    def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
        return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
            a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]

    for control in ("[data-testid=map-legend]", ".leaflet-control-zoom", ".leaflet-control-layers"):
        assert not overlap(popup.bounding_box(), page.locator(control).bounding_box()), control  # popups clear them
    # the governorate names are drawn above the markers and clusters (and take no clicks)
    z = page.evaluate("""() => ['labelPane', 'markerPane'].map((p) =>
        +getComputedStyle(document.querySelector('.leaflet-' + p.replace('Pane', '-pane'))).zIndex)""")
    assert z[0] > z[1]
    page.locator("[data-testid=popup-open]").click()
    panel.wait_for(state="visible")
    page.wait_for_selector("[data-testid=event-panel] mark.evidence", timeout=15_000)

    # Arabic: <html dir=rtl> and the layout mirrors
    def x(sel: str) -> float:
        return page.locator(sel).first.bounding_box()["x"]

    geo_ltr, table_ltr = x(".col-geo"), x(".table-card")
    brand_ltr, actions_ltr = x(".brand"), x(".topbar-actions")
    page.locator("[data-testid=lang-toggle]").click()
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert (geo_ltr < table_ltr) and x(".col-geo") > x(".table-card")  # the columns swap sides
    assert (brand_ltr < actions_ltr) and x(".brand") > x(".topbar-actions")
    assert "lang=ar" in page.url
    page.wait_for_selector("[data-testid=event-panel] mark.evidence", timeout=15_000)
    _shot(page, "panel-ar")

    # the timeline is drawn from the incidents only (a tally "since 2011" must not stretch it)
    stats = [u for u in page.requests if "/api/stats" in u]
    assert any("report_kind=incident" in u for u in stats) and any("report_kind=all" in u for u in stats)
    # nothing was loaded from anywhere but this server
    outside = [u for u in page.requests if not u.startswith((server["url"], "data:", "blob:"))]
    assert outside == []
    assert page.errors == []


def test_tallies_arabic_search_and_review_in_the_panel(page: Any, server: dict[str, Any]) -> None:
    """An analyst's session: the tallies view, a search in Arabic, then, with a token entered once, an
    event confirmed and corrected through the panel, its history showing who, what and why."""
    import httpx

    with httpx.Client(base_url=server["url"]) as c:
        tallies = c.get("api/events", params={"report_kind": "aggregate", "country": "Syria"}).json()["total"]
        jableh = c.get("api/events", params={"q": "جبلة", "country": "Syria"}).json()["total"]
    assert tallies and jableh
    _open(page, server["url"] + "?lang=en")
    rows = page.locator("tr[data-testid=event-row]")
    rows.first.wait_for()
    n = rows.count()

    # the tallies have their own view: only tallies, with their period
    page.select_option("[data-testid=filter-report-kind]", "aggregate")
    page.wait_for_function(f"document.querySelectorAll('tr[data-testid=event-row]').length === {tallies}")
    assert rows.locator(".badge-aggregate").count() == tallies
    assert "report_kind=aggregate" in page.url
    _shot(page, "tallies")
    page.select_option("[data-testid=filter-report-kind]", "")
    page.wait_for_function(f"document.querySelectorAll('tr[data-testid=event-row]').length === {n}")

    # a search in Arabic
    page.fill("#f-q", "جبلة")
    page.wait_for_function(f"document.querySelectorAll('tr[data-testid=event-row]').length === {jableh}")
    assert "q=" in page.url

    # review: the token once, then confirm and correct through the panel
    rows.first.click()
    panel = page.locator("[data-testid=event-panel]")
    review = panel.locator("[data-testid=review]")
    review.wait_for()
    review.locator("[data-testid=review-token]").fill("not-a-token")
    review.locator("[data-testid=review-signin] button").click()
    panel.locator("[data-testid=review-error]").wait_for()
    assert "not valid" in panel.locator("[data-testid=review-error]").inner_text()
    review.locator("[data-testid=review-token]").fill(server["token"])
    review.locator("[data-testid=review-signin] button").click()
    panel.locator("[data-testid=review-confirm]").wait_for()
    state = panel.locator("[data-testid=review-state]")
    assert state.get_attribute("data-state") == "unreviewed"
    panel.locator("[data-testid=review-reason]").fill("two outlets agree on the raid")
    panel.locator("[data-testid=review-confirm]").click()
    page.wait_for_function("document.querySelector('[data-testid=review-state]')?.dataset.state === 'confirmed'")
    assert "browser-test" in panel.locator("[data-testid=review-state]").inner_text()
    history = panel.locator("[data-testid=corrections]")
    assert "two outlets agree on the raid" in history.inner_text()

    panel.locator("[data-testid=correct-field]").select_option("arrested")
    panel.locator("[data-testid=correct-value]").fill("9")
    panel.locator("[data-testid=review-reason]").fill("the ministry's later count")
    panel.locator("[data-testid=correct-apply]").click()
    page.wait_for_function("document.querySelector('[data-testid=review-state]')?.dataset.state === 'corrected'")
    text = panel.locator("[data-testid=corrections]").inner_text()
    assert "the ministry's later count" in text and "9" in text and "browser-test" in text
    assert panel.locator("[data-testid=corrections] tr[data-kind=confirm]").count() == 1
    eid = page.evaluate("new URL(location.href).searchParams.get('event')")
    with httpx.Client(base_url=server["url"]) as c:  # the API holds what the page shows
        d = c.get(f"api/events/{eid}").json()
    assert d["arrested"] == 9 and [x["kind"] for x in d["corrections"]][-2:] == ["confirm", "correction"]
    _shot(page, "review-desktop")

    # the token is kept for the session: a reload still offers review; a phone shows the panel whole
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("html[data-ready=true]", timeout=30_000)
    page.locator("[data-testid=review-confirm]").wait_for()
    for sel in ("[data-testid=review]", "[data-testid=panel-close]", "[data-testid=review-confirm]"):
        box = page.locator(sel).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, sel  # nothing off screen
    page.locator("[data-testid=review]").scroll_into_view_if_needed()
    _shot(page, "review-phone")
    page.locator("[data-testid=review-sign-out]").click()
    page.locator("[data-testid=review-token]").wait_for()
    assert [e for e in page.errors if "401" not in e] == [] and len(page.errors) == 1  # the wrong token's answer


def test_the_review_queue(page: Any, server: dict[str, Any]) -> None:
    import httpx

    with httpx.Client(base_url=server["url"]) as c:
        todo = c.get("api/events", params={"review": "todo", "report_kind": "all", "country": "Syria"}).json()["total"]
    _open(page, server["url"] + "?lang=en&report_kind=all")
    page.locator("[data-testid=filter-review]").check()
    page.wait_for_function(f"document.querySelectorAll('tr[data-testid=event-row]').length === {todo}")
    assert "review=todo" in page.url
    assert page.errors == []


def test_figures_whole_on_a_desktop_and_cards_on_a_phone(browser: Any, server: dict[str, Any]) -> None:
    """No figure is cut in the table ("8…"); at 390 px wide each event is a card whose cells say what they are."""
    for width, name in ((1366, "table-desktop"), (390, "table-phone")):
        ctx = browser.new_context(viewport={"width": width, "height": 844}, locale="en-US")
        pg = ctx.new_page()
        try:
            _open(pg, server["url"] + "?lang=en&sort=-fatalities")
            rows = pg.locator("tr[data-testid=event-row]")
            rows.first.wait_for()
            cut = pg.evaluate("""() => [...document.querySelectorAll('tr[data-testid=event-row] td.num')]
                .filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent)""")
            assert cut == [], (width, cut)
            display = rows.first.evaluate("(tr) => getComputedStyle(tr).display")
            if width < 600:
                assert display == "block"
                labels = rows.first.evaluate("(tr) => [...tr.cells].map((td) => td.dataset.label)")
                assert "Fatalities" in labels and "Date" in labels
                box = rows.first.bounding_box()
                assert box is not None and box["width"] <= width  # the card fits the screen
            else:
                assert display == "table-row"
            rows.first.scroll_into_view_if_needed()
            _shot(pg, name)
        finally:
            ctx.close()


def test_the_timeline_leaves_far_outliers_out_of_its_range(page: Any, server: dict[str, Any]) -> None:
    """Five incidents of 2013 in a corpus of 2018 must not squeeze 2018 into a sliver: the range is the
    busy period and a note counts what is left out; a steady spread keeps every week."""
    _open(page, server["url"] + "?lang=en")
    got = page.evaluate("""async () => {
        const { Timeline } = await import('./js/timeline.js');
        const base = { t: (k, v) => `${k}:${v ? v.count : ''}`, num: String, dir: 'ltr', lang: 'en' };
        const i18n = new Proxy(base, { get: (o, k) => (k in o ? o[k] : (...a) => String(a[a.length - 1])) });
        const host = document.createElement('div');
        host.style.cssText = 'position:relative;width:600px;height:120px';
        document.body.append(host);
        const tl = new Timeline(host, { i18n, tip: document.createElement('div'), onBrush: () => {} });
        const week = (d) => ({ week: d, event_type: 'Battles', count: 10 });
        const busy = [];
        for (let m = 1; m <= 9; m += 1) busy.push(week(`2018-0${m}-01`), week(`2018-0${m}-15`));
        tl.setData([{ week: '2013-12-23', event_type: 'Battles', count: 1 }, { week: '2014-01-06', event_type: 'Battles', count: 1 }, ...busy]);
        const withOutliers = { note: tl.note.hidden ? '' : tl.note.textContent, weeks: tl.dom.n };
        tl.setData([week('2016-01-04'), ...busy]);  // 10 of 190 events: too many to leave out
        const spread = { note: tl.note.hidden ? '' : tl.note.textContent, weeks: tl.dom.n };
        host.remove();
        return { withOutliers, spread };
    }""")
    assert got["withOutliers"]["note"] == "timeline.outside:2" and got["withOutliers"]["weeks"] < 40
    assert got["spread"]["note"] == "" and got["spread"]["weeks"] > 100
    assert page.errors == []


def test_merge_and_split_through_the_panel(page: Any, server: dict[str, Any]) -> None:
    """Two events of Dar'a made one through the panel (with a reason), then a source split off again."""
    import httpx

    with httpx.Client(base_url=server["url"]) as c:
        items = c.get("api/events", params={"admin1": "Dar'a", "country": "Syria", "limit": 50}).json()["items"]
    a, b = [next(e for e in items if e["sources"][0]["article_id"].startswith(n)) for n in ("02_", "07_")]
    page.add_init_script(f"sessionStorage.setItem('rasd.token', {server['token']!r}); "
                         "sessionStorage.setItem('rasd.who', 'browser-test');")
    _open(page, server["url"] + f"?lang=en&event={a['id']}")
    panel = page.locator("[data-testid=event-panel]")
    panel.locator("[data-testid=merge-other]").fill(b["id"])
    panel.locator("[data-testid=review-reason]").fill("one raid told twice")
    panel.locator("[data-testid=merge-apply]").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=split-source]').length === 2")
    merged = page.evaluate("new URL(location.href).searchParams.get('event')")
    assert merged not in (a["id"], b["id"])
    assert "one raid told twice" in panel.locator("[data-testid=corrections]").inner_text()
    panel.locator("[data-testid=split-source]").first.check()
    panel.locator("[data-testid=review-reason]").fill("two raids after all")
    panel.locator("[data-testid=split-apply]").click()
    page.wait_for_function(f"new URL(location.href).searchParams.get('event') !== {merged!r}")
    page.locator("[data-testid=review-state]").wait_for()
    with httpx.Client(base_url=server["url"]) as c:
        after = c.get("api/events", params={"admin1": "Dar'a", "country": "Syria", "limit": 50}).json()["items"]
    mine = {s["article_id"] for s in a["sources"] + b["sources"]}
    back = [e for e in after if {s["article_id"] for s in e["sources"]} & mine]
    assert len(after) == len(items) and sorted(len(e["sources"]) for e in back) == [1, 1]  # two events again
    assert page.errors == []
