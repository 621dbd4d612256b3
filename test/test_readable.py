"""What people read of a payload and a duration (readable.py): secrets masked at any depth, one decimal at most."""
import pytest

from ovos_PHAL_plugin_wifi_setup.readable import MASK, duration, is_secret_key, mask_secrets


@pytest.mark.parametrize("key", ["password", "Password", "wifi_password", "passphrase", "hotspot_passphrase",
                                 "psk", "PSK", "wifi-psk", "secret", "client_secret", "key", "apiKey", "KEY_MGMT"])
def test_every_key_that_names_a_secret_is_secret_like(key: str) -> None:
    """A key holding password, passphrase, psk, secret or key, in any case and anywhere in its name, is masked."""
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["ssid", "security", "error", "client", "id", "step", "networks_model", "", 7, None])
def test_the_keys_of_a_setup_payload_are_shown(key: object) -> None:
    """The fields of the plugin's own payloads, and keys that are not text, are not taken for secrets."""
    assert not is_secret_key(key)


def test_every_secret_like_value_at_any_depth_shows_as_the_mask() -> None:
    """Dicts in lists in dicts (tuples too): each secret-like key's value, whatever it holds, becomes ••••; the
    rest is kept as it was, and the payload given is left untouched."""
    payload = {"ssid": "Home", "password": "correct horse", "nested": {"wifi_psk": "s1", "depth": [
        {"Hotspot_Passphrase": "s2", "fine": 1}, ("x", {"client_secret": {"deeper": "s3"}})]},
        "apiKey": ["s4"], "count": 2}
    masked = mask_secrets(payload)
    assert masked == {"ssid": "Home", "password": MASK, "nested": {"wifi_psk": MASK, "depth": [
        {"Hotspot_Passphrase": MASK, "fine": 1}, ("x", {"client_secret": MASK})]}, "apiKey": MASK, "count": 2}
    assert payload["password"] == "correct horse"  # noqa: S105
    assert payload["nested"]["depth"][0]["Hotspot_Passphrase"] == "s2"  # noqa: S105
    assert MASK == "••••"
    assert mask_secrets("correct horse") == "correct horse"  # a bare value names no key: nothing to go by


@pytest.mark.parametrize("seconds, shown", [
    (4.91706, "4.9"), (15.0, "15"), (15, "15"), (0.5, "0.5"), (60.04, "60"), (2.96, "3"), (0.0, "0"),
    (1e10, "10000000000"),
])
def test_a_duration_has_at_most_one_decimal(seconds: float, shown: str) -> None:
    """Seconds show with one decimal at most, none when whole: "4.9", not "4.91706"."""
    assert duration(seconds) == shown
