"""The built-in "connect from your phone" method for devices without a screen (the `hotspot` extra).

The device opens its own Wi-Fi network through NetworkManager (nm.py), answers every name with its own address
(dns.py) and serves a setup page with a small JSON API (web.py); client.py is the client that runs it all.
"""
