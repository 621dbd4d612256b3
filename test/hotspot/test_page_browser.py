"""The setup page in a real browser at a phone's size: Debian's chromium driven by Playwright against SetupServer and
the fake backend on 127.0.0.1, with JavaScript (the API and polling) and without it (the form and the refresh)."""
import os
from typing import Any, Iterator, List

import pytest

from ovos_PHAL_plugin_wifi_setup.methods.hotspot import render
from ovos_PHAL_plugin_wifi_setup.i18n import Catalogue, Words

from hotspot.fake_backend import CHROMIUM, CHROMIUM_ARGS, PHONE, FakeBackend, RunningServer

try:
    from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
except ImportError:
    pytest.skip("needs Playwright: pip install playwright", allow_module_level=True)
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip("needs Debian's chromium: apt-get install chromium", allow_module_level=True)

RIGHT = "correct horse battery"   # noqa: S105 - the fake's password for Home
WRONG = "incorrect horse"         # noqa: S105
EVIL = "<img src=x onerror=alert(1)>"
NETWORKS = [
    {"ssid": "Home", "security": "WPA2", "strength": 86},
    {"ssid": "Café Ü", "security": "", "strength": 62},
    {"ssid": "Studio", "security": "WPA3", "strength": 38},
    {"ssid": EVIL, "security": "WPA2", "strength": 12},
]
EN = Catalogue("en-us")
WAIT_MS = 15000
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless chromium for the module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def brisk_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page polls and refreshes faster than on a device (the same code paths, shorter waits)."""
    monkeypatch.setattr(render, "POLL_MS", 250)
    monkeypatch.setattr(render, "REFRESH_SECONDS", 1)


@pytest.fixture
def backend() -> FakeBackend:
    """The fake backend: Home's password is RIGHT."""
    return FakeBackend(NETWORKS, passwords={"Home": RIGHT})


@pytest.fixture
def server(backend: FakeBackend) -> Iterator[RunningServer]:
    """The setup page on 127.0.0.1, its loop in a thread; no wait after a failed join (the user's retry comes at
    once here; the wait has a test of its own)."""
    running = RunningServer(backend, failed_join_wait=0.0)
    yield running
    running.close()


class Watched:
    """A page and what went wrong in it: console errors (a CSP violation is one), uncaught errors, dialogs."""

    def __init__(self, page: Page):
        self.page = page
        self.problems: List[str] = []
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"error: {e}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.set_default_timeout(WAIT_MS)


def open_phone(browser: Browser, url: str, javascript: bool = True) -> Iterator[Watched]:
    """A fresh phone-sized context (its own profile) on the page."""
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    try:
        watched = Watched(context.new_page())
        watched.page.goto(url)
        yield watched
        assert watched.problems == []
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser, server: RunningServer) -> Iterator[Watched]:
    """The page on a phone with JavaScript."""
    yield from open_phone(browser, server.url)


@pytest.fixture
def phone_without_js(browser: Browser, server: RunningServer) -> Iterator[Watched]:
    """The page on a phone with JavaScript turned off."""
    yield from open_phone(browser, server.url, javascript=False)


def pick(page: Page, ssid: str) -> None:
    """Tap a network in the list."""
    page.locator("label.net", has=page.locator(".name", has_text=ssid)).first.click()


def connecting(page: Page, ssid: str) -> Any:
    """The "Connecting to {ssid}…" line."""
    return page.get_by_text(EN.text("connecting", ssid=ssid), exact=True)


def connected(page: Page, ssid: str) -> Any:
    """The "Connected to {ssid}. You can close this page." line."""
    return page.get_by_text(EN.text("hotspot_connected", ssid=ssid), exact=True)


