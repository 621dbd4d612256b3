"""The built-in "connect from your phone" method for devices without a screen (the `hotspot` extra).

The device opens its own Wi-Fi network through NetworkManager (nm.py, with NetworkManager's D-Bus vocabulary in
nm_dbus.py), answers every name with its own address (dns.py) and serves a setup page with a small JSON API (web.py;
the page's HTML, CSS and JavaScript are the files in page/, which render.py fills); where NetworkManager's own
dnsmasq holds the DNS port, portal.py's file makes it answer and name the page; client.py is the client that runs it
all, with the settings of config.py: who may join (presence.py), what a connect must pass before the access point
goes down (choice.py), what it says (spoken.py), the one retry of a join (retry.py), a rescan (rescan.py) and its
loop plumbing (tasks.py).
"""
