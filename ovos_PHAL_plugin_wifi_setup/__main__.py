"""`python -m ovos_PHAL_plugin_wifi_setup`: the same as the `ovos-wifi-setup` command."""
import sys

from ovos_PHAL_plugin_wifi_setup.tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