def test_the_list_renders_in_the_backends_order_and_fits_a_phone(phone: Watched) -> None:
    """The networks show strongest first as the backend gives them, each with its security words or Open; a name
    full of markup
    is shown as text (nothing runs); the page's own style and script run under its CSP; nothing scrolls sideways
    and every network is a large touch target."""
    page = phone.page
    expect(page.locator("h1")).to_have_text(EN.text("hotspot_title"))
    expect(page.locator("#list .name")).to_have_text([n["ssid"] for n in NETWORKS])
    expect(page.locator("#list .sec")).to_have_text(["WPA2", "Open", "WPA3", "WPA2"])
    expect(page.locator("#details")).to_be_hidden()  # the password and Connect come with a pick
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(31, 32, 35)"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    for box in (label.bounding_box() for label in page.locator("label.net").all()):
        assert box is not None and box["height"] >= 48 and box["width"] >= 300
    assert page.locator("img").count() == 0


def test_picking_a_network_shows_what_it_needs(phone: Watched) -> None:
    """Nothing picked: no password field and no Connect yet. A secured network opens a required password field
    under it (Show/Hide works); an open one hides and disables the field."""
    page = phone.page
    password = page.locator("#password")
    expect(password).to_be_hidden()
    expect(page.get_by_role("button", name="Connect")).to_be_hidden()
    pick(page, "Home")
    expect(page.locator("li", has=page.locator("input[value='Home']")).locator("#password")).to_be_visible()
    expect(password).to_be_visible()
    expect(password).to_be_focused()
    assert password.evaluate("e => e.required && e.minLength === 8 && !e.disabled")
    password.fill(RIGHT)
    page.get_by_role("button", name="Show").click()
    expect(password).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide").click()
    expect(password).to_have_attribute("type", "password")
    pick(page, "Café Ü")
    expect(password).to_be_hidden()
    assert password.evaluate("e => e.disabled")
    expect(page.get_by_role("button", name="Connect")).to_be_visible()


def test_a_wrong_password_shows_the_error_and_the_right_one_connects(phone: Watched, backend: FakeBackend) -> None:
    """Home with a wrong password: "Connecting to Home…", then the failure's words and the list again; with the
    right one: "Connected to Home. You can close this page." — all without a reload."""
    page = phone.page
    page.evaluate("window.samePage = true")
    pick(page, "Home")
    page.locator("#password").fill(WRONG)
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Home")).to_be_visible()
    expect(page.get_by_text(EN.text("hotspot_connecting_hint"))).to_be_visible()
    backend.finish()
    expect(page.get_by_role("alert")).to_have_text(EN.text(Words.of("error_wrong_password", ssid="Home")))
    expect(page.locator("#list .name")).to_have_text([n["ssid"] for n in NETWORKS])
    expect(page.locator("input[value='Home']")).to_be_checked()
    page.locator("#password").fill(RIGHT)
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Home")).to_be_visible()
    backend.finish()
    expect(connected(page, "Home")).to_be_visible()
    expect(page.locator("#list")).to_be_hidden()
    assert page.evaluate("window.samePage") is True
    assert backend.connects == [("Home", WRONG), ("Home", RIGHT)]


def test_a_short_password_is_refused_on_the_page(phone: Watched, backend: FakeBackend) -> None:
    """Connect to a WPA2 network with a 5-character password: the page says why; nothing is sent."""
    page = phone.page
    pick(page, "Home")
    page.locator("#password").fill("short")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_have_text(EN.text("error_password_too_short"))
    assert backend.connects == []


def test_an_open_network_connects_without_a_password(phone: Watched, backend: FakeBackend) -> None:
    """Café Ü (open): Connect, then Connected."""
    page = phone.page
    pick(page, "Café Ü")
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Café Ü")).to_be_visible()
    backend.succeed()
    expect(connected(page, "Café Ü")).to_be_visible()
    assert backend.connects == [("Café Ü", "")]


