"""Tests on the real OVOS stack: ovos-messagebus, ovos_PHAL and released client plugins."""
