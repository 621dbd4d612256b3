"""Hypothesis profiles of the fuzz tests: "ci" (fixed seed, bounded) and "long" (about 100,000 messages).

Loaded by test_fuzz.py for the normal run; for `--hypothesis-profile=long` it must be loaded before pytest
configures hypothesis, so the long run names it as a plugin: `pytest -p fuzz_profiles --hypothesis-profile=long`.
"""
from hypothesis import HealthCheck, settings

# Steps per state-machine example, and examples per profile: ci ~ 4,000 messages, long ~ 100,000.
STEPS = 60
_COMMON = dict(deadline=None, database=None, stateful_step_count=STEPS,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])

settings.register_profile("ci", max_examples=250, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("long", max_examples=3000, derandomize=False, print_blob=True, **_COMMON)


def fuzz_settings() -> settings:
    """The "long" profile when it was asked for on the command line, else "ci"."""
    name = settings.get_current_profile_name()
    return settings.get_profile("long" if name == "long" else "ci")