def test_while_the_device_cannot_be_reached_the_page_keeps_connecting(phone: Watched, backend: FakeBackend) -> None:
    """The phone drops off the setup network during the join (status requests fail): the page keeps showing
    "Connecting to Home…" and the hint; once the device answers again with a failure, the page shows it."""
    page = phone.page
    failed: List[str] = []

    def unreachable(route: Route) -> None:
        failed.append(route.request.url)
        route.abort("internetdisconnected")

    pick(page, "Home")
    page.locator("#password").fill(RIGHT)
    page.route("**/api/status", unreachable)
    page.get_by_role("button", name="Connect").click()
    for _ in range(3):
        page.wait_for_event("requestfailed", predicate=lambda r: r.url.endswith("/api/status"), timeout=WAIT_MS)
    assert len(failed) >= 3
    expect(connecting(page, "Home")).to_be_visible()
    expect(page.get_by_text(EN.text("hotspot_connecting_hint"))).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()
    # the console reports each failed fetch; those are the point of this test, not faults
    phone.problems[:] = [p for p in phone.problems if "ERR_INTERNET_DISCONNECTED" not in p]
    page.unroute("**/api/status")
    backend.fail("error_out_of_reach")
    expect(page.get_by_role("alert")).to_have_text(EN.text(Words.of("error_out_of_reach", ssid="Home")))
    expect(page.locator("#list .name")).to_have_count(len(NETWORKS))
    phone.problems[:] = [p for p in phone.problems if "ERR_INTERNET_DISCONNECTED" not in p]


def test_without_javascript_the_form_reaches_connected(phone_without_js: Watched, backend: FakeBackend) -> None:
    """JavaScript off: the radios and the form work alone. A wrong password posts the form, the page shows
    "Connecting to Home…" and refreshes itself until it shows the failure and the list; the right one ends on
    "Connected to Home. You can close this page."."""
    page = phone_without_js.page
    expect(page.locator("#list .name")).to_have_text([n["ssid"] for n in NETWORKS])
    pick(page, "Café Ü")
    expect(page.locator("#password")).to_be_hidden()   # by CSS alone
    pick(page, "Home")
    expect(page.locator("#password")).to_be_visible()
    page.locator("#password").fill(WRONG)
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Home")).to_be_visible()
    backend.finish()
    expect(page.get_by_role("alert")).to_have_text(EN.text(Words.of("error_wrong_password", ssid="Home")))
    expect(page.locator("input[value='Home']")).to_be_checked()
    expect(page.locator("#password")).to_have_value("")
    page.locator("#password").fill(RIGHT)
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Home")).to_be_visible()
    backend.finish()
    expect(connected(page, "Home")).to_be_visible()
    assert backend.connects == [("Home", WRONG), ("Home", RIGHT)]


def test_without_javascript_a_retry_right_after_a_failed_join_is_told_to_wait(browser: Browser,
                                                                              backend: FakeBackend) -> None:
    """JavaScript off, the server's own 10 s wait after a failed join: the form posted again at once shows the
    page with "wait a few seconds" and Home still picked, and starts nothing (the form's token is the page's own,
    so the refusal is the wait, not the token)."""
    running = RunningServer(backend)
    try:
        for watched in open_phone(browser, running.url, javascript=False):
            page = watched.page
            pick(page, "Home")
            page.locator("#password").fill(WRONG)
            page.get_by_role("button", name="Connect").click()
            expect(connecting(page, "Home")).to_be_visible()
            backend.finish()
            expect(page.get_by_role("alert")).to_have_text(EN.text(Words.of("error_wrong_password", ssid="Home")))
            page.locator("#password").fill(RIGHT)
            page.get_by_role("button", name="Connect").click()
            expect(page.get_by_role("alert")).to_have_text(EN.text("error_request_too_soon"))
            expect(page.locator("input[value='Home']")).to_be_checked()
            assert backend.connects == [("Home", WRONG)]
            # the console reports the 429 the page came with; it is the point of this test, not a fault
            watched.problems[:] = [p for p in watched.problems if "status of 429" not in p]
    finally:
        running.close()


