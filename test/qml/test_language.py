"""The pages in the device's language: every text they show is one the plugin sent in its session data.

The German session data comes from the real plugin and its on-screen method on a FakeBus, in a process
whose mycroft.conf says `lang: de-de` (qml_scenarios.LanguagePlan); the texts are compared with
locale/de-de/gui.json itself. The harness tries to load a Qt catalogue for German the way mycroft-gui
does, and finds none: the pages ship none, and under ovos-gui mycroft-gui would not look for one.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Set

import pytest

from ovos_PHAL_plugin_wifi_setup import topics

from qml_checks import catalogue_texts, german_texts, illegible, marked, network_problems, problems, snaps
from qml_scenarios import GERMAN, GUI, SIZES

pytestmark = pytest.mark.qml

# What the pages mark as their own English: say("key", qsTr("English")).
SAY = re.compile(r'say\("(\w+)", qsTr\("([^"]*)"\)\)')
QSTR = re.compile(r'qsTr\("([^"]*)"\)')
FLOW_MARKS = ("load", "list", "asked", "typed", "shown", "cancel", "rescanning", "connecting", "failed",
              "connected", "checking", "empty")


def filled(template: str, ssid: str) -> str:
    """A catalogue text as the page shows it for a network."""
    return template.replace("{ssid}", ssid)


def shown(snap: Dict[str, Any]) -> List[str]:
    """Every text on screen."""
    return [t["text"] for t in snap["visible_texts"]]


def by_name(snap: Dict[str, Any], name: str) -> List[str]:
    """The texts on screen of the items of one name."""
    return [t["text"] for t in snap["visible_texts"] if t["name"] == name]


def english_words(ssids: Iterable[str]) -> Set[str]:
    """Every English text a page could show: en-us/gui.json and the pages' own qsTr English, for these networks."""
    english = set(catalogue_texts("en-us").values())
    for page in GUI.glob("qt*/*.qml"):
        english |= set(QSTR.findall(page.read_text(encoding="utf-8")))
    return {filled(text, ssid) for text in english for ssid in ssids} - set(german_texts().values())


def foreign(snap: Dict[str, Any], session: Dict[str, Any]) -> List[str]:
    """The texts on screen that are neither German catalogue texts nor what the user or a client named
    (network names, nmcli's security words, client display texts, the error the plugin sent)."""
    ssid = session.get("selected_ssid", "")
    allowed = {filled(text, ssid) for text in german_texts().values()}
    for network in session.get("networks_model", []):
        allowed |= {network["ssid"], network["security"]}
    allowed |= {c["display_text"] for c in session.get(topics.SESSION_CLIENTS, [])}
    allowed.add(session.get("error", ""))
    return [text for text in shown(snap) if text not in allowed]


def session_at(plan: Dict[str, Any], mark: str) -> Dict[str, Any]:
    """The German network page's session data at one step of the de-net-flow scenario."""
    nets = plan["de"]["networks"]
    steps = {"load": "scanning", "list": "list-20", "asked": "list-20", "typed": "list-20", "shown": "list-20",
             "cancel": "list-20", "rescanning": "rescanning", "connecting": "connecting", "failed": "failed",
             "connected": "connected", "checking": "checking", "empty": "list-0"}
    merged: Dict[str, Any] = {}
    for name in ("scanning", "list-20", "rescanning", "connecting", "failed", "connected", "checking", "list-0"):
        merged.update(nets[name])
        if name == steps[mark]:
            return merged
    raise AssertionError(mark)


def test_the_plugin_sent_german_because_mycroft_conf_says_de_de(qml_plan: Dict[str, Any]) -> None:
    """The German session data is the plugin's own: configured `lang: de-de`, it sent de-de/gui.json's texts."""
    german = qml_plan["de"]
    assert german["lang"] == GERMAN
    assert german["selection"][topics.SESSION_TEXTS] == {**catalogue_texts("en-us"), **german_texts()}
    assert german["networks"]["failed"]["error"] == filled(german_texts()["error_wrong_password"], "Home")
    english = qml_plan["sessions"][2][topics.SESSION_TEXTS]
    assert english == catalogue_texts("en-us")


@pytest.mark.parametrize("orientation", sorted(SIZES))
def test_german_selection_page_shows_only_german(run: Dict[str, Any], qml_plan: Dict[str, Any],
                                                 orientation: str) -> None:
    """Header, subtitle, both buttons and the on-screen method's tile say what de-de/gui.json says, with no Qt
    catalogue loaded; nothing on screen is English, and the longer German still fits and reads clearly."""
    scenario = f"de-selection-{orientation}"
    assert not run["results"][scenario]["translation_loaded"]
    load = snaps(run, scenario)[0]
    german = german_texts()
    session = qml_plan["de"]["selection"]
    assert by_name(load, "headerTitle") == [german["select_title"]]
    assert by_name(load, "headerSubtitle") == [german["select_subtitle"]]
    assert {n: b["text"] for n, b in load["buttons"].items()} == {
        "connectLaterButton": german["connect_later"], "neverConnectButton": german["never_connect"]}
    tiles = [t["label"]["text"] for t in load["tiles"]]
    assert tiles == [c["display_text"] for c in session[topics.SESSION_CLIENTS]]
    assert german["screen_client"] in tiles
    assert foreign(load, session) == []
    assert set(shown(load)) & english_words([""]) == set()
    assert problems(load) == []
    assert illegible(marked(run, scenario, "legibility")["legibility"]) == []


