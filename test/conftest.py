"""Test set-up shared by every layer: a throwaway XDG tree before any OVOS module reads config."""
import os
import tempfile

# ovos_config creates ~/.config/mycroft on import and GUIInterface copies pages to $XDG_CACHE_HOME:
# point all of it at a temporary tree before any test module imports OVOS code.
_XDG_ROOT = tempfile.mkdtemp(prefix="wifi-setup-xdg-")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_XDG_ROOT, _var.lower())
    os.makedirs(os.environ[_var], exist_ok=True)