def test_an_open_setup_network_asks_for_the_code_before_a_connect_goes_out(browser: Browser) -> None:
    """hotspot_open: the page shows the code field; Connect without a code says so and sends nothing; a wrong code
    comes back refused in words (403) and starts nothing; the code the device said, typed with its space, joins."""
    backend = FakeBackend(NETWORKS, passwords={"Home": RIGHT}, code="482109")
    running = RunningServer(backend, failed_join_wait=0.0)
    try:
        for watched in open_phone(browser, running.url):
            page = watched.page
            expect(page.get_by_label(EN.text("code_label"))).to_be_visible()
            pick(page, "Home")
            page.locator("#password").fill(RIGHT)
            page.get_by_role("button", name="Connect").click()
            expect(page.get_by_role("alert")).to_have_text(EN.text("error_code_needed"))
            page.locator("#code").fill("111111")
            page.get_by_role("button", name="Connect").click()
            expect(page.get_by_role("alert")).to_have_text(EN.text("error_code_wrong"))
            assert backend.connects == []
            page.locator("#code").fill("482 109")
            page.get_by_role("button", name="Connect").click()
            expect(connecting(page, "Home")).to_be_visible()
            assert backend.connects == [("Home", RIGHT)]
            # chromium logs each 403 answer as a console error: those are the refusals above, and nothing else
            refusals = [p for p in watched.problems if "status of 403" in p]
            assert len(refusals) == 1
            watched.problems[:] = [p for p in watched.problems if p not in refusals]
    finally:
        running.close()


def test_without_javascript_the_form_carries_the_code(browser: Browser) -> None:
    """hotspot_open, no JavaScript: the form's code field goes with the form; a wrong one shows the page again
    with the refusal, the right one joins."""
    backend = FakeBackend(NETWORKS, passwords={"Home": RIGHT}, code="482109")
    running = RunningServer(backend, failed_join_wait=0.0)
    try:
        for watched in open_phone(browser, running.url, javascript=False):
            page = watched.page
            page.locator("input[value='Home']").check()
            page.locator("#password").fill(RIGHT)
            page.locator("#code").fill("000000")
            page.get_by_role("button", name="Connect").click()
            expect(page.get_by_role("alert")).to_have_text(EN.text("error_code_wrong"))
            assert backend.connects == []
            page.locator("input[value='Home']").check()
            page.locator("#password").fill(RIGHT)
            page.locator("#code").fill("482109")
            page.get_by_role("button", name="Connect").click()
            expect(connecting(page, "Home")).to_be_visible()
            assert backend.connects == [("Home", RIGHT)]
            # chromium logs each 403 answer as a console error: those are the refusals above, and nothing else
            refusals = [p for p in watched.problems if "status of 403" in p]
            assert len(refusals) == 1
            watched.problems[:] = [p for p in watched.problems if p not in refusals]
    finally:
        running.close()


MORE_NETWORKS = [
    {"ssid": "Office", "security": "802.1X", "strength": 70, "joinable": False, "note": "sign_in"},
    {"ssid": "Library", "security": "OWE", "strength": 60},
    {"ssid": "Attic", "security": "WEP", "strength": 50},
]


def test_an_8021x_network_cannot_be_picked_an_owe_one_needs_no_password_and_a_wep_key_of_5_goes(
        browser: Browser) -> None:
    """Office (802.1X): its radio disabled, its note shown. Library (OWE): "Enhanced open", no password field.
    Attic (WEP): a 5-character key is sent (shorter than WPA's minimum); 4 characters are refused on the page."""
    backend = FakeBackend(MORE_NETWORKS, passwords={"Attic": "12345"})
    running = RunningServer(backend, failed_join_wait=0.0)
    try:
        for watched in open_phone(browser, running.url):
            page = watched.page
            office = page.locator("label.net", has=page.locator(".name", has_text="Office"))
            expect(office.locator("input")).to_be_disabled()
            expect(office.locator(".note")).to_have_text(EN.text("hotspot_note_sign_in"))
            library = page.locator("label.net", has=page.locator(".name", has_text="Library"))
            expect(library.locator(".sec")).to_have_text(EN.text("enhanced_open"))
            pick(page, "Library")
            expect(page.locator("#pw-row")).to_be_hidden()
            pick(page, "Attic")
            page.locator("#password").fill("1234")
            page.get_by_role("button", name="Connect").click()
            expect(page.get_by_role("alert")).to_have_text(EN.text("error_key_too_short"))
            assert backend.connects == []
            page.locator("#password").fill("12345")
            page.get_by_role("button", name="Connect").click()
            expect(connecting(page, "Attic")).to_be_visible()
            assert backend.connects == [("Attic", "12345")]
    finally:
        running.close()