def test_german_empty_selection_says_so_in_german(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """With no client registered, the empty-list line is German too, and fits."""
    load = snaps(run, "de-selection-empty")[0]
    assert by_name(load, "emptyLabel") == [german_texts()["select_empty"]]
    assert foreign(load, qml_plan["de"]["selection-0"]) == []
    assert problems(load) == []


@pytest.mark.parametrize("mark", FLOW_MARKS)
def test_german_network_page_shows_only_german(run: Dict[str, Any], qml_plan: Dict[str, Any], mark: str) -> None:
    """At every step of the on-screen method (scanning, the list, the password step, connecting, the failure,
    connected, nothing found) every text on screen is German or a name, and everything fits."""
    assert not run["results"]["de-net-flow"]["translation_loaded"]
    snap = marked(run, "de-net-flow", mark) if mark != "load" else snaps(run, "de-net-flow")[0]
    session = session_at(qml_plan, mark)
    assert shown(snap), "nothing on screen"
    assert foreign(snap, session) == []
    ssids = [n["ssid"] for n in session.get("networks_model", [])] + [""]
    assert set(shown(snap)) & english_words(ssids) == set()
    assert network_problems(snap) == []


def test_german_network_page_says_each_step(run: Dict[str, Any], qml_plan: Dict[str, Any]) -> None:
    """Each step's own words are de-de/gui.json's, with the network's name put in for {ssid}."""
    german = german_texts()
    flow = {m: marked(run, "de-net-flow", m) for m in FLOW_MARKS if m != "load"}
    load = snaps(run, "de-net-flow")[0]
    assert by_name(load, "statusLabel") == [german["networks_scanning"]]
    listed = flow["list"]
    assert by_name(listed, "headerTitle") == [german["networks_title"]]
    assert by_name(listed, "headerSubtitle") == [german["networks_hint"]]
    assert {n: b["text"] for n, b in listed["buttons"].items()} == {
        "backButton": german["back"], "rescanButton": german["rescan"]}
    security = {r["ssid"]: r["security"]["text"] for r in listed["rows"]}
    assert security["Cafe Corner"] == german["open"] and security["Home"] == "WPA2"
    asked = flow["asked"]
    assert by_name(asked, "headerSubtitle") == [german["password_hint"]]
    assert by_name(asked, "passwordLabel") == [german["password_placeholder"]]
    assert {n: b["text"] for n, b in asked["buttons"].items()} == {
        "showPasswordButton": german["show"], "cancelButton": german["cancel"], "connectButton": german["connect"]}
    assert flow["shown"]["buttons"]["showPasswordButton"]["text"] == german["hide"]
    assert by_name(flow["rescanning"], "statusLabel") == [german["networks_scanning"]]
    assert by_name(flow["connecting"], "statusLabel") == [filled(german["connecting"], "Home")]
    assert by_name(flow["failed"], "errorLabel") == [filled(german["error_wrong_password"], "Home")]
    assert by_name(flow["connected"], "statusLabel") == [filled(german["connected"], "Cafe Corner")]
    assert by_name(flow["checking"], "statusLabel") == [german["checking_internet"]]
    assert by_name(flow["empty"], "emptyNetworksLabel") == [german["networks_empty"]]


def test_a_missing_text_falls_back_to_the_pages_english(run: Dict[str, Any]) -> None:
    """A text the session data lacks is the page's own English; the texts that are there still win."""
    german, english = german_texts(), catalogue_texts("en-us")
    partial = snaps(run, "de-missing-texts")[0]
    assert by_name(partial, "headerTitle") == [german["select_title"]]
    assert by_name(partial, "headerSubtitle") == [english["select_subtitle"]]
    assert {n: b["text"] for n, b in partial["buttons"].items()} == {
        "connectLaterButton": german["connect_later"], "neverConnectButton": english["never_connect"]}
    bare = snaps(run, "de-no-texts")[0]
    assert by_name(bare, "headerTitle") == [english["select_title"]]
    assert {n: b["text"] for n, b in bare["buttons"].items()} == {
        "connectLaterButton": english["connect_later"], "neverConnectButton": english["never_connect"]}
    assert problems(partial) == [] and problems(bare) == []


def test_pages_work_from_the_gui_cache_layout(run: Dict[str, Any], framework: str) -> None:
    """Loaded from the copy GUIInterface puts in the ovos-gui cache, icons resolve and the texts are German."""
    load = snaps(run, "cache-layout")[0]
    assert not run["results"]["cache-layout"]["translation_loaded"]
    assert load["tiles"] and all(t["icon_ready"] for t in load["tiles"])
    assert all(f"/{framework}/icons/" in t["icon"] and "/ovos_gui/" in t["icon"] for t in load["tiles"])
    assert by_name(load, "headerTitle") == [german_texts()["select_title"]]


@pytest.mark.parametrize("page", sorted(f"{p.parent.name}/{p.name}" for p in GUI.glob("qt*/*.qml")))
def test_every_page_string_is_a_catalogue_text(page: str) -> None:
    """Each English string a page holds is the fallback of a say("key", ...) whose key en-us/gui.json has, with
    the same English: no page string can miss the plugin's texts."""
    source = (GUI / page).read_text(encoding="utf-8")
    english = catalogue_texts("en-us")
    pairs = SAY.findall(source)
    assert len(pairs) == len(QSTR.findall(source)), "a qsTr string outside say()"
    assert [(key, text) for key, text in pairs if english.get(key) != text] == []


def test_pages_ship_no_qt_catalogue() -> None:
    """The texts come from the plugin's catalogues only: no .ts or .qm beside the pages to drift from them."""
    assert sorted(str(p.relative_to(GUI)) for p in GUI.rglob("*") if p.suffix in (".ts", ".qm")) == []
    assert not list(Path(GUI).glob("*/translations"))
