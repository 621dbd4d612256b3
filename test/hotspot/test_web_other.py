"""The setup page's "Other network" (a hidden network) and Rescan against the fake backend: the list's last item,
the API's `hidden: true` with a security word, the form without JavaScript (a refused one keeps the typed name and
security, never the password), and POST /api/rescan with its note on the page."""
import json
from typing import Any

from hotspot.fake_backend import FakeBackend
from hotspot import test_web
from hotspot.test_web import ENGLISH, PASSWORD, page_of, post_form, request
from ovos_PHAL_plugin_wifi_setup.i18n import Words
from ovos_PHAL_plugin_wifi_setup.methods.hotspot.choice import HIDDEN_SECURITY

# test_web's fixtures: the fake backend with its networks, and setup pages on 127.0.0.1 stopped after each test.
backend = test_web.backend
make_server = test_web.make_server


def post_json(port: int, body: Any) -> Any:
    """POST /api/connect with a JSON body, as the page's script does."""
    return request(port, "POST", "/api/connect", json.dumps(body).encode(), {"Content-Type": "application/json"})


def test_the_list_ends_with_other_network_and_its_fields(backend: FakeBackend, make_server: Any) -> None:
    """After the networks: "Other network…", a radio of no SSID, with a name field and a select of the list's
    security words (WPA2 first), in the page's language."""
    server = make_server(backend)
    answer = request(server.port, "GET", "/")
    page = page_of(answer)
    assert page.other == {"value": "", "checked": False, "typed": ""}
    assert [o["value"] for o in page.options] == list(HIDDEN_SECURITY) == ["WPA2", "WPA3", "WPA", "WEP", "OWE", "Open"]
    assert ENGLISH.text("hotspot_other") == "Other network…" and ENGLISH.text("hotspot_other") in answer.text
    assert 'name="hidden_ssid"' in answer.text and 'name="security"' in answer.text
    assert ">Enhanced open</option>" in answer.text and ">Open</option>" in answer.text


def test_the_api_joins_a_hidden_network_by_its_name_and_security(backend: FakeBackend, make_server: Any) -> None:
    """POST /api/connect {ssid, password, hidden: true, security}: 202, the backend joins the name typed with the
    security named; a listed SSID still needs neither."""
    server = make_server(backend, failed_join_wait=0.0)
    answer = post_json(server.port, {"ssid": "Bunker", "password": PASSWORD, "hidden": True, "security": "WPA3"})
    assert (answer.status, answer.json()) == (202, {"state": "connecting", "ssid": "Bunker"})
    assert backend.hidden_joins == [("Bunker", "WPA3")] and backend.connects == [("Bunker", PASSWORD)]
    backend.finish()
    assert post_json(server.port, {"ssid": "Home", "password": PASSWORD}).status == 202
    assert backend.hidden_joins == [("Bunker", "WPA3")]


def test_the_api_refuses_a_hidden_flag_that_is_not_a_boolean(backend: FakeBackend, make_server: Any) -> None:
    """`hidden` as text or a number: 400 error_request_invalid; `security` as an object: 400 in words (choose the
    security); nothing started."""
    server = make_server(backend)
    for body, key in (({"ssid": "Bunker", "password": PASSWORD, "hidden": "true", "security": "WPA2"},
                       "error_request_invalid"),
                      ({"ssid": "Bunker", "password": PASSWORD, "hidden": 1, "security": "WPA2"},
                       "error_request_invalid"),
                      ({"ssid": "Bunker", "password": PASSWORD, "hidden": True, "security": {"x": 1}},
                       "error_hidden_security")):
        answer = post_json(server.port, body)
        assert (answer.status, answer.json()["code"]) == (400, key)
    assert backend.connects == []


def test_the_form_without_javascript_joins_a_hidden_network(backend: FakeBackend, make_server: Any) -> None:
    """The Other radio (ssid "") with the typed name and the chosen security: 303 to the page, the join started."""
    server = make_server(backend)
    answer = post_form(server.port, [("ssid", ""), ("hidden_ssid", "Bunker"), ("security", "WPA2"),
                                     ("password", PASSWORD)])
    assert answer.status == 303
    assert backend.hidden_joins == [("Bunker", "WPA2")] and backend.connects == [("Bunker", PASSWORD)]


def test_a_refused_hidden_form_keeps_the_name_and_security_but_never_the_password(
        backend: FakeBackend, make_server: Any) -> None:
    """A six-character WEP key for "Bunker": 400, the page in words with Other picked, the name and the security
    as typed, the password field empty and the password nowhere in the answer; no radio of the list checked."""
    server = make_server(backend)
    secret = "Qz7#Kp"  # noqa: S105 - made up: six characters, no WEP key
    answer = post_form(server.port, [("ssid", ""), ("hidden_ssid", "Bunker"), ("security", "WEP"),
                                     ("password", secret)])
    page = page_of(answer)
    assert answer.status == 400 and page.texts["error"] == ENGLISH.text(Words.of("error_wep_key"))
    assert page.other == {"value": "", "checked": True, "typed": "Bunker"}
    assert [o["value"] for o in page.options if o["selected"]] == ["WEP"]
    assert not any(r["checked"] for r in page.radios)
    assert page.password.get("value") is None and secret not in answer.text
    assert backend.connects == []


def test_a_hidden_form_without_a_name_is_refused_in_words(backend: FakeBackend, make_server: Any) -> None:
    """Other picked, no name typed: 400 "Type the name of the network.", nothing started."""
    server = make_server(backend)
    answer = post_form(server.port, [("ssid", ""), ("hidden_ssid", ""), ("security", "WPA2"), ("password", PASSWORD)])
    assert answer.status == 400 and page_of(answer).texts["error"] == "Type the name of the network."
    assert backend.connects == []


def test_the_rescan_api_starts_a_rescan_and_the_new_list_follows(backend: FakeBackend, make_server: Any) -> None:
    """POST /api/rescan as JSON: 202 {"state": "scanning"}, and /api/networks has the list the rescan found; a GET
    is 405, a body not sent as JSON 415, another site's Origin 403: none of them rescans."""
    server = make_server(backend)
    backend.next_networks = [{"ssid": "Garden", "security": "WPA2", "strength": 90}]
    assert request(server.port, "GET", "/api/rescan").status == 405
    assert request(server.port, "POST", "/api/rescan", b"", {"Content-Type": "text/plain"}).status == 415
    assert request(server.port, "POST", "/api/rescan", b"{}", {"Content-Type": "application/json",
                                                                "Origin": "http://evil.example"}).status == 403
    assert backend.rescans == 0
    answer = request(server.port, "POST", "/api/rescan", b"{}", {"Content-Type": "application/json"})
    assert (answer.status, answer.json()) == (202, {"state": "scanning"}) and backend.rescans == 1
    assert [n["ssid"] for n in request(server.port, "GET", "/api/networks").json()["networks"]] == ["Garden"]


def test_the_page_offers_rescan_and_says_the_setup_network_drops(backend: FakeBackend, make_server: Any) -> None:
    """The page has the Rescan button (shown by its script) and, beforehand, the note that the setup network drops
    for a few seconds and comes back with the new list."""
    server = make_server(backend)
    text = request(server.port, "GET", "/").text
    assert ">Rescan</button>" in text and ENGLISH.text("hotspot_rescan_drops") in text
    assert "drops for a few seconds" in ENGLISH.text("hotspot_rescan_drops")
