"""The tools around the plugin: the `ovos-wifi-setup` command line and the demo with its stand-ins.

cli.py parses the command line and runs one command: those of setup_commands.py talk to the wifi-setup plugin,
those of wifi_commands.py to ovos-PHAL-plugin-network-manager, and `demo` plays the demo/ subpackage (imported only
then). console.py holds what they all share: the bounded bus connection, its waits and one line per message.
"""
