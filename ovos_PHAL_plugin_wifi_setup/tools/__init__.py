"""The tools around the plugin: the `ovos-wifi-setup` command line and the demo with its stand-ins."""