def pick_other(page: Page) -> None:
    """Tap "Other network…", the list's last item."""
    page.locator("label.net", has=page.locator(".other-name")).click()


def test_other_network_takes_a_name_a_security_and_a_password_and_joins_hidden(
        phone: Watched, backend: FakeBackend) -> None:
    """"Other network…" is the list's last item; its fields show only once it is picked (the name focused); the
    password follows the security chosen (none for Open, 8 for WPA2); an empty or too long name and a short password
    are refused on the page; the join goes out as hidden with the name and the security word."""
    page = phone.page
    expect(page.locator("#list > li").last).to_contain_text(EN.text("hotspot_other"))
    expect(page.locator("#hidden-ssid")).to_be_hidden()
    pick_other(page)
    expect(page.locator("#hidden-ssid")).to_be_visible()
    expect(page.locator("#hidden-ssid")).to_be_focused()
    expect(page.locator("#security")).to_have_value("WPA2")
    page.locator("#security").select_option("Open")
    expect(page.locator("#password")).to_be_hidden()
    page.locator("#security").select_option("WPA2")
    expect(page.locator("#password")).to_be_visible()
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_have_text(EN.text("error_hidden_name"))
    page.locator("#hidden-ssid").fill("é" * 16 + "x")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_have_text(EN.text("error_ssid_too_long"))
    page.locator("#hidden-ssid").fill("Bunker")
    page.locator("#password").fill("short")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_have_text(EN.text("error_password_too_short"))
    assert backend.connects == []
    page.locator("#password").fill(RIGHT)
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Bunker")).to_be_visible()
    backend.succeed()
    expect(connected(page, "Bunker")).to_be_visible()
    assert backend.hidden_joins == [("Bunker", "WPA2")] and backend.connects == [("Bunker", RIGHT)]


def test_other_network_stays_last_after_a_failed_join(phone: Watched, backend: FakeBackend) -> None:
    """A hidden join that fails: the error, the list refreshed with "Other network…" still its last item."""
    page = phone.page
    pick_other(page)
    page.locator("#hidden-ssid").fill("Bunker")
    page.locator("#security").select_option("WPA3")
    page.locator("#password").fill("s3cr3")
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Bunker")).to_be_visible()
    backend.fail("error_wrong_password")
    expect(page.get_by_role("alert")).to_have_text(EN.text(Words.of("error_wrong_password", ssid="Bunker")))
    expect(page.locator("#list .name")).to_have_text([n["ssid"] for n in NETWORKS])
    expect(page.locator("#list > li").last).to_contain_text(EN.text("hotspot_other"))


def test_without_javascript_other_network_joins_a_hidden_network(
        phone_without_js: Watched, backend: FakeBackend) -> None:
    """JavaScript off: the Other item's name and security fields are there; picked, filled and sent, the form joins
    the hidden network."""
    page = phone_without_js.page
    expect(page.locator("#hidden-ssid")).to_be_visible()
    pick_other(page)
    page.locator("#hidden-ssid").fill("Bunker")
    page.locator("#security").select_option("WPA2")
    page.locator("#password").fill(RIGHT)
    page.get_by_role("button", name="Connect").click()
    expect(connecting(page, "Bunker")).to_be_visible()
    backend.succeed()
    expect(connected(page, "Bunker")).to_be_visible()
    assert backend.hidden_joins == [("Bunker", "WPA2")]


def test_rescan_shows_the_note_and_then_the_new_list(phone: Watched, backend: FakeBackend) -> None:
    """The Rescan button, with the note that the setup network drops for a few seconds; tapped, the list becomes
    what the rescan found, "Other network…" still last."""
    page = phone.page
    expect(page.locator("#rescan-note")).to_have_text(EN.text("hotspot_rescan_drops"))
    backend.next_networks = [{"ssid": "Garden", "security": "WPA2", "strength": 90}]
    page.get_by_role("button", name="Rescan").click()
    expect(page.locator("#list .name")).to_have_text(["Garden"])
    expect(page.locator("#list > li").last).to_contain_text(EN.text("hotspot_other"))
    expect(page.get_by_role("button", name="Rescan")).to_be_enabled()
    assert backend.rescans == 1
