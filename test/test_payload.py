"""The boundary on its own: bad payloads raise BadRequest naming the field."""
import pytest

from ovos_PHAL_plugin_wifi_setup.manager.payload import BadRequest, Target, parse_error_text, parse_registration, parse_target

GOOD = {"client": "c", "type": "Remote", "display_text": "C"}


def test_short_keys_parse() -> None:
    """The keys field clients send are read with their defaults."""
    reg = parse_registration(GOOD)
    assert (reg.name, reg.client_type, reg.display_text, reg.has_gui, reg.requires_input) == \
        ("c", "Remote", "C", False, False)
    assert not reg.unknown_type


def test_long_keys_parse() -> None:
    """The documented long keys are read too."""
    reg = parse_registration({"client": "c", "client_plugin_type": "onDevice", "client_plugin_display_text": "C",
                              "client_plugin_has_gui": True, "client_plugin_requires_input": True})
    assert (reg.client_type, reg.display_text, reg.has_gui, reg.requires_input) == ("onDevice", "C", True, True)


def test_first_alias_wins() -> None:
    """When both spellings are present the short one, listed first, is used."""
    reg = parse_registration({**GOOD, "client_plugin_type": "onDevice", "has_gui": False,
                              "client_plugin_has_gui": True})
    assert reg.client_type == "Remote" and reg.has_gui is False


def test_unknown_type_is_flagged_not_refused() -> None:
    """An undocumented type is accepted and marked for the generic icon."""
    assert parse_registration({**GOOD, "type": "Bluetooth"}).unknown_type


@pytest.mark.parametrize("data, field", [
    ({"type": "Remote", "display_text": "C"}, "'client' is required"),
    ({**GOOD, "client": ""}, "'client' must not be empty"),
    ({**GOOD, "client": 5}, "'client' must be a string, not a number"),
    ({**GOOD, "client": "x" * 129}, "'client' is 129 characters long"),
    ({**GOOD, "type": None}, "'type' is required"),
    ({**GOOD, "type": {"a": 1}}, "'type' must be a string, not an object"),
    ({**GOOD, "type": "t" * 65}, "'type' is 65 characters long"),
    ({**GOOD, "display_text": ["x"]}, "'display_text' must be a string, not a list"),
    ({**GOOD, "display_text": "d" * 129}, "'display_text' is 129 characters long"),
    ({**GOOD, "has_gui": "yes"}, "'has_gui' must be true or false, not a string"),
    ({**GOOD, "client_plugin_requires_input": 1}, "'client_plugin_requires_input' must be true or false"),
    ([GOOD], "must be a JSON object, not a list"),
    ("client", "must be a JSON object, not a string"),
])
def test_bad_registration_names_the_field(data: object, field: str) -> None:
    """Each wrong shape raises with a sentence naming what is wrong."""
    with pytest.raises(BadRequest, match=field.replace("[", r"\[")):
        parse_registration(data)


def test_bad_registration_carries_the_name_when_given() -> None:
    """A failure reply can tell the client it is meant for."""
    with pytest.raises(BadRequest) as raised:
        parse_registration({**GOOD, "has_gui": "yes"})
    assert raised.value.name == "c"


def test_none_is_an_empty_payload() -> None:
    """None data is read as {} (a registration then misses 'client')."""
    assert parse_target(None) == Target(name=None, client_id=None)
    assert parse_target(None).describe() == "no client"
    with pytest.raises(BadRequest, match="'client' is required"):
        parse_registration(None)


def test_target_reads_name_and_id_aliases() -> None:
    """parse_target finds the name and the id under any of their aliases; '' counts as absent."""
    assert parse_target({"client": "a", "id": "1"}) == parse_target({"client": "a", "client_id": "1"})
    target = parse_target({"client": "", "client_id": "x"})
    assert target.name is None and target.client_id == "x"


def test_target_wrong_types_raise() -> None:
    """A number where an id belongs is bad input, with the name kept for the reply."""
    with pytest.raises(BadRequest) as raised:
        parse_target({"client": "a", "client_id": 7})
    assert raised.value.name == "a"
    with pytest.raises(BadRequest):
        parse_target({"client": ["a"]})


def test_error_text_is_optional_string() -> None:
    """A failure report's error is a sentence or none; one that is not a string reads as none, never refused."""
    assert parse_error_text({"error": "boom"}) == "boom"
    assert parse_error_text({}) is None
    for not_a_sentence in (3, True, ["x"], {"a": 1}, "   "):
        assert parse_error_text({"error": not_a_sentence}) is None


def test_a_target_names_the_client_in_words() -> None:
    """Log lines name a requester by name and id, never as a Python repr."""
    assert Target(name="x", client_id=None).describe() == "client 'x'"
    assert Target(name="x", client_id="1-2").describe() == "client 'x' id 1-2"
    assert Target(name=None, client_id="1-2").describe() == "client id 1-2"
